/**
 * Builds the vLLM unit's command line and environment from a launch spec, after checking it.
 * Pure: no file system look-ups (whether the model directory exists is the caller's check).
 *
 * Sources: ../shared/reference/vllm.md §1 (flags), §2 (offline environment), §3.3 (API key).
 */
import { posix } from 'node:path';

/** A GPU for CUDA_VISIBLE_DEVICES: an index in PCI bus order, or a `GPU-…` / `MIG-…` UUID from nvidia-smi. */
export type GpuSelector = number | string;

/** What the operator (or the fit planner) chose for one vLLM server. */
export interface VllmLaunchSpec {
  /** Absolute path of the `vllm` executable (a setting; the fake in tests). */
  readonly executable: string;
  /** Absolute path of the model directory: the offline workaround vLLM's maintainers give (vllm.md §2). */
  readonly modelPath: string;
  /** Listen address; loopback unless the operator exposes it (vllm.md §3.3: keep vLLM private). */
  readonly host?: string;
  readonly port: number;
  /** One or more names `/v1/models` returns; GitLab addresses the model as `custom_openai/<name>`. */
  readonly servedModelNames: readonly string[];
  readonly tensorParallelSize?: number;
  readonly maxModelLen?: number;
  /** Fraction of each GPU's total memory vLLM may use, (0, 1]; vLLM's default is 0.9. */
  readonly gpuMemoryUtilization?: number;
  readonly maxNumSeqs?: number;
  /** Static bearer token for the API; passed in the environment, never in argv. */
  readonly apiKey?: string | null;
  /** GPUs this server may see; omitted = whatever the host shows. */
  readonly gpus?: readonly GpuSelector[];
  /** Further flags, passed through after the managed ones (e.g. `--enforce-eager`). */
  readonly extraArgs?: readonly string[];
}

/** The command to spawn. `env` holds only the variables to add to the supervisor's base environment. */
export interface VllmCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** One problem with a spec: the field and what is wrong, in words. */
export interface VllmCommandIssue {
  readonly field: keyof VllmLaunchSpec;
  readonly message: string;
}

/** Result of {@link buildVllmCommand}. */
export type VllmCommandResult = { readonly ok: true; readonly command: VllmCommand } | { readonly ok: false; readonly issues: readonly VllmCommandIssue[] };

/**
 * The environment every vLLM gets (vllm.md §2): no Hugging Face Hub requests, and no usage
 * statistics, which vLLM sends by default. Airlock still verifies the absence of egress by measurement
 * (reliability.md §6) rather than trusting these.
 */
export const VLLM_OFFLINE_ENV: Readonly<Record<string, string>> = {
  HF_HUB_OFFLINE: '1',
  TRANSFORMERS_OFFLINE: '1',
  VLLM_NO_USAGE_STATS: '1',
  DO_NOT_TRACK: '1',
};

/** Flags the builder owns; passing them in `extraArgs` would contradict the spec (or leak the key into argv). */
export const MANAGED_VLLM_FLAGS: readonly string[] = [
  '--host',
  '--port',
  '--served-model-name',
  '--tensor-parallel-size',
  '--max-model-len',
  '--gpu-memory-utilization',
  '--max-num-seqs',
  '--api-key',
  '--model',
];

const DEFAULT_HOST = '127.0.0.1';

// Served names end up in URLs, JSON and GitLab's `custom_openai/<name>` identifier: letters, digits
// and `._:/-`, starting with a letter or digit (a leading `-` would read as a flag).
const SERVED_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
const GPU_UUID = /^(GPU|MIG)-[0-9A-Fa-f-]+(\/\d+\/\d+)?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;

/** Checks a spec; empty when it is usable. */
export function validateVllmLaunchSpec(spec: VllmLaunchSpec): VllmCommandIssue[] {
  const issues: VllmCommandIssue[] = [];
  const issue = (field: keyof VllmLaunchSpec, message: string) => issues.push({ field, message });

  if (!isCleanAbsolutePath(spec.executable)) issue('executable', `The vLLM executable must be an absolute path (got "${printable(spec.executable)}").`);
  if (!isCleanAbsolutePath(spec.modelPath)) {
    issue('modelPath', `The model path must be an absolute local path (got "${printable(spec.modelPath)}"); a relative path or a hub id would make vLLM look online.`);
  }
  const host = spec.host ?? DEFAULT_HOST;
  if (!IPV4.test(host) && !(host.includes(':') && IPV6.test(host))) issue('host', `The listen address must be an IP address such as 127.0.0.1 (got "${printable(host)}").`);
  // Below 1024 needs root; Airlock never runs vLLM as root.
  if (!Number.isInteger(spec.port) || spec.port < 1024 || spec.port > 65535) issue('port', `The port must be a whole number from 1024 to 65535 (got ${spec.port}).`);

  if (spec.servedModelNames.length === 0) issue('servedModelNames', 'Give at least one served model name.');
  for (const name of spec.servedModelNames) {
    if (!SERVED_NAME.test(name)) {
      issue('servedModelNames', `Served model name "${printable(name)}" may use only letters, digits and . _ : / - (up to 128 characters, starting with a letter or digit).`);
    }
  }
  if (new Set(spec.servedModelNames).size !== spec.servedModelNames.length) issue('servedModelNames', 'Served model names must be different from each other.');

  if (spec.tensorParallelSize !== undefined && !isPositiveInteger(spec.tensorParallelSize)) {
    issue('tensorParallelSize', `The tensor-parallel size must be a whole number ≥ 1 (got ${spec.tensorParallelSize}).`);
  }
  if (spec.maxModelLen !== undefined && !isPositiveInteger(spec.maxModelLen)) issue('maxModelLen', `The maximum model length must be a whole number of tokens ≥ 1 (got ${spec.maxModelLen}).`);
  if (spec.maxNumSeqs !== undefined && !isPositiveInteger(spec.maxNumSeqs)) issue('maxNumSeqs', `The maximum number of sequences must be a whole number ≥ 1 (got ${spec.maxNumSeqs}).`);
  const utilization = spec.gpuMemoryUtilization;
  if (utilization !== undefined && !(Number.isFinite(utilization) && utilization > 0 && utilization <= 1)) {
    issue('gpuMemoryUtilization', `GPU memory utilization is a fraction of each GPU's memory, above 0 and at most 1 (got ${utilization}).`);
  }
  if (spec.apiKey !== undefined && spec.apiKey !== null && !/^[\x21-\x7e]{1,512}$/.test(spec.apiKey)) {
    // Printable ASCII without spaces: it travels in an `Authorization: Bearer` header. Never echo it.
    issue('apiKey', 'The API key must be 1 to 512 printable characters without spaces.');
  }

  if (spec.gpus !== undefined) {
    if (spec.gpus.length === 0) issue('gpus', 'The GPU list is empty; omit it to let vLLM see every GPU.');
    for (const gpu of spec.gpus) {
      const valid = typeof gpu === 'number' ? Number.isInteger(gpu) && gpu >= 0 : GPU_UUID.test(gpu);
      if (!valid) issue('gpus', `"${printable(String(gpu))}" is not a GPU index or a GPU-/MIG- UUID.`);
    }
    if (new Set(spec.gpus.map(String)).size !== spec.gpus.length) issue('gpus', 'A GPU is listed twice.');
    if (spec.tensorParallelSize !== undefined && spec.tensorParallelSize > spec.gpus.length) {
      issue('tensorParallelSize', `Tensor-parallel size ${spec.tensorParallelSize} needs that many GPUs, but only ${spec.gpus.length} are selected.`);
    }
  }

  for (const arg of spec.extraArgs ?? []) {
    const flag = arg.split('=', 1)[0] ?? arg;
    if (MANAGED_VLLM_FLAGS.includes(flag)) issue('extraArgs', `${flag} is set from its own field; remove it from the extra arguments.`);
    if (arg.includes('\0')) issue('extraArgs', 'An extra argument contains a NUL character.');
  }
  return issues;
}

/**
 * `vllm serve <model path> --host … --port … --served-model-name … [--tensor-parallel-size …]
 * [--max-model-len …] [--gpu-memory-utilization …] [--max-num-seqs …] [extra args]`, with the offline
 * environment, the GPUs in CUDA_VISIBLE_DEVICES (PCI bus order, so indices match nvidia-smi), and the
 * API key in VLLM_API_KEY: vLLM reads it from there as from `--api-key` (vllm.md §1, §3.3), and argv is
 * readable by every user through `ps` and /proc/<pid>/cmdline, while /proc/<pid>/environ is not.
 */
export function buildVllmCommand(spec: VllmLaunchSpec): VllmCommandResult {
  const issues = validateVllmLaunchSpec(spec);
  if (issues.length > 0) return { ok: false, issues };

  const args = ['serve', spec.modelPath, '--host', spec.host ?? DEFAULT_HOST, '--port', String(spec.port), '--served-model-name', ...spec.servedModelNames];
  if (spec.tensorParallelSize !== undefined) args.push('--tensor-parallel-size', String(spec.tensorParallelSize));
  if (spec.maxModelLen !== undefined) args.push('--max-model-len', String(spec.maxModelLen));
  if (spec.gpuMemoryUtilization !== undefined) args.push('--gpu-memory-utilization', String(spec.gpuMemoryUtilization));
  if (spec.maxNumSeqs !== undefined) args.push('--max-num-seqs', String(spec.maxNumSeqs));
  args.push(...(spec.extraArgs ?? []));

  const env: Record<string, string> = { ...VLLM_OFFLINE_ENV };
  if (spec.gpus !== undefined) {
    env['CUDA_DEVICE_ORDER'] = 'PCI_BUS_ID';
    env['CUDA_VISIBLE_DEVICES'] = spec.gpus.map(String).join(',');
  }
  if (spec.apiKey !== undefined && spec.apiKey !== null) env['VLLM_API_KEY'] = spec.apiKey;
  return { ok: true, command: { command: spec.executable, args, env } };
}

/** The health URL for a built spec: `/health` needs no key (vllm.md §3.3). */
export function vllmHealthUrl(spec: Pick<VllmLaunchSpec, 'host' | 'port'>): string {
  const host = spec.host ?? DEFAULT_HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${spec.port}/health`;
}

function isCleanAbsolutePath(path: string): boolean {
  return path.length > 1 && posix.isAbsolute(path) && !path.includes('\0') && !path.split('/').includes('..');
}

function isPositiveInteger(value: number): boolean {
  return Number.isInteger(value) && value >= 1;
}

/** A value safe to quote in a message: control characters replaced, cut to 200 characters. */
function printable(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 200);
}
