/**
 * The gateway's request log (requests.db): one row per request, written by the gateway, read by the
 * core. The schema lives here because both sides must agree on it and neither may import the other.
 */
import { z } from '../zod';

/**
 * `PRAGMA user_version` of requests.db this build writes and reads.
 * 1: requests and dropped. 2: minute_stats, the per-minute summary the Overview reads.
 */
export const REQUESTS_DB_VERSION = 2;

/** Milliseconds per minute_stats row: a row's minute is `floor(ts / MINUTE_MS)`. */
export const MINUTE_MS = 60_000;

/** ISO 3 R10 preferred numbers (Renard series): ten steps per decade, ratio 10^(1/10) ≈ 1.259, rounded. */
const R10 = [1, 1.25, 1.6, 2, 2.5, 3.15, 4, 5, 6.3, 8];

/**
 * Upper edges (inclusive) of the latency histogram's buckets, in ms: the R10 series from 0.25 ms to
 * 630 s, 65 edges. Bucket i holds (edge[i - 1], edge[i]]; bucket 0 everything ≤ 0.25 ms; bucket 65
 * (LATENCY_BUCKET_COUNT - 1) everything over 630 s. Adjacent edges differ by a factor 1.25 to 1.28,
 * so a percentile read from the histogram as its bucket's upper edge is ≥ the exact value and less
 * than 1.28× it: at most 28 % high (a value ≤ 0.25 ms reads as 0.25 ms). R10 values keep the
 * figures readable ("p95 ≤ 125 ms"). The gateway's worker receives this list; never reorder or
 * change it without a schema version (stored histograms hold bucket indexes).
 */
export const LATENCY_BUCKET_BOUNDS_MS: readonly number[] = Object.freeze(
  [-1, 0, 1, 2, 3, 4, 5]
    .flatMap((exponent) => R10.map((mantissa) => Number((mantissa * 10 ** exponent).toPrecision(3))))
    .filter((edge) => edge >= 0.25 && edge <= 630_000),
);

/** Buckets in a latency histogram: one per edge, plus the open-ended one over the last edge. */
export const LATENCY_BUCKET_COUNT = LATENCY_BUCKET_BOUNDS_MS.length + 1;

/** The bucket holding `latencyMs` (binary search over LATENCY_BUCKET_BOUNDS_MS). */
export function latencyBucketOf(latencyMs: number): number {
  let low = 0;
  let high = LATENCY_BUCKET_BOUNDS_MS.length;
  // Smallest i with latencyMs <= edge[i]; LATENCY_BUCKET_BOUNDS_MS.length when there is none.
  while (low < high) {
    const mid = (low + high) >> 1;
    if (latencyMs <= LATENCY_BUCKET_BOUNDS_MS[mid]!) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** The same bucketing as latencyBucketOf in SQL, as a balanced CASE (7 comparisons, not up to 65). */
function latencyBucketSql(column: string, low = 0, high = LATENCY_BUCKET_COUNT - 1): string {
  if (low === high) return String(low);
  const mid = (low + high) >> 1;
  // String(edge) is the shortest text that reads back as the same double: SQL and JS compare alike.
  return `CASE WHEN ${column} <= ${String(LATENCY_BUCKET_BOUNDS_MS[mid])} THEN ${latencyBucketSql(column, low, mid)} ELSE ${latencyBucketSql(column, mid + 1, high)} END`;
}

/**
 * Adds a stored histogram (or several joined with commas, as `group_concat` returns them) into
 * `counts` (LATENCY_BUCKET_COUNT long). Stored form: `bucket,count` pairs joined by commas, in any
 * order ("3,1,17,40"); text so that the v1→v2 migration can build it in SQL and the reader can merge
 * a whole window with one `group_concat`. Parsed by hand: 24 hours are ~350,000 numbers, twice as
 * fast as JSON.parse and without the garbage (measured). Throws on anything else.
 */
export function addLatencyHistogram(counts: number[], histogram: string | null): void {
  if (!histogram) return;
  let value = 0;
  let digits = 0;
  let bucket = 0;
  let isCount = false;
  // One past the end reads as a comma: it ends the last number.
  for (let i = 0; i <= histogram.length; i += 1) {
    const code = i < histogram.length ? histogram.charCodeAt(i) : 44;
    if (code >= 48 && code <= 57) {
      value = value * 10 + (code - 48);
      digits += 1;
    } else if (code === 44 && digits > 0) {
      if (!isCount) bucket = value;
      else if (bucket < counts.length) counts[bucket]! += value;
      else throw new Error(`Latency histogram bucket ${bucket} does not exist (requests.db is damaged).`);
      isCount = !isCount;
      value = 0;
      digits = 0;
    } else {
      throw new Error(`Latency histogram is damaged at character ${i} (requests.db).`);
    }
  }
  if (isCount) throw new Error('Latency histogram has a bucket without a count (requests.db is damaged).');
}

/**
 * Nearest-rank percentile `p` (0 < p ≤ 1) of a merged histogram as an upper bound: the upper edge
 * of the bucket holding it; in the open-ended last bucket (over 630 s), `maxMs`, the largest latency
 * counted. Null for an empty histogram.
 */
export function latencyPercentileUpperBound(counts: readonly number[], p: number, maxMs: number): number | null {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total <= 0) return null;
  const rank = Math.min(total, Math.max(1, Math.ceil(p * total)));
  let seen = 0;
  for (let bucket = 0; bucket < counts.length; bucket += 1) {
    seen += counts[bucket]!;
    if (seen >= rank) return LATENCY_BUCKET_BOUNDS_MS[bucket] ?? maxMs;
  }
  return maxMs;
}

const REQUESTS_DDL = `
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

/**
 * The per-minute summary of `requests`, kept by the gateway in the same transaction as the rows it
 * sums, so that the Overview reads ~20 rows a minute instead of every request. A NULL feature or
 * deployment is stored as ''. status_class: floor(status / 100) for 100–599, 0 for anything else.
 * errors: status >= 400 or error IS NOT NULL. tokens_*: sums, NULL counted as 0. latency_sum and
 * latency_max: of latency_ms (the max bounds a percentile past the last bucket edge; the sum gives a
 * mean). histogram: counts per LATENCY_BUCKET_BOUNDS_MS bucket, see addLatencyHistogram.
 */
const MINUTE_STATS_DDL = `
CREATE TABLE IF NOT EXISTS minute_stats (
  minute INTEGER NOT NULL,
  feature TEXT NOT NULL DEFAULT '',
  deployment TEXT NOT NULL DEFAULT '',
  status_class INTEGER NOT NULL,
  count INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  tokens_in INTEGER NOT NULL,
  tokens_out INTEGER NOT NULL,
  latency_sum REAL NOT NULL,
  latency_max REAL NOT NULL,
  histogram TEXT NOT NULL,
  PRIMARY KEY (minute, feature, deployment, status_class)
) WITHOUT ROWID;
`;

/** DDL of a new requests.db at REQUESTS_DB_VERSION. Times are epoch milliseconds. */
export const REQUESTS_DB_SCHEMA = REQUESTS_DDL + MINUTE_STATS_DDL;

/**
 * v1→v2: (re)creates minute_stats and fills it from every row in `requests` (~1–1.5 s per million
 * rows, measured). A v1 file has no minute_stats; dropping one anyway makes the step safe to repeat.
 * CAST(… AS INTEGER) truncates, which is floor for the non-negative times and statuses the gateway
 * writes. Must key, bucket and count exactly as the worker's upserts (request-log-worker.ts).
 */
const MIGRATE_TO_V2 = `
DROP TABLE IF EXISTS minute_stats;
${MINUTE_STATS_DDL}
INSERT INTO minute_stats (minute, feature, deployment, status_class, count, errors, tokens_in, tokens_out, latency_sum, latency_max, histogram)
SELECT minute, feature, deployment, status_class, sum(n), sum(errors), sum(tokens_in), sum(tokens_out), sum(latency_sum), max(latency_max),
  group_concat(bucket || ',' || n)
FROM (
  SELECT CAST(ts / ${MINUTE_MS} AS INTEGER) AS minute, coalesce(feature, '') AS feature, coalesce(deployment, '') AS deployment,
    CASE WHEN status >= 100 AND status < 600 THEN CAST(status / 100 AS INTEGER) ELSE 0 END AS status_class,
    ${latencyBucketSql('latency_ms')} AS bucket,
    count(*) AS n, count(CASE WHEN status >= 400 OR error IS NOT NULL THEN 1 END) AS errors,
    coalesce(sum(tokens_in), 0) AS tokens_in, coalesce(sum(tokens_out), 0) AS tokens_out,
    sum(latency_ms) AS latency_sum, max(latency_ms) AS latency_max
  FROM requests
  GROUP BY 1, 2, 3, 4, 5
)
GROUP BY minute, feature, deployment, status_class;
`;

/**
 * Steps from one version to the next: MIGRATIONS[n] takes a database at n - 1 to n. The gateway's
 * worker runs the steps a database lacks, and sets user_version, in one transaction: the core (which
 * never writes) sees the old version or the new one, never half of a step. Append-only.
 */
export const REQUESTS_DB_MIGRATIONS: Readonly<Record<number, string>> = Object.freeze({ 2: MIGRATE_TO_V2 });

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
   * figure is the upper edge of the bucket holding the percentile ("p95 ≤ 125 ms"; past the last
   * edge, 630 s, the window's largest latency); false: exact.
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
