/**
 * Reads vLLM's output: startup milestones for a progress display, and fatal patterns turned into a
 * plain explanation and the change to make. Pure: it sees decoded text, never a process.
 *
 * Patterns and samples: ../shared/reference/vllm.md §4 (startup lines) and §5 (fatal patterns).
 * vLLM's wording moves between releases, so every pattern matches a stable substring anywhere in
 * the line (after the `(APIServer pid=N) INFO MM-DD HH:MM:SS [file.py:line]` prefix, which also
 * changes) and numbers are read loosely (`123,456`, `2.5 s` / `2.5 seconds`).
 */
import { stripAnsi } from '../logs/line-splitter';

// ---------------------------------------------------------------------------------------------
// Lines
// ---------------------------------------------------------------------------------------------

/** Lines longer than this are cut into pieces: a newline-free flood must not grow the carry forever. */
export const MAX_LINE_CHARS = 16_384;

/** Complete lines found in a chunk, and the unfinished rest to pass with the next chunk. */
export interface SplitLines {
  readonly lines: string[];
  readonly rest: string;
}

/**
 * Splits output into lines, carrying a partial line between chunks. Breaks on `\n`, `\r\n` and a lone
 * `\r`: tqdm progress bars ("Loading safetensors checkpoint shards", "Capturing CUDA graphs") redraw
 * with `\r`, and each redraw is a line worth reading. ANSI codes are stripped from complete lines
 * only, so an escape sequence split across chunks is still removed whole.
 */
export function splitOutputLines(rest: string, chunk: string, maxLineChars: number = MAX_LINE_CHARS): SplitLines {
  const text = rest + chunk;
  const lines: string[] = [];
  let start = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (char === 10 /* \n */) {
      lines.push(stripAnsi(text.slice(start, index)));
      start = index + 1;
    } else if (char === 13 /* \r */) {
      if (index === text.length - 1) break; // `\r\n` may be split across chunks: decide with the next one.
      lines.push(stripAnsi(text.slice(start, index)));
      start = text.charCodeAt(index + 1) === 10 ? index + 2 : index + 1;
      if (start === index + 2) index += 1;
    } else if (index - start >= maxLineChars) {
      lines.push(stripAnsi(text.slice(start, index)));
      start = index;
    }
  }
  const pending = text.slice(start);
  return { lines: lines.filter((line) => line.length > 0), rest: pending };
}

/** The last partial line at the end of output (the process exited): a line of its own, or none. */
export function flushOutputLines(rest: string): string[] {
  const line = stripAnsi(rest.replace(/\r$/, ''));
  return line.length > 0 ? [line] : [];
}

// ---------------------------------------------------------------------------------------------
// Milestones
// ---------------------------------------------------------------------------------------------

/** One startup fact read from a line (vllm.md §4, rows 1–9). */
export type VllmMilestone =
  | { readonly kind: 'version'; readonly version: string }
  /** The config echo: `non-default args: {...}` (kept raw, cut to 2,000 characters). */
  | { readonly kind: 'config'; readonly nonDefaultArgs: string }
  | { readonly kind: 'architecture'; readonly architecture: string }
  | { readonly kind: 'max-model-len'; readonly tokens: number }
  | { readonly kind: 'weight-shards'; readonly done: number; readonly total: number }
  | { readonly kind: 'weights-loaded'; readonly seconds: number }
  | { readonly kind: 'model-loaded'; readonly gib: number; readonly seconds: number | null }
  /** `Available KV cache memory: X GiB`; negative means the start will fail (vllm.md §4 row 4). */
  | { readonly kind: 'kv-cache-memory'; readonly gib: number }
  | { readonly kind: 'kv-cache-size'; readonly tokens: number }
  | { readonly kind: 'max-concurrency'; readonly tokensPerRequest: number; readonly concurrency: number }
  | { readonly kind: 'graph-capture'; readonly done: number | null; readonly total: number | null }
  | { readonly kind: 'graph-capture-finished'; readonly seconds: number; readonly gib: number | null }
  | { readonly kind: 'engine-initialized'; readonly seconds: number }
  /** `Starting vLLM API server 0 on http://…` (newer: `Starting vLLM server on http://…`). */
  | { readonly kind: 'server-starting'; readonly url: string }
  /** Uvicorn's `Application startup complete.`: the app is up (readiness is still `/health`). */
  | { readonly kind: 'startup-complete' }
  /** `Uvicorn running on …`: printed only by builds that let uvicorn bind (vllm.md §4: do not wait for it). */
  | { readonly kind: 'uvicorn-running'; readonly url: string };

/** What one line says, if anything. */
export type VllmLineClass = { readonly kind: 'milestone'; readonly milestone: VllmMilestone } | { readonly kind: 'fatal'; readonly diagnosis: VllmDiagnosis };

const NUMBER = String.raw`(-?\d[\d,]*(?:\.\d+)?)`;
const SECONDS = String.raw`\s*s(?:ec(?:ond)?s?)?\b`;

const MILESTONES: ReadonlyArray<{ pattern: RegExp; read: (m: RegExpExecArray) => VllmMilestone }> = [
  { pattern: /\bvLLM (?:API )?server version (\S+)/, read: (m) => ({ kind: 'version', version: group(m, 1) }) },
  { pattern: /non-default args: (\{.*)$/, read: (m) => ({ kind: 'config', nonDefaultArgs: group(m, 1).slice(0, 2000) }) },
  { pattern: /Resolved architecture: (\S+)/, read: (m) => ({ kind: 'architecture', architecture: group(m, 1) }) },
  { pattern: new RegExp(`Using max model len ${NUMBER}`), read: (m) => ({ kind: 'max-model-len', tokens: num(m, 1) }) },
  {
    pattern: /Loading (?:safetensors|pt|bin)? ?checkpoint shards:\s*\d+% Completed \| (\d+)\/(\d+)/,
    read: (m) => ({ kind: 'weight-shards', done: num(m, 1), total: num(m, 2) }),
  },
  { pattern: new RegExp(`Loading weights took ${NUMBER}${SECONDS}`), read: (m) => ({ kind: 'weights-loaded', seconds: num(m, 1) }) },
  {
    pattern: new RegExp(`Model loading took ${NUMBER}\\s*GiB(?: memory)?(?: and ${NUMBER}${SECONDS})?`),
    read: (m) => ({ kind: 'model-loaded', gib: num(m, 1), seconds: m[2] === undefined ? null : num(m, 2) }),
  },
  { pattern: new RegExp(`Available KV cache memory: ${NUMBER}\\s*GiB`), read: (m) => ({ kind: 'kv-cache-memory', gib: num(m, 1) }) },
  { pattern: new RegExp(`GPU KV cache size: ${NUMBER} tokens`), read: (m) => ({ kind: 'kv-cache-size', tokens: num(m, 1) }) },
  {
    pattern: new RegExp(`Maximum concurrency for ${NUMBER} tokens per request: ${NUMBER}x`),
    read: (m) => ({ kind: 'max-concurrency', tokensPerRequest: num(m, 1), concurrency: num(m, 2) }),
  },
  {
    pattern: new RegExp(`Graph capturing finished in ${NUMBER}${SECONDS}(?:, took ${NUMBER}\\s*GiB)?`),
    read: (m) => ({ kind: 'graph-capture-finished', seconds: num(m, 1), gib: m[2] === undefined ? null : num(m, 2) }),
  },
  {
    pattern: /Capturing CUDA graphs(?:[^|]*\|[^|]*\|\s*(\d+)\/(\d+))?/,
    read: (m) => ({ kind: 'graph-capture', done: m[1] === undefined ? null : num(m, 1), total: m[2] === undefined ? null : num(m, 2) }),
  },
  {
    pattern: new RegExp(`init engine \\(profile, create kv cache, warmup model\\) took ${NUMBER}${SECONDS}`),
    read: (m) => ({ kind: 'engine-initialized', seconds: num(m, 1) }),
  },
  { pattern: /Starting vLLM (?:API )?server(?: \d+)? on (\S+)/, read: (m) => ({ kind: 'server-starting', url: group(m, 1) }) },
  { pattern: /Application startup complete\./, read: () => ({ kind: 'startup-complete' }) },
  { pattern: /Uvicorn running on (\S+)/, read: (m) => ({ kind: 'uvicorn-running', url: group(m, 1) }) },
];

// ---------------------------------------------------------------------------------------------
// Fatal patterns
// ---------------------------------------------------------------------------------------------

/** The fatal causes the classifier knows (vllm.md §5). */
export type VllmFatalId =
  | 'kv-cache-too-small'
  | 'no-kv-cache-memory'
  | 'negative-kv-cache'
  | 'insufficient-free-memory'
  | 'cuda-oom'
  | 'port-in-use'
  | 'engine-core-failed';

/** A cause found in vLLM's output, in words: what happened (with the values) and the change to make. */
export interface VllmDiagnosis {
  readonly id: VllmFatalId;
  readonly summary: string;
  readonly action: string;
  /** A restart with the same settings fails the same way (the KV cache arithmetic does not change). */
  readonly isPermanent: boolean;
  /** The line that matched, ANSI-free, cut to 500 characters. */
  readonly evidence: string;
  /** The `--max-model-len` vLLM estimates would fit (kv-cache-too-small). */
  readonly suggestedMaxModelLen?: number;
  /** A `--gpu-memory-utilization` that fits the free memory vLLM saw (insufficient-free-memory). */
  readonly suggestedGpuMemoryUtilization?: number;
  /** Processes the message names as holding GPU memory (PyTorch's "Process N has X GiB memory in use"). */
  readonly gpuHolders?: readonly { readonly pid: number; readonly memory: string }[];
  readonly port?: number;
  /** engine-core-failed: the error lines before it, which hold the real cause. */
  readonly precedingErrors?: readonly string[];
}

/** Most specific first: `diagnoseVllmOutput` prefers a cause over "the engine failed". */
const PRIORITY: readonly VllmFatalId[] = [
  'kv-cache-too-small',
  'negative-kv-cache',
  'no-kv-cache-memory',
  'insufficient-free-memory',
  'cuda-oom',
  'port-in-use',
  'engine-core-failed',
];

const MEMORY_ACTION =
  'Lower --max-model-len or --max-num-seqs, raise --gpu-memory-utilization, or spread the model over more GPUs (--tensor-parallel-size).';

function diagnoseLine(line: string): VllmDiagnosis | null {
  const evidence = line.trim().slice(0, 500);

  // "To serve at least one request with the models's max seq len (40960), (5.62 GiB KV cache is needed,
  // which is larger than the available KV cache memory (4.50 GiB). Based on the available memory, the
  // estimated maximum model length is 32768. Try increasing `gpu_memory_utilization` or decreasing
  // `max_model_len` …" (vllm/v1/core/kv_cache_utils.py; vllm.md §5)
  const kv = /\(?([\d.]+) GiB KV cache is needed, which is larger than the available KV cache memory \(([\d.]+) GiB\)/.exec(line);
  if (kv) {
    const estimate = /estimated maximum model length is ([\d,]+)/.exec(line);
    const maxLen = /max seq len \(([\d,]+)\)/.exec(line);
    const suggested = estimate ? num(estimate, 1) : undefined;
    const lengthText = maxLen ? ` at the maximum model length (${num(maxLen, 1)} tokens)` : '';
    return {
      id: 'kv-cache-too-small',
      summary: `The KV cache for one request${lengthText} needs ${group(kv, 1)} GiB, but only ${group(kv, 2)} GiB is left for it after loading the model.`,
      action:
        suggested !== undefined
          ? `Set --max-model-len ${suggested} (vLLM's estimate of what fits), or raise --gpu-memory-utilization.`
          : 'Lower --max-model-len, or raise --gpu-memory-utilization.',
      isPermanent: true,
      evidence,
      ...(suggested !== undefined ? { suggestedMaxModelLen: suggested } : {}),
    };
  }

  const negative = new RegExp(`Available KV cache memory: (-\\d[\\d,]*(?:\\.\\d+)?)\\s*GiB`).exec(line);
  if (negative) {
    return {
      id: 'negative-kv-cache',
      summary: `vLLM computed ${group(negative, 1)} GiB for the KV cache: the weights and activations alone exceed the memory it may use, so the start will fail.`,
      action: MEMORY_ACTION,
      isPermanent: true,
      evidence,
    };
  }

  if (line.includes('No available memory for the cache blocks')) {
    return {
      id: 'no-kv-cache-memory',
      summary: 'No GPU memory was left for the KV cache after loading the model.',
      action: MEMORY_ACTION,
      isPermanent: true,
      evidence,
    };
  }

  // "Free memory on device [cuda:0] (13.45/79.19 GiB) on startup is less than desired GPU memory
  // utilization (0.9, 71.27 GiB). Decrease GPU memory utilization or reduce GPU memory used by other processes."
  const free = /Free memory on device(?: (\S+))? \(([\d.]+)\/([\d.]+) GiB\) on startup is less than desired GPU memory utilization \(([\d.]+), ([\d.]+) GiB\)/.exec(
    line,
  );
  if (free) {
    const device = free[1] === undefined ? 'the GPU' : free[1];
    const freeGiB = Number(group(free, 2));
    const totalGiB = Number(group(free, 3));
    const holders = gpuHolders(line);
    // One point below the free fraction vLLM saw, so the next start fits even if a little more is taken.
    const fits = Math.floor((freeGiB / totalGiB) * 100 - 1) / 100;
    const holderText = holders.length > 0 ? ` Process ${holders.map((h) => `${h.pid} (${h.memory})`).join(', ')} holds GPU memory.` : '';
    return {
      id: 'insufficient-free-memory',
      summary:
        `Only ${group(free, 2)} of ${group(free, 3)} GiB was free on ${device} when vLLM started, but --gpu-memory-utilization ` +
        `${group(free, 4)} asks for ${group(free, 5)} GiB. Another process holds GPU memory, or a previous run has not released it yet.${holderText}`,
      action:
        `Stop the other processes using this GPU (or wait until its memory is released)` +
        (fits > 0 ? `, or lower --gpu-memory-utilization to ${fits.toFixed(2)}.` : '.'),
      // Not permanent: a just-killed engine can take seconds to release its VRAM (vllm.md §6).
      isPermanent: false,
      evidence,
      ...(fits > 0 ? { suggestedGpuMemoryUtilization: fits } : {}),
      ...(holders.length > 0 ? { gpuHolders: holders } : {}),
    };
  }

  // PyTorch: "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total
  // capacity of 79.19 GiB of which 1.06 GiB is free. Process 41235 has 40.00 GiB memory in use. …"
  if (/CUDA out of memory|OutOfMemoryError/.test(line)) {
    const tried = /Tried to allocate ([\d.]+ [KMGT]i?B)/.exec(line);
    const capacity = /GPU (\d+) has a total capacity of ([\d.]+ [KMGT]i?B) of which ([\d.]+ [KMGT]i?B) is free/.exec(line);
    const holders = gpuHolders(line);
    const details = [
      tried ? `it tried to allocate ${group(tried, 1)}` : null,
      capacity ? `GPU ${group(capacity, 1)} had ${group(capacity, 3)} free of ${group(capacity, 2)}` : null,
      holders.length > 0 ? `process ${holders.map((h) => `${h.pid} holds ${h.memory}`).join(', ')}` : null,
    ].filter((part) => part !== null);
    return {
      id: 'cuda-oom',
      summary: `vLLM ran out of GPU memory (CUDA out of memory)${details.length > 0 ? `: ${details.join('; ')}` : ''}.`,
      action:
        'Lower --gpu-memory-utilization, --max-model-len or --max-num-seqs, or stop other processes using this GPU' +
        (holders.length > 0 ? ` (pid ${holders.map((h) => h.pid).join(', ')}).` : '.'),
      // Other processes' memory comes and goes; the restart policy's give-up rule bounds the retries.
      isPermanent: false,
      evidence,
      ...(holders.length > 0 ? { gpuHolders: holders } : {}),
    };
  }

  // vLLM binds the socket itself (vllm/entrypoints/launcher.py): "OSError: [Errno 98] Address already in use";
  // uvicorn's own bind says "[Errno 98] error while attempting to bind on address ('0.0.0.0', 8000): address already in use".
  if (/\[Errno 98\]|[Aa]ddress already in use/.test(line)) {
    const port = /\('[^']*', (\d+)\)|:(\d+)\b[^\d]*already in use/.exec(line);
    const portNumber = port ? Number(port[1] ?? port[2]) : undefined;
    return {
      id: 'port-in-use',
      summary: `The port${portNumber === undefined ? '' : ` ${portNumber}`} vLLM should listen on is already in use by another process.`,
      action: 'Stop the process that holds the port (a previous vLLM may still be shutting down), or give this unit another port.',
      isPermanent: false,
      evidence,
      ...(portNumber === undefined ? {} : { port: portNumber }),
    };
  }

  if (/EngineCore failed to start|Engine core initialization failed/.test(line)) {
    return {
      id: 'engine-core-failed',
      summary: "vLLM's engine core failed to start; the cause is in the error lines printed before this one.",
      action: 'Read the preceding error lines; the most common causes are GPU memory (see above) and an unsupported model or flag.',
      isPermanent: false,
      evidence,
    };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Public classification
// ---------------------------------------------------------------------------------------------

/** What one complete, ANSI-free line says: a fatal cause, a startup milestone, or nothing. */
export function classifyVllmLine(line: string): VllmLineClass | null {
  const clean = stripAnsi(line);
  const diagnosis = diagnoseLine(clean);
  if (diagnosis) return { kind: 'fatal', diagnosis };
  for (const { pattern, read } of MILESTONES) {
    const match = pattern.exec(clean);
    if (match) return { kind: 'milestone', milestone: read(match) };
  }
  return null;
}

/**
 * The best explanation for a failed run, from its last lines (oldest first): the most specific cause
 * found; a generic "engine core failed" comes with the error lines before it.
 */
export function diagnoseVllmOutput(lines: readonly string[]): VllmDiagnosis | null {
  let best: VllmDiagnosis | null = null;
  let bestIndex = -1;
  for (let index = 0; index < lines.length; index += 1) {
    const diagnosis = diagnoseLine(stripAnsi(lines[index] ?? ''));
    if (diagnosis === null) continue;
    if (best === null || PRIORITY.indexOf(diagnosis.id) < PRIORITY.indexOf(best.id)) {
      best = diagnosis;
      bestIndex = index;
    }
  }
  if (best?.id === 'engine-core-failed') {
    const before = lines.slice(Math.max(0, bestIndex - 200), bestIndex).map(stripAnsi);
    const errors = before.filter((line) => /\bERROR\b|Error:|Exception:|^\s*raise\b/.test(line)).slice(-5).map((line) => line.trim().slice(0, 500));
    if (errors.length > 0) return { ...best, precedingErrors: errors };
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Progress
// ---------------------------------------------------------------------------------------------

/** Where a vLLM start is, in the order vLLM goes through it. */
export type VllmPhase = 'launching' | 'loading-weights' | 'profiling' | 'capturing-graphs' | 'starting-server' | 'ready' | 'failed';

const PHASE_ORDER: readonly VllmPhase[] = ['launching', 'loading-weights', 'profiling', 'capturing-graphs', 'starting-server', 'ready'];

/** Everything the progress display shows, built line by line with {@link reduceVllmProgress}. */
export interface VllmProgress {
  readonly phase: VllmPhase;
  readonly version: string | null;
  readonly nonDefaultArgs: string | null;
  readonly architecture: string | null;
  readonly maxModelLen: number | null;
  readonly weightShards: { readonly done: number; readonly total: number } | null;
  readonly weightsLoadSeconds: number | null;
  readonly weightsGiB: number | null;
  readonly modelLoadSeconds: number | null;
  readonly kvCacheGiB: number | null;
  readonly kvCacheTokens: number | null;
  readonly maxConcurrency: { readonly tokensPerRequest: number; readonly concurrency: number } | null;
  readonly graphCapture: { readonly done: number; readonly total: number } | null;
  readonly graphCaptureSeconds: number | null;
  readonly graphGiB: number | null;
  readonly engineInitSeconds: number | null;
  readonly serverUrl: string | null;
  /** The first fatal cause seen; a later, more specific one replaces it. */
  readonly failure: VllmDiagnosis | null;
}

/** Progress before the first line. */
export const INITIAL_VLLM_PROGRESS: VllmProgress = {
  phase: 'launching',
  version: null,
  nonDefaultArgs: null,
  architecture: null,
  maxModelLen: null,
  weightShards: null,
  weightsLoadSeconds: null,
  weightsGiB: null,
  modelLoadSeconds: null,
  kvCacheGiB: null,
  kvCacheTokens: null,
  maxConcurrency: null,
  graphCapture: null,
  graphCaptureSeconds: null,
  graphGiB: null,
  engineInitSeconds: null,
  serverUrl: null,
  failure: null,
};

/** The progress after one more line. Phases only move forward; a fatal line moves to `failed`. */
export function reduceVllmProgress(progress: VllmProgress, line: string): VllmProgress {
  const found = classifyVllmLine(line);
  if (found === null) return progress;
  if (found.kind === 'fatal') {
    const current = progress.failure;
    if (current !== null && PRIORITY.indexOf(current.id) <= PRIORITY.indexOf(found.diagnosis.id)) return { ...progress, phase: 'failed' };
    return { ...progress, phase: 'failed', failure: found.diagnosis };
  }
  const m = found.milestone;
  switch (m.kind) {
    case 'version':
      return { ...progress, version: m.version };
    case 'config':
      return { ...progress, nonDefaultArgs: m.nonDefaultArgs };
    case 'architecture':
      return { ...progress, architecture: m.architecture };
    case 'max-model-len':
      return { ...progress, maxModelLen: m.tokens };
    case 'weight-shards':
      return advance({ ...progress, weightShards: { done: m.done, total: m.total } }, 'loading-weights');
    case 'weights-loaded':
      return advance({ ...progress, weightsLoadSeconds: m.seconds }, 'loading-weights');
    case 'model-loaded':
      return advance({ ...progress, weightsGiB: m.gib, modelLoadSeconds: m.seconds }, 'profiling');
    case 'kv-cache-memory':
      return advance({ ...progress, kvCacheGiB: m.gib }, 'profiling');
    case 'kv-cache-size':
      return advance({ ...progress, kvCacheTokens: m.tokens }, 'profiling');
    case 'max-concurrency':
      return advance({ ...progress, maxConcurrency: { tokensPerRequest: m.tokensPerRequest, concurrency: m.concurrency } }, 'profiling');
    case 'graph-capture':
      return advance(m.done === null || m.total === null ? progress : { ...progress, graphCapture: { done: m.done, total: m.total } }, 'capturing-graphs');
    case 'graph-capture-finished':
      return advance({ ...progress, graphCaptureSeconds: m.seconds, graphGiB: m.gib }, 'capturing-graphs');
    case 'engine-initialized':
      return advance({ ...progress, engineInitSeconds: m.seconds }, 'starting-server');
    case 'server-starting':
    case 'uvicorn-running':
      return advance({ ...progress, serverUrl: m.url }, 'starting-server');
    case 'startup-complete':
      // The log says the app is up; the supervisor still waits for /health (vllm.md §3.2).
      return advance(progress, 'ready');
  }
}

function advance(progress: VllmProgress, phase: VllmPhase): VllmProgress {
  if (progress.phase === 'failed') return progress;
  return PHASE_ORDER.indexOf(phase) > PHASE_ORDER.indexOf(progress.phase) ? { ...progress, phase } : progress;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function gpuHolders(line: string): { pid: number; memory: string }[] {
  const holders: { pid: number; memory: string }[] = [];
  for (const match of line.matchAll(/Process (\d+) has ([\d.]+ [KMGT]i?B) memory in use/g)) {
    holders.push({ pid: Number(match[1]), memory: match[2] ?? '' });
  }
  return holders;
}

function group(match: RegExpExecArray, index: number): string {
  return match[index] ?? '';
}

function num(match: RegExpExecArray, index: number): number {
  return Number(group(match, index).replace(/,/g, ''));
}
