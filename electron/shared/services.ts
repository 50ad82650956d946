/**
 * Supervised units as the contract describes them: what the operator defines (a preset and its
 * fields) and what the UI and CLI see of a running unit. No secret ever appears here.
 */
import { z } from './zod';

export const unitNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, 'use 1–40 lower-case letters, digits and dashes, starting with a letter (e.g. "vllm-mixtral")');

const absolutePath = z.string().max(4096).refine((p) => p.startsWith('/') && !p.split('/').includes('..'), 'must be an absolute path without ".."');
const port = z.number().int().min(1024, 'ports below 1024 need root; use 1024–65535').max(65535);
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'not a valid environment variable name');
const envValue = z.string().max(8192);

/** A vLLM server (vllm.md §1): offline switches and the run tag are added by the supervisor. */
export const vllmUnitSchema = z
  .object({
    preset: z.literal('vllm'),
    name: unitNameSchema,
    modelPath: absolutePath,
    port: port.default(8000),
    servedModelNames: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, 'letters, digits and . _ : / - only')).min(1).max(8),
    tensorParallelSize: z.number().int().min(1).max(64).optional(),
    maxModelLen: z.number().int().min(16).max(10_000_000).optional(),
    gpuMemoryUtilization: z.number().gt(0).max(1).optional(),
    maxNumSeqs: z.number().int().min(1).max(100_000).optional(),
    gpus: z.array(z.union([z.number().int().min(0).max(63), z.string().regex(/^(GPU|MIG)-[0-9a-fA-F-]+$/)])).max(64).optional(),
    extraArgs: z.array(z.string().max(1000)).max(64).default([]),
    /** SIGTERM → SIGKILL grace; vLLM frees a large model's GPU memory in seconds, 30 s leaves margin. */
    stopTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    /** Extra environment (NCCL_*, VLLM_ATTENTION_BACKEND…); the offline switches always win over it. */
    env: z.record(envName, envValue).default({}),
    autoStart: z.boolean().default(true),
  })
  .strict();

/** GitLab's own AI gateway, for sites that must run the official one (gitlab-ai-gateway.md §4). */
export const gitlabGatewayUnitSchema = z
  .object({
    preset: z.literal('gitlab-gateway'),
    name: unitNameSchema,
    command: absolutePath,
    args: z.array(z.string().max(1000)).max(64).default([]),
    port: port.default(5052),
    env: z.record(envName, envValue).default({}),
    autoStart: z.boolean().default(true),
  })
  .strict();

/**
 * Airlock's own AI gateway (electron/gateway). Its address, TLS and everything else come from the
 * gateway.* settings and the registry, over the private channel: the unit itself has nothing else.
 */
export const airlockGatewayUnitSchema = z
  .object({
    preset: z.literal('airlock-gateway'),
    name: unitNameSchema,
    autoStart: z.boolean().default(true),
  })
  .strict();

/** Any other long-running command. */
export const customUnitSchema = z
  .object({
    preset: z.literal('custom'),
    name: unitNameSchema,
    command: absolutePath,
    args: z.array(z.string().max(4096)).max(256).default([]),
    env: z.record(envName, envValue).default({}),
    cwd: absolutePath.optional(),
    ports: z.array(port).max(16).default([]),
    health: z.object({ url: z.url().refine((u) => /^https?:\/\//.test(u), 'http(s) only'), expectStatus: z.number().int().min(100).max(599).default(200) }).strict().nullable().default(null),
    restart: z.enum(['always', 'on-failure', 'never']).default('always'),
    stopTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    autoStart: z.boolean().default(true),
  })
  .strict();

export const unitDefinitionSchema = z.discriminatedUnion('preset', [vllmUnitSchema, airlockGatewayUnitSchema, gitlabGatewayUnitSchema, customUnitSchema]);
export type UnitDefinition = z.output<typeof unitDefinitionSchema>;
export type UnitDefinitionInput = z.input<typeof unitDefinitionSchema>;
export const unitPresets = ['vllm', 'airlock-gateway', 'gitlab-gateway', 'custom'] as const;

export const unitStateNames = ['stopped', 'starting', 'running', 'backoff', 'stopping', 'exited', 'fatal'] as const;

const problemSchema = z.object({ at: z.string(), summary: z.string(), action: z.string().nullable() });

/** One unit as the Services page and `airlock services list` show it. */
export const unitViewSchema = z.object({
  name: z.string(),
  preset: z.enum(unitPresets),
  definition: unitDefinitionSchema,
  /** The command line as started (the API key is never in it); '' when it could not be made. */
  commandLine: z.string(),
  /**
   * Why the unit could not be started as defined (vLLM not installed, model directory missing…),
   * as found when it was added, at the core's start or at the last start attempt; null once a start
   * got past it.
   */
  cannotStart: z.object({ at: z.string(), reason: z.string() }).nullable(),
  state: z.enum(unitStateNames),
  pid: z.number().nullable(),
  generation: z.number(),
  startedAt: z.string().nullable(),
  readyAt: z.string().nullable(),
  restarts: z.number(),
  nextStartAt: z.string().nullable(),
  lastExit: z
    .object({ code: z.number().nullable(), signal: z.string().nullable(), at: z.string(), isExpected: z.boolean(), reason: z.string().nullable(), action: z.string().nullable() })
    .nullable(),
  fatal: z.object({ reason: z.string(), summary: z.string(), at: z.string() }).nullable(),
  lastProblem: problemSchema.nullable(),
  /** vLLM units: the phase read from its log (loading weights, KV cache…). */
  progress: z.object({ phase: z.string(), detail: z.string().nullable() }).nullable(),
  /** Offsets count bytes of the unit's output since the core started it. */
  output: z.object({ endOffset: z.number(), droppedBytes: z.number() }),
  logFile: z.object({ path: z.string(), writtenBytes: z.number(), droppedBytes: z.number() }),
  autoStart: z.boolean(),
  /**
   * Grows with every change of any unit in this core run: of two views of a unit from the same core,
   * the one with the higher revision is the newer (events and call answers can cross).
   */
  revision: z.number().int(),
});
export type UnitView = z.infer<typeof unitViewSchema>;

export const outputSliceSchema = z.object({
  unit: z.string(),
  /** Byte offset where `text` starts. */
  offset: z.number(),
  /** The output from `offset`, decoded, cut on whole characters. */
  text: z.string(),
  /** Where the next slice starts: ask from here (bytes, not text.length). */
  nextOffset: z.number(),
  /** Bytes between the asked offset and `offset` that the ring no longer holds. */
  gap: z.number(),
  endOffset: z.number(),
});
export type OutputSlice = z.infer<typeof outputSliceSchema>;

/** One file of a unit's rotating log, oldest first. */
export const logFileSchema = z.object({ file: z.string(), bytes: z.number() });

/** A piece of a log file: bytes as base64 (a UTF-8 character may be split between pieces). */
export const logPieceSchema = z.object({ file: z.string(), fromByte: z.number(), nextByte: z.number(), totalBytes: z.number(), base64: z.string() });

export const logHitSchema = z.object({ id: z.number(), unit: z.string(), ts: z.number(), line: z.string() });
