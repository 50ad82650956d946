/**
 * The contract: every call the UI and the CLI can make and every event they can listen to.
 * Both transports (Electron IPC, WebSocket) and the CLI's socket client are typed from this one map,
 * and the core parses every payload with these schemas at its edge.
 */
import { z } from './zod';
import { catalogSchema } from './fit/catalog-schema';
import { hardwareSnapshotSchema, telemetryHistorySchema, telemetryTickSchema } from './hardware';
import { licenseHistoryEntrySchema, licenseUsageSchema, licenseViewSchema } from './license';
import { logFileSchema, logHitSchema, logPieceSchema, outputSliceSchema, unitViewSchema } from './services';
import {
  auditEntrySchema,
  auditVerificationSchema,
  connectionTestResultSchema,
  deploymentDraftInputSchema,
  deploymentViewSchema,
  featurePlanRowSchema,
  gitlabSheetSchema,
} from './registry/views';
import { settingEntrySchema } from './settings';
import { gatewayViewSchema } from './gateway/channel';
import { requestDetailSchema, requestFilterSchema, requestRowSchema, requestStatsSchema } from './gateway/requests';
import { mintTokenInputSchema, tokenViewSchema } from './gateway/tokens';

/** Input of a call that takes no arguments. Strict, so a stray field is an error, not ignored. */
const noInput = z.object({}).strict();
const unitName = z.object({ name: z.string().max(100) }).strict();

export const appInfoSchema = z.object({
  name: z.literal('Airlock'),
  version: z.string(),
  commit: z.string(),
  builtAt: z.string(),
  /** `production` for release builds (test-signed licenses refused), else `development`. */
  channel: z.enum(['production', 'development']),
  runtime: z.object({ node: z.string(), platform: z.string(), arch: z.string() }),
  /** How the core was started: inside the desktop app or as `airlock serve`. */
  mode: z.enum(['desktop', 'console']),
  pid: z.number().int(),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

export const appStatusSchema = z.object({
  startedAt: z.string(),
  uptimeSeconds: z.number(),
  dataDir: z.string(),
});
export type AppStatus = z.infer<typeof appStatusSchema>;

export const appMetricsSchema = z.object({
  rssBytes: z.number(),
  heapUsedBytes: z.number(),
  heapTotalBytes: z.number(),
  /** Memory outside the JS heap held by JS objects (Buffers, strings' external data). */
  externalBytes: z.number(),
  /** Event-loop delay since `since` (perf_hooks.monitorEventLoopDelay): how long work waited for the loop. */
  eventLoopDelayMs: z.object({ p50: z.number(), p99: z.number(), max: z.number() }),
  since: z.string(),
});
export type AppMetrics = z.infer<typeof appMetricsSchema>;

export const storeHealthSchema = z.object({
  isHealthy: z.boolean(),
  path: z.string(),
  schemaVersion: z.number().int(),
  supportedSchemaVersion: z.number().int(),
  journalMode: z.string(),
  synchronous: z.string(),
  /** Result of `PRAGMA quick_check`: "ok" or the first problems found. */
  integrity: z.string(),
  sizeBytes: z.number().int(),
  walBytes: z.number().int(),
  checkedAt: z.string(),
  /** Wall time of the check, so a slow disk shows up. */
  checkMs: z.number(),
});
export type StoreHealth = z.infer<typeof storeHealthSchema>;

export const heartbeatSchema = z.object({ at: z.string(), uptimeSeconds: z.number() });
export type Heartbeat = z.infer<typeof heartbeatSchema>;

interface CallSpec<I extends z.ZodType, O extends z.ZodType> {
  readonly input: I;
  readonly output: O;
  /** One line for `airlock --help`-style listings and docs. */
  readonly summary: string;
}

function call<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string): CallSpec<I, O> {
  return { input, output, summary };
}

export const contract = {
  calls: {
    'app.info': call(noInput, appInfoSchema, 'Version, build and runtime of the running core.'),
    'app.status': call(noInput, appStatusSchema, 'Start time, uptime and data directory of the running core.'),
    'app.metrics': call(z.object({ reset: z.boolean().default(false) }).strict(), appMetricsSchema, "The core's memory and event-loop delay (reset: start a new measuring window)."),
    'store.health': call(noInput, storeHealthSchema, 'Checks config.db: schema version, journal mode, integrity, size.'),
    'hardware.snapshot': call(noInput, hardwareSnapshotSchema, 'Probes the GPUs (nvidia-smi) and the host, with the GitLab minimum checks.'),
    'hardware.history': call(noInput, telemetryHistorySchema, 'The live GPU telemetry of the last 10 minutes.'),
    'catalog.get': call(noInput, catalogSchema, 'The model catalog: GitLab Duo families, features and model architectures for the fit planner.'),
    'license.status': call(noInput, licenseViewSchema, 'The license state, its details, days left and what it allows.'),
    'license.install': call(
      z.object({ text: z.string().max(256 * 1024) }).strict(),
      licenseViewSchema,
      'Verifies a license file and makes it the active license when it is valid now.',
    ),
    'license.history': call(noInput, z.array(licenseHistoryEntrySchema), 'Licenses installed on this appliance, newest first.'),
    'license.usage': call(noInput, licenseUsageSchema, "What the box uses of the license's limits: deployments registered, GPUs assigned to vLLM units."),
    'services.list': call(noInput, z.array(unitViewSchema), 'Every supervised unit with its state, last exit and output position.'),
    'services.add': call(z.object({ definition: z.unknown() }).strict(), unitViewSchema, 'Adds a unit (vllm, gitlab-gateway or custom preset).'),
    'services.remove': call(unitName, z.object({ removed: z.string() }), 'Stops a unit (full stop protocol) and removes it.'),
    'services.start': call(unitName, unitViewSchema, 'Starts a unit, or retries it now when it waits in backoff.'),
    'services.stop': call(unitName, unitViewSchema, 'Stops a unit: SIGTERM to its group, SIGKILL after the stop timeout, then a sweep by run tag.'),
    'services.restart': call(unitName, unitViewSchema, 'Stops a unit if it runs, then starts it again without backoff delay.'),
    'services.reset': call(unitName, unitViewSchema, 'Acknowledges a fatal unit: it becomes stopped.'),
    'services.output': call(
      z.object({ name: z.string().max(100), fromOffset: z.number().int().min(0), maxBytes: z.number().int().min(4).max(1024 * 1024).default(256 * 1024) }).strict(),
      outputSliceSchema,
      "A unit's recent output from an offset on; the live terminal pulls (and so acknowledges) in slices.",
    ),
    'logs.files': call(unitName, z.array(logFileSchema), "A unit's log files on disk, oldest first (for a full download)."),
    'logs.read': call(
      z.object({ name: z.string().max(100), file: z.string().max(200), fromByte: z.number().int().min(0), maxBytes: z.number().int().min(1).max(1024 * 1024).default(1024 * 1024) }).strict(),
      logPieceSchema,
      'Reads a piece of one of those files.',
    ),
    'logs.search': call(
      z.object({ text: z.string().min(1).max(500), unit: z.string().max(100).optional(), since: z.number().optional(), until: z.number().optional(), limit: z.number().int().min(1).max(2000).default(200) }).strict(),
      z.array(logHitSchema),
      'Full-text search over the units\' output, newest first, matches between \\u0002 and \\u0003.',
    ),
    'logs.tail': call(z.object({ name: z.string().max(100), lines: z.number().int().min(1).max(10_000).default(100) }).strict(), z.array(logHitSchema), "The last lines of a unit's output."),
    'models.list': call(noInput, z.array(deploymentViewSchema), 'Registered model deployments (API keys only as their last 4 characters).'),
    'models.add': call(z.object({ deployment: deploymentDraftInputSchema }).strict(), deploymentViewSchema, 'Registers a deployment, as GitLab\'s "Add self-hosted model" form.'),
    'models.update': call(
      z.object({ name: z.string().max(255), patch: deploymentDraftInputSchema }).strict(),
      deploymentViewSchema,
      'Changes a deployment (apiKey: omitted keeps it, null removes it).',
    ),
    'models.remove': call(z.object({ name: z.string().max(255) }).strict(), z.object({ removed: z.string(), unitName: z.string().nullable() }), 'Removes a deployment.'),
    'models.serveLocal': call(
      z
        .object({
          modelDir: z.string().max(4096),
          family: z.string().max(100),
          name: z.string().max(255).optional(),
          port: z.number().int().min(1024).max(65535).optional(),
          contextLength: z.number().int().min(16).optional(),
          concurrency: z.number().int().min(1).optional(),
          gpuMemoryUtilization: z.number().gt(0).max(1).optional(),
        })
        .strict(),
      z.object({
        deployment: deploymentViewSchema,
        unitName: z.string(),
        plan: z.object({ tensorParallelSize: z.number(), gpuIndices: z.array(z.number()), contextLength: z.number(), maxConcurrency: z.number(), vllmArgs: z.array(z.string()) }),
      }),
      'Serves a local model directory on this host: fit plan, vLLM unit and deployment in one step.',
    ),
    'models.test': call(z.object({ name: z.string().max(255) }).strict(), connectionTestResultSchema, 'Tests a deployment step by step: URL, DNS, TCP, TLS, HTTP, model, completion.'),
    'features.list': call(noInput, z.array(featurePlanRowSchema), 'Every AI feature with its deployment, the compatible ones, and what is wrong.'),
    'features.set': call(
      z.object({ featureId: z.string().max(100), deploymentName: z.string().max(255).nullable() }).strict(),
      z.array(featurePlanRowSchema),
      'Maps a feature to a deployment (null: disabled).',
    ),
    'gitlab.sheet': call(z.object({ username: z.string().max(255).optional() }).strict(), gitlabSheetSchema, 'What to enter in GitLab, field by field.'),
    'config.export': call(noInput, z.record(z.string(), z.unknown()), 'The configuration as one versioned JSON document (deployments without keys, features, settings).'),
    'config.import': call(
      z.object({ document: z.unknown(), dryRun: z.boolean().default(true) }).strict(),
      z.object({
        changes: z.array(z.object({ kind: z.enum(['deployment', 'feature', 'setting']), target: z.string(), action: z.enum(['add', 'update', 'unchanged']), fields: z.record(z.string(), z.tuple([z.unknown(), z.unknown()])) })),
        isApplied: z.boolean(),
      }),
      'Shows what importing a document would change (dryRun) or applies it all at once.',
    ),
    'audit.list': call(z.object({ limit: z.number().int().min(1).max(1000).default(100) }).strict(), z.array(auditEntrySchema), 'The latest configuration changes, newest first.'),
    'audit.verify': call(noInput, auditVerificationSchema, 'Checks the hash chain of the audit trail.'),
    'gateway.status': call(noInput, gatewayViewSchema, "Airlock's AI gateway: its unit, its private channel and what it last reported."),
    'gateway.standaloneConfig': call(
      noInput,
      z.object({ document: z.record(z.string(), z.unknown()), keyVariables: z.array(z.object({ deployment: z.string(), variable: z.string() })) }),
      'The configuration as a file for a standalone gateway on another host: keys replaced by the environment variables that must hold them.',
    ),
    'tokens.list': call(noInput, z.array(tokenViewSchema), 'Airlock-issued gateway tokens (only their last 4 characters), newest first.'),
    'tokens.mint': call(
      mintTokenInputSchema,
      z.object({ token: z.string(), view: tokenViewSchema }),
      'Mints a gateway token. The one reply that carries a secret: the token is shown once and never stored.',
    ),
    'tokens.revoke': call(z.object({ id: z.string().max(100) }).strict(), tokenViewSchema, 'Revokes a gateway token; the gateway refuses it within a second.'),
    'requests.list': call(requestFilterSchema, z.array(requestRowSchema), "The gateway's request log, newest first, filtered."),
    'requests.get': call(z.object({ id: z.number().int() }).strict(), requestDetailSchema, 'One logged request with its prompt and response when they were kept.'),
    'requests.stats': call(
      z.object({ sinceMinutes: z.number().int().min(1).max(60 * 24 * 3650).default(60 * 24) }).strict(),
      requestStatsSchema,
      'Counters over the request log: totals, errors, latency, tokens, per feature.',
    ),
    'settings.list': call(noInput, z.array(settingEntrySchema), 'Every setting with its value, default and meaning.'),
    'settings.set': call(z.object({ key: z.string().max(200), value: z.unknown() }).strict(), settingEntrySchema, 'Changes one setting (null resets it to the default).'),
  },
  events: {
    'app.heartbeat': heartbeatSchema,
    'hardware.telemetry': telemetryTickSchema,
    'license.changed': licenseViewSchema,
    'services.changed': unitViewSchema,
    /** A unit was removed (by this client or another one: the CLI, a second console). */
    'services.removed': z.object({ name: z.string(), revision: z.number().int() }),
    /** New output is there; the terminal pulls it with services.output (a notification, not the data). */
    'services.output': z.object({ unit: z.string(), endOffset: z.number() }),
  },
} as const;

export type Contract = typeof contract;
export type CallName = keyof Contract['calls'];
export type EventName = keyof Contract['events'];
export type CallInput<K extends CallName> = z.input<Contract['calls'][K]['input']>;
export type CallOutput<K extends CallName> = z.output<Contract['calls'][K]['output']>;
export type EventPayload<K extends EventName> = z.output<Contract['events'][K]>;

/** Who made a call, from the transport it came over: what the audit trail records as the actor. */
export interface CallContext {
  /** `cli` (the owner-only control socket), `console <address>` (a logged-in browser), `desktop`. */
  actor: string;
}

/** The core's side of the contract: one async handler per call. */
export type CallHandlers = { [K in CallName]: (input: z.output<Contract['calls'][K]['input']>, context: CallContext) => Promise<CallOutput<K>> };

export const callNames = Object.keys(contract.calls) as CallName[];
export const eventNames = Object.keys(contract.events) as EventName[];

/** True when `name` is a call of the contract (own key, not a prototype member). */
export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract.calls, name);
}

/** True when `name` is an event of the contract. */
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract.events, name);
}

/** `app.heartbeat` → `onHeartbeat`: the task-named function the preload exposes for an event. */
export function eventListenerName(name: EventName): { namespace: string; method: string } {
  const [namespace, rest] = splitName(name);
  return { namespace, method: `on${rest.charAt(0).toUpperCase()}${rest.slice(1)}` };
}

/** `store.health` → namespace `store`, method `health`. */
export function splitName(name: string): [string, string] {
  const dot = name.indexOf('.');
  return [name.slice(0, dot), name.slice(dot + 1)];
}
