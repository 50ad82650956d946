/**
 * The private channel between the core and the gateway it supervises: newline-delimited JSON over
 * a 0600 Unix socket in the data directory. The gateway says hello with the one-time token it got
 * in its environment; the core answers with the configuration (API keys included: this channel is
 * the only way they leave the core) and sends a new one after every change; the gateway reports
 * what it applied and how it is doing.
 */
import { gatewayConfigSchema } from './config';
import { unitStateNames } from '../services';
import { z } from '../zod';

/** Environment variables the core sets for a supervised gateway. */
export const CHANNEL_PATH_ENV = 'AIRLOCK_GATEWAY_CHANNEL';
export const CHANNEL_TOKEN_ENV = 'AIRLOCK_GATEWAY_CHANNEL_TOKEN';

/** A configuration with thousands of deployments and tokens stays far below this. */
export const MAX_CHANNEL_FRAME_BYTES = 16 * 1024 * 1024;

export const gatewayStatusSchema = z.object({
  pid: z.number().int(),
  version: z.string(),
  startedAt: z.string(),
  /** The configuration version in force. */
  appliedVersion: z.number().int(),
  /** The configuration changed what the server is bound with (address, TLS, limits): a restart applies it. */
  needsRestart: z.boolean(),
  listening: z.object({ url: z.string(), metricsUrl: z.string().nullable() }).nullable(),
  inFlight: z.number().int(),
  requests: z.object({ total: z.number().int(), authFailures: z.number().int() }),
  requestLog: z.object({ written: z.number().int(), dropped: z.number().int(), queued: z.number().int(), lastError: z.string().nullable() }).nullable(),
  gitlabKeys: z
    .object({
      url: z.string().nullable(),
      lastFetchAt: z.number().nullable(),
      lastError: z.string().nullable(),
      keyIds: z.array(z.string()),
    })
    .nullable(),
  rssBytes: z.number().int(),
});
export type GatewayStatus = z.infer<typeof gatewayStatusSchema>;

/** Gateway → core. */
export const gatewayToCoreSchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('hello'), token: z.string().max(200), pid: z.number().int(), version: z.string().max(100) }),
  z.strictObject({ t: z.literal('applied'), version: z.number().int() }),
  z.strictObject({ t: z.literal('rejected'), version: z.number().int(), reason: z.string().max(2000) }),
  z.strictObject({ t: z.literal('status'), status: gatewayStatusSchema }),
]);
export type GatewayToCore = z.infer<typeof gatewayToCoreSchema>;

/** Core → gateway. */
export const coreToGatewaySchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('config'), config: gatewayConfigSchema }),
  z.strictObject({ t: z.literal('refused'), reason: z.string().max(2000) }),
]);
export type CoreToGateway = z.infer<typeof coreToGatewaySchema>;

/** The gateway as the UI and the CLI see it: its unit, its channel, and what it last reported. */
export const gatewayViewSchema = z.object({
  unit: z.object({ name: z.string(), state: z.enum(unitStateNames) }).nullable(),
  channel: z.object({
    isConnected: z.boolean(),
    statusAt: z.number().nullable(),
    sentVersion: z.number().nullable(),
    appliedVersion: z.number().nullable(),
    rejection: z.string().nullable(),
  }),
  /** The gateway's own report; null until it sent one, and when its unit is not running (a report from an earlier run says nothing now). */
  status: gatewayStatusSchema.nullable(),
  /** False when the report is older than 10 s or the channel is down: figures may be out of date. */
  isStatusFresh: z.boolean(),
});
export type GatewayView = z.infer<typeof gatewayViewSchema>;
