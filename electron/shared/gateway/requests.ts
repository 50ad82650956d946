/**
 * The gateway's request log (requests.db): one row per request, written by the gateway, read by the
 * core. The schema lives here because both sides must agree on it and neither may import the other.
 */
import { z } from '../zod';

/** `PRAGMA user_version` of requests.db this build writes and reads. */
export const REQUESTS_DB_VERSION = 1;

/** DDL of requests.db at REQUESTS_DB_VERSION. Times are epoch milliseconds. */
export const REQUESTS_DB_SCHEMA = `
CREATE TABLE IF NOT EXISTS requests (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  client_ip TEXT NOT NULL,
  client TEXT NOT NULL,
  method TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  feature TEXT,
  unit_primitive TEXT,
  deployment TEXT,
  model TEXT,
  is_stream INTEGER NOT NULL,
  status INTEGER NOT NULL,
  latency_ms REAL NOT NULL,
  ttfb_ms REAL,
  tokens_in INTEGER,
  tokens_out INTEGER,
  error TEXT,
  prompt TEXT,
  response TEXT
);
CREATE INDEX IF NOT EXISTS requests_ts ON requests (ts);
CREATE INDEX IF NOT EXISTS requests_feature_ts ON requests (feature, ts);
CREATE INDEX IF NOT EXISTS requests_deployment_ts ON requests (deployment, ts);
CREATE INDEX IF NOT EXISTS requests_status_ts ON requests (status, ts);
CREATE TABLE IF NOT EXISTS dropped (
  id INTEGER PRIMARY KEY,
  from_ts INTEGER NOT NULL,
  to_ts INTEGER NOT NULL,
  count INTEGER NOT NULL
);
`;

/** One request as the gateway records it. */
export interface RequestRecord {
  ts: number;
  requestId: string;
  clientIp: string;
  /** Who called: `gitlab:<instance id>`, `token:<label> (<id>)`, or `anonymous` (refused before auth). */
  client: string;
  method: string;
  /** The route, e.g. `/v2/code/completions` or `/v1/prompts/chat/explain_code`. */
  endpoint: string;
  feature: string | null;
  unitPrimitive: string | null;
  deployment: string | null;
  model: string | null;
  isStream: boolean;
  status: number;
  latencyMs: number;
  /** Time to the first byte of the answer sent to the client. */
  ttfbMs: number | null;
  tokensIn: number | null;
  tokensOut: number | null;
  /** What went wrong, in words (never a key or a token). */
  error: string | null;
  /** Only when AI request logging is on and GitLab's verbose-logs header allows it. */
  prompt: string | null;
  response: string | null;
}

export const requestRowSchema = z.object({
  id: z.number(),
  ts: z.number(),
  requestId: z.string(),
  clientIp: z.string(),
  client: z.string(),
  method: z.string(),
  endpoint: z.string(),
  feature: z.string().nullable(),
  unitPrimitive: z.string().nullable(),
  deployment: z.string().nullable(),
  model: z.string().nullable(),
  isStream: z.boolean(),
  status: z.number(),
  latencyMs: z.number(),
  ttfbMs: z.number().nullable(),
  tokensIn: z.number().nullable(),
  tokensOut: z.number().nullable(),
  error: z.string().nullable(),
  hasPrompt: z.boolean(),
});
export type RequestRow = z.infer<typeof requestRowSchema>;

export const requestDetailSchema = requestRowSchema.extend({ prompt: z.string().nullable(), response: z.string().nullable() });
export type RequestDetail = z.infer<typeof requestDetailSchema>;

/** Status classes the Requests page filters on. */
export const statusClasses = ['2xx', '4xx', '5xx'] as const;

export const requestFilterSchema = z
  .object({
    feature: z.string().max(100).optional(),
    deployment: z.string().max(255).optional(),
    /** A class (`4xx`) or an exact status. */
    status: z.union([z.enum(statusClasses), z.number().int().min(100).max(599)]).optional(),
    since: z.number().optional(),
    until: z.number().optional(),
    /** Continue after this row (the previous page's last id): rows older than it, newest first. */
    beforeId: z.number().int().optional(),
    limit: z.number().int().min(1).max(1000).default(100),
  })
  .strict();
export type RequestFilter = z.input<typeof requestFilterSchema>;

export const requestStatsSchema = z.object({
  /** Window the figures cover, epoch ms. */
  since: z.number(),
  total: z.number(),
  ok: z.number(),
  clientErrors: z.number(),
  serverErrors: z.number(),
  /**
   * Latency percentiles. `isUpperBound`: read from the per-minute histogram (long windows), so each
   * figure is the upper edge of the bucket holding the percentile ("p95 ≤ 120 ms"); false: exact.
   */
  latencyMs: z.object({ p50: z.number().nullable(), p95: z.number().nullable(), isUpperBound: z.boolean() }),
  tokensIn: z.number(),
  tokensOut: z.number(),
  byFeature: z.array(z.object({ feature: z.string(), count: z.number(), errors: z.number() })),
  /** Rows the gateway could not write because the log fell behind. */
  dropped: z.number(),
  /** False when requests.db does not exist yet (the gateway never ran). */
  isAvailable: z.boolean(),
});
export type RequestStats = z.infer<typeof requestStatsSchema>;
