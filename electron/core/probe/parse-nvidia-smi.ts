/**
 * Pure parsing of nvidia-smi output: the XML inventory (`-q -x`), the CSV telemetry and compute-app
 * queries, and the classification of a failed run. Nothing here spawns, reads files or throws:
 * every function returns `{ ok: true, … }` or `{ ok: false, state, message, … }`.
 *
 * Tested against real captures in test/fixtures/nvidia-smi (copied from ../shared/fixtures).
 * NVIDIA says the output "is not guaranteed to be backwards compatible" (nvidia-smi(1), DESCRIPTION),
 * so every element is optional here and unknown ones are ignored.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type {
  GpuComputeApp,
  GpuEccErrors,
  GpuInfo,
  GpuInventory,
  GpuProcess,
  GpuTelemetrySample,
  MigMode,
} from './gpu-types';

// ---------------------------------------------------------------------------------------------
// Failure states
// ---------------------------------------------------------------------------------------------

/** Why a probe produced no GPU data; each state has its own message and next step. */
export type NvidiaSmiFailureState =
  | 'not-installed'
  | 'driver-not-loaded'
  | 'no-devices'
  | 'timeout'
  | 'malformed'
  | 'permission'
  | 'failed';

/** A classified failure: the state, a message that says what happened and what to do, and the evidence. */
export interface NvidiaSmiFailure {
  state: NvidiaSmiFailureState;
  message: string;
  /** The first meaningful line nvidia-smi printed, or the parser's reason; never a stack trace. */
  detail: string | null;
  exitCode: number | null;
}

/** A parse or run that failed; spreads the failure so callers read `result.state` and `result.message`. */
export type NvidiaSmiNotOk = { ok: false } & NvidiaSmiFailure;

/** Result of {@link parseNvidiaSmiXml}. */
export type InventoryParseResult = { ok: true; inventory: GpuInventory } | NvidiaSmiNotOk;

/** Result of {@link parseTelemetryCsv}. */
export type TelemetryParseResult = { ok: true; samples: GpuTelemetrySample[] } | NvidiaSmiNotOk;

/** Result of {@link parseComputeAppsCsv}. */
export type ComputeAppsParseResult = { ok: true; apps: GpuComputeApp[] } | NvidiaSmiNotOk;

/** Where the nvidia-smi path came from; decides which fix a message suggests. */
export type NvidiaSmiExecutableSource = 'env' | 'setting' | 'default';

/** What a finished (or abandoned) nvidia-smi run left behind: the input to {@link classifyNvidiaSmiFailure}. */
export interface NvidiaSmiRunOutcome {
  exitCode: number | null;
  signal?: string | null;
  stdout: string;
  stderr: string;
  /** A spawn error (`ENOENT`, `EACCES`, …), if the process could not be started. */
  error?: { code?: string | undefined; message?: string | undefined } | null;
  /** True when the wrapper killed the process because it ran past its timeout. */
  timedOut?: boolean;
  /** True when the wrapper killed the process because its output passed the size cap. */
  outputTooLarge?: boolean;
  timeoutMs?: number;
  executable?: string;
  executableSource?: NvidiaSmiExecutableSource;
}

/** The environment variable that overrides the nvidia-smi path setting. */
export const NVIDIA_SMI_ENV = 'AIRLOCK_NVIDIA_SMI';

/** Longest `detail` kept from nvidia-smi's output, so a flood of text never reaches the UI. */
const MAX_DETAIL_CHARS = 300;

function notOk(state: NvidiaSmiFailureState, message: string, detail: string | null, exitCode: number | null = null): NvidiaSmiNotOk {
  return { ok: false, state, message, detail, exitCode };
}

function firstMeaningfulLine(...texts: string[]): string | null {
  for (const text of texts) {
    for (const line of text.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed.length > 0) return trimmed.length > MAX_DETAIL_CHARS ? `${trimmed.slice(0, MAX_DETAIL_CHARS)}…` : trimmed;
    }
  }
  return null;
}

/** How to change which nvidia-smi Airlock runs, worded for where the path came from. */
function pathAdvice(source: NvidiaSmiExecutableSource | undefined): string {
  switch (source) {
    case 'env':
      return `fix or unset ${NVIDIA_SMI_ENV}`;
    case 'setting':
      return `fix the nvidia-smi path in Settings (or clear it to search PATH); ${NVIDIA_SMI_ENV} overrides it`;
    default:
      return `set the nvidia-smi path in Settings or ${NVIDIA_SMI_ENV}`;
  }
}

// Message texts nvidia-smi prints for the failures we recognise. The driver message is verbatim from
// test/fixtures/nvidia-smi/failure_driver-not-loaded.txt; the others are what NVML's
// nvmlErrorString() returns for those codes.
const DRIVER_NOT_LOADED_TEXT = /couldn't communicate with the NVIDIA driver|NVIDIA driver is not loaded|Driver Not Loaded/i;
const MODULE_MISSING_TEXT = /modprobe: FATAL: Module nvidia\S* not found/i;
const VERSION_MISMATCH_TEXT = /Driver\/library version mismatch/i;
const NVML_MISSING_TEXT = /NVML Shared Library Not Found|libnvidia-ml\.so/i;
const NO_DEVICES_TEXT = /No devices were found/i;
const NO_PERMISSION_TEXT = /Insufficient Permissions|NVML_ERROR_NO_PERMISSION/i;
const GPU_LOST_TEXT = /fallen off the bus|GPU is lost|Unable to determine the device handle/i;

// nvidia-smi's exit codes follow NVML's return codes (nvidia-smi(1), "RETURN VALUE"): 4 no permission,
// 6 not found, 9 driver not loaded, 12 NVML library not found, 15 GPU fell off the bus.
const EXIT_NO_PERMISSION = 4;
const EXIT_NOT_FOUND = 6;
const EXIT_DRIVER_NOT_LOADED = 9;
const EXIT_LIB_NOT_FOUND = 12;
const EXIT_GPU_IS_LOST = 15;

/**
 * Recognises the messages nvidia-smi prints instead of data (driver down, no devices, …), whatever
 * the exit code. Returns null when the text is none of them.
 */
function recognizeKnownMessage(text: string, exitCode: number | null): NvidiaSmiNotOk | null {
  const detail = firstMeaningfulLine(text);
  if (VERSION_MISMATCH_TEXT.test(text)) {
    return notOk(
      'driver-not-loaded',
      'nvidia-smi could not initialise NVML: the loaded NVIDIA kernel module and the installed driver libraries are different versions ' +
        '(usually a driver upgrade without a reboot). Reboot the host, or unload and reload the nvidia kernel modules, then probe again.',
      detail,
      exitCode,
    );
  }
  if (DRIVER_NOT_LOADED_TEXT.test(text) || exitCode === EXIT_DRIVER_NOT_LOADED) {
    const moduleMissing = MODULE_MISSING_TEXT.test(text);
    return notOk(
      'driver-not-loaded',
      (moduleMissing
        ? 'The NVIDIA driver is not loaded: there is no nvidia kernel module for the running kernel. '
        : 'nvidia-smi could not communicate with the NVIDIA driver: the kernel module is not loaded. ') +
        'This usually follows a kernel upgrade that did not rebuild the driver module (DKMS). Install or rebuild the NVIDIA driver ' +
        'for the running kernel (or load it with "sudo modprobe nvidia"), then probe again.',
      detail,
      exitCode,
    );
  }
  if (NVML_MISSING_TEXT.test(text) || exitCode === EXIT_LIB_NOT_FOUND) {
    return notOk(
      'driver-not-loaded',
      'nvidia-smi could not load the NVML library (libnvidia-ml.so): the NVIDIA driver is not fully installed. Reinstall the NVIDIA driver, then probe again.',
      detail,
      exitCode,
    );
  }
  if (NO_DEVICES_TEXT.test(text)) {
    return notOk(
      'no-devices',
      'The NVIDIA driver is running but reports no GPUs. Airlock can still serve remote models; to serve local ones, check that the GPU ' +
        'is seated and powered, and, in a container, that it was started with the GPU passed through.',
      detail,
      exitCode,
    );
  }
  if (NO_PERMISSION_TEXT.test(text) || exitCode === EXIT_NO_PERMISSION) {
    return notOk(
      'permission',
      'nvidia-smi says the user Airlock runs as may not access the GPUs. Give that user access to /dev/nvidia* (often by adding it to ' +
        'the group that owns them), or in a container pass the devices through, then probe again.',
      detail,
      exitCode,
    );
  }
  if (GPU_LOST_TEXT.test(text) || exitCode === EXIT_GPU_IS_LOST) {
    return notOk(
      'failed',
      'nvidia-smi reports a GPU that has fallen off the bus or become inaccessible. Check the kernel log ("dmesg", look for NVRM Xid ' +
        'errors); the host usually needs a reboot, and a recurring fault needs the hardware checked.',
      detail,
      exitCode,
    );
  }
  if (exitCode === EXIT_NOT_FOUND) {
    return notOk(
      'no-devices',
      'nvidia-smi found no GPU to report on. Check that the GPU is visible to this host (and, in a container, passed through), then probe again.',
      detail,
      exitCode,
    );
  }
  return null;
}

/**
 * Classifies a run that did not produce usable output into a failure state with a message.
 * Call it for a spawn error, a timeout, a non-zero exit, or an exit 0 with no output.
 */
export function classifyNvidiaSmiFailure(outcome: NvidiaSmiRunOutcome): NvidiaSmiFailure {
  const { exitCode, stdout, stderr, error, executableSource } = outcome;
  const executable = outcome.executable ?? 'nvidia-smi';
  const code = error?.code;
  const strip = ({ ok: _ok, ...failure }: NvidiaSmiNotOk): NvidiaSmiFailure => failure;

  if (code === 'ENOENT') {
    const message =
      executableSource === 'env'
        ? `${NVIDIA_SMI_ENV} is set to "${executable}", but there is no such program. Fix or unset ${NVIDIA_SMI_ENV}.`
        : executableSource === 'setting'
          ? `The nvidia-smi path in Settings ("${executable}") does not exist. Fix it, or clear it to search PATH.`
          : `nvidia-smi was not found on PATH, so Airlock cannot see NVIDIA GPUs. Install the NVIDIA driver (it ships nvidia-smi), ` +
            `or ${pathAdvice(executableSource)} if it is installed elsewhere. Remote models still work without it.`;
    return { state: 'not-installed', message, detail: error?.message ?? null, exitCode: null };
  }
  if (outcome.timedOut) {
    const ms = outcome.timeoutMs === undefined ? '' : ` within ${outcome.timeoutMs} ms`;
    return {
      state: 'timeout',
      message:
        `nvidia-smi did not answer${ms} and was stopped. A hanging nvidia-smi usually means the driver is stuck (a GPU fell off the bus ` +
        `or needs a reset): check the kernel log ("dmesg", NVRM Xid errors). If it is only slow, enable persistence mode ` +
        `("sudo nvidia-smi -pm 1") or raise the probe timeout.`,
      detail: firstMeaningfulLine(stderr, stdout),
      exitCode,
    };
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return {
      state: 'permission',
      message: `Airlock may not run "${executable}" (permission denied). Make it executable for the user Airlock runs as, or ${pathAdvice(executableSource)}.`,
      detail: error?.message ?? null,
      exitCode: null,
    };
  }
  if (outcome.outputTooLarge) {
    return {
      state: 'malformed',
      message: `"${executable}" printed more output than Airlock accepts and was stopped. Check that it is the real nvidia-smi, or ${pathAdvice(executableSource)}.`,
      detail: null,
      exitCode,
    };
  }
  if (error) {
    return {
      state: 'failed',
      message: `Airlock could not start "${executable}" (${code ?? 'error'}). Check the path, or ${pathAdvice(executableSource)}.`,
      detail: error.message ?? null,
      exitCode,
    };
  }

  const known = recognizeKnownMessage(`${stdout}\n${stderr}`, exitCode);
  if (known) return strip(known);

  const detail = firstMeaningfulLine(stderr, stdout);
  if (exitCode === 0) {
    return {
      state: 'malformed',
      message: `"${executable}" exited without printing anything Airlock could read. Run it by hand to see its output, and check that it is the real nvidia-smi.`,
      detail,
      exitCode,
    };
  }
  const how = exitCode === null ? `was killed by signal ${outcome.signal ?? 'unknown'}` : `exited with code ${exitCode}`;
  return {
    state: 'failed',
    message: `nvidia-smi ${how}${detail ? `: ${detail}` : ''}. Run "${executable} -q" by hand to see the full error.`,
    detail,
    exitCode,
  };
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

// A reading is a number, optionally followed by nvidia-smi's unit. Anything else (`N/A`,
// `[Not Supported]`, `[Requested functionality has been deprecated]`, `[Unknown Error]`, …) is null.
const NUMBER_WITH_UNIT = /^([+-]?\d+(?:\.\d+)?)(?:\s*(?:MiB|GiB|KiB|%|W|C|MHz|KB\/s|us|ms|mV|bank\(s\)))?$/;

/** nvidia-smi's words for "no value", in XML (`N/A`) and CSV (`[N/A]`). */
function isUnavailable(text: string): boolean {
  return /^\[.*\]$/.test(text) || /^(N\/A|Not Supported|Requested functionality has been deprecated|Unknown Error|Not Available)$/i.test(text);
}

function parseReading(text: string | null): number | null {
  if (text === null || isUnavailable(text)) return null;
  const match = NUMBER_WITH_UNIT.exec(text);
  if (!match?.[1]) return null;
  const value = Number(match[1]);
  return Number.isFinite(value) ? value : null;
}

function parseNonNegativeInt(text: string | null): number | null {
  const value = parseReading(text);
  return value !== null && Number.isInteger(value) && value >= 0 ? value : null;
}

function parseString(text: string | null): string | null {
  if (text === null) return null;
  const trimmed = text.trim();
  return trimmed.length === 0 || isUnavailable(trimmed) ? null : trimmed;
}

// ---------------------------------------------------------------------------------------------
// XML
// ---------------------------------------------------------------------------------------------

type XmlNode = Record<string, unknown>;

function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Entities are not expanded by the parser (no DTD processing); decode only XML's five and numeric references. */
function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (whole, ref: string) => {
    const lower = ref.toLowerCase();
    if (lower === 'lt') return '<';
    if (lower === 'gt') return '>';
    if (lower === 'amp') return '&';
    if (lower === 'quot') return '"';
    if (lower === 'apos') return "'";
    const code = lower.startsWith('#x') ? Number.parseInt(lower.slice(2), 16) : Number.parseInt(lower.slice(1), 10);
    return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** The text of a leaf element, or null if it is missing or has children instead of text. */
function textOf(value: unknown): string | null {
  if (typeof value === 'string') return decodeXmlText(value.trim());
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isNode(value) && typeof value['#text'] === 'string') return decodeXmlText(value['#text'].trim());
  return null;
}

/** Walks `path` through nested elements; the first of repeated elements is used. */
function at(node: unknown, ...path: string[]): unknown {
  let current: unknown = node;
  for (const key of path) {
    if (Array.isArray(current)) current = current[0];
    if (!isNode(current)) return undefined;
    current = current[key];
  }
  return Array.isArray(current) ? current[0] : current;
}

function textAt(node: unknown, ...path: string[]): string | null {
  return textOf(at(node, ...path));
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

/** The first of several element names that holds a reading (schemas renamed elements over time). */
function firstReading(node: unknown, names: readonly string[]): number | null {
  for (const name of names) {
    const value = parseReading(textAt(node, name));
    if (value !== null) return value;
  }
  return null;
}

// Elements that repeat; always arrays, so one GPU or one process reads like many.
const REPEATED_ELEMENTS = new Set(['gpu', 'process_info', 'mig_device']);

function createXmlParser(): XMLParser {
  return new XMLParser({
    // No entity or DTD processing: nvidia-smi's DOCTYPE names an external DTD we never fetch, and an
    // inline entity declaration in hostile input must not expand (billion laughs).
    processEntities: false,
    htmlEntities: false,
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    // Keep every value a string: "0123456789012" serials and "00" PCI fields must not become numbers.
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    isArray: (tagName) => REPEATED_ELEMENTS.has(tagName),
  });
}

function parseMigMode(gpu: XmlNode): MigMode | null {
  const text = parseString(textAt(gpu, 'mig_mode', 'current_mig'));
  if (text === null) return null;
  if (/^enabled$/i.test(text)) return 'enabled';
  if (/^disabled$/i.test(text)) return 'disabled';
  return null;
}

/**
 * Sums one block of ECC counters. Schema v12 lists `sram_correctable`, `dram_uncorrectable`…;
 * v13 splits SRAM uncorrectable into `_parity` and `_secded`; drivers before 450 used
 * `single_bit/total` and `double_bit/total`. Null when no counter has a number.
 */
function sumEccBlock(block: unknown): { corrected: number | null; uncorrected: number | null } {
  if (!isNode(block)) return { corrected: null, uncorrected: null };
  let corrected: number | null = null;
  let uncorrected: number | null = null;
  const add = (current: number | null, value: number | null): number | null => (value === null ? current : (current ?? 0) + value);
  for (const [key, value] of Object.entries(block)) {
    if (key === 'single_bit') corrected = add(corrected, parseNonNegativeInt(textAt(value, 'total')));
    else if (key === 'double_bit') uncorrected = add(uncorrected, parseNonNegativeInt(textAt(value, 'total')));
    else if (/uncorrectable/.test(key)) uncorrected = add(uncorrected, parseNonNegativeInt(textOf(value)));
    else if (/correctable$/.test(key)) corrected = add(corrected, parseNonNegativeInt(textOf(value)));
  }
  return { corrected, uncorrected };
}

function parseEccErrors(gpu: XmlNode): GpuEccErrors {
  const volatile = sumEccBlock(at(gpu, 'ecc_errors', 'volatile'));
  const aggregate = sumEccBlock(at(gpu, 'ecc_errors', 'aggregate'));
  return {
    volatileCorrected: volatile.corrected,
    volatileUncorrected: volatile.uncorrected,
    aggregateCorrected: aggregate.corrected,
    aggregateUncorrected: aggregate.uncorrected,
  };
}

/** Active clock event reasons; the element was `clocks_throttle_reasons` before driver 535. */
function parseThrottleReasons(gpu: XmlNode): string[] {
  const block = at(gpu, 'clocks_event_reasons') ?? at(gpu, 'clocks_throttle_reasons');
  if (!isNode(block)) return [];
  const active: string[] = [];
  for (const [key, value] of Object.entries(block)) {
    if (textOf(value) !== 'Active') continue;
    active.push(key.replace(/^clocks_(event|throttle)_reason_/, ''));
  }
  return active;
}

function parseProcesses(gpu: XmlNode): GpuProcess[] {
  const processes: GpuProcess[] = [];
  const block = gpu['processes'];
  for (const info of asList(isNode(block) ? block['process_info'] : undefined)) {
    const pid = parseNonNegativeInt(textAt(info, 'pid'));
    if (pid === null) continue;
    processes.push({
      pid,
      name: parseString(textAt(info, 'process_name')) ?? '',
      usedMemoryMiB: parseReading(textAt(info, 'used_memory')),
      type: parseString(textAt(info, 'type')) ?? '',
    });
  }
  return processes;
}

function parseGpu(gpu: XmlNode, index: number, driverVersion: string | null, cudaVersion: string | null): GpuInfo {
  // Power elements were renamed: `power_readings` before driver 530, `gpu_power_readings` after; v13
  // splits `power_draw` into `average_power_draw` (what CSV `power.draw` reports) and `instant_power_draw`.
  const power = at(gpu, 'gpu_power_readings') ?? at(gpu, 'power_readings');
  return {
    index,
    name: parseString(textAt(gpu, 'product_name')) ?? '',
    uuid: parseString(textAt(gpu, 'uuid')) ?? '',
    pciBusId: parseString(textAt(gpu, 'pci', 'pci_bus_id')) ?? parseString(textOf(gpu['@_id'])) ?? '',
    memoryTotalMiB: parseReading(textAt(gpu, 'fb_memory_usage', 'total')),
    memoryUsedMiB: parseReading(textAt(gpu, 'fb_memory_usage', 'used')),
    memoryFreeMiB: parseReading(textAt(gpu, 'fb_memory_usage', 'free')),
    memoryReservedMiB: parseReading(textAt(gpu, 'fb_memory_usage', 'reserved')),
    utilizationGpuPercent: parseReading(textAt(gpu, 'utilization', 'gpu_util')),
    utilizationMemoryPercent: parseReading(textAt(gpu, 'utilization', 'memory_util')),
    temperatureC: parseReading(textAt(gpu, 'temperature', 'gpu_temp')),
    powerDrawW: firstReading(power, ['power_draw', 'average_power_draw', 'instant_power_draw']),
    powerLimitW: firstReading(power, ['current_power_limit', 'power_limit', 'enforced_power_limit']),
    driverVersion,
    cudaVersion,
    migMode: parseMigMode(gpu),
    migDeviceCount: asList(isNode(gpu['mig_devices']) ? gpu['mig_devices']['mig_device'] : undefined).length,
    eccErrors: parseEccErrors(gpu),
    throttleReasons: parseThrottleReasons(gpu),
    processes: parseProcesses(gpu),
  };
}

const MALFORMED_XML_ADVICE =
  'Run "nvidia-smi -q -x" by hand to see what it prints, and check that the nvidia-smi Airlock runs (Settings, or ' +
  `${NVIDIA_SMI_ENV}) is the real one.`;

/**
 * Parses `nvidia-smi -q -x` into the inventory. Accepts DTD v12 and v13 (and older element names),
 * ignores elements it does not know, and turns missing or `N/A` values into null.
 * Output that is not nvidia-smi XML (truncated, junk, an error message) is a failure, never an exception.
 */
export function parseNvidiaSmiXml(xml: string): InventoryParseResult {
  if (xml.trim().length === 0) return notOk('malformed', `nvidia-smi printed nothing. ${MALFORMED_XML_ADVICE}`, 'empty output');
  if (!xml.trimStart().startsWith('<')) {
    // Not XML at all: maybe an error message printed with exit code 0.
    const known = recognizeKnownMessage(xml, null);
    if (known) return known;
    return notOk('malformed', `nvidia-smi printed something that is not XML. ${MALFORMED_XML_ADVICE}`, firstMeaningfulLine(xml));
  }
  // The parser is lenient with broken markup; validate first so truncated output is reported, not half-read.
  const validation = XMLValidator.validate(xml);
  if (validation !== true) {
    const { msg, line } = validation.err;
    return notOk('malformed', `nvidia-smi printed XML that is cut off or broken (line ${line}: ${msg}). ${MALFORMED_XML_ADVICE}`, `line ${line}: ${msg}`);
  }
  let document: unknown;
  try {
    document = createXmlParser().parse(xml);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return notOk('malformed', `nvidia-smi printed XML Airlock could not read (${reason}). ${MALFORMED_XML_ADVICE}`, reason);
  }
  const root = isNode(document) ? document['nvidia_smi_log'] : undefined;
  if (!isNode(root)) {
    return notOk('malformed', `nvidia-smi printed XML without an <nvidia_smi_log> element. ${MALFORMED_XML_ADVICE}`, 'no <nvidia_smi_log> root');
  }
  const driverVersion = parseString(textAt(root, 'driver_version'));
  const cudaVersion = parseString(textAt(root, 'cuda_version'));
  const gpus = asList(root['gpu'])
    .filter(isNode)
    .map((gpu, index) => parseGpu(gpu, index, driverVersion, cudaVersion));
  return {
    ok: true,
    inventory: { driverVersion, cudaVersion, attachedGpus: parseNonNegativeInt(textAt(root, 'attached_gpus')), gpus },
  };
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

/** The `--query-gpu` fields the telemetry probe asks for, in column order. */
export const TELEMETRY_QUERY_FIELDS = [
  'index',
  'uuid',
  'pci.bus_id',
  'memory.total',
  'memory.used',
  'memory.free',
  'utilization.gpu',
  'utilization.memory',
  'temperature.gpu',
  'power.draw',
  'power.limit',
] as const;

/** The `--query-compute-apps` fields the probe asks for, in column order. */
export const COMPUTE_APPS_QUERY_FIELDS = ['gpu_uuid', 'gpu_bus_id', 'pid', 'process_name', 'used_memory'] as const;

/** The argv of the telemetry query (one call per tick). */
export const TELEMETRY_ARGS: readonly string[] = [`--query-gpu=${TELEMETRY_QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];

/** The argv of the compute-apps query. */
export const COMPUTE_APPS_ARGS: readonly string[] = [`--query-compute-apps=${COMPUTE_APPS_QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];

// Query names whose header text differs from the field name: `--query-compute-apps=used_memory`
// prints the header `used_gpu_memory [MiB]` (see the compute-apps captures).
const HEADER_ALIASES: Readonly<Record<string, readonly string[]>> = {
  used_memory: ['used_gpu_memory'],
  used_gpu_memory: ['used_memory'],
  name: ['gpu_name'],
  gpu_name: ['name'],
};

/** `memory.total [MiB]` → `memory.total`: nvidia-smi appends the unit to the header unless `nounits`. */
function headerName(cell: string): string {
  return cell.replace(/\s*\[[^\]]*\]\s*$/, '').trim();
}

function namesFor(field: string): readonly string[] {
  return [field, ...(HEADER_ALIASES[field] ?? [])];
}

const CSV_ADVICE = `Run the same query by hand to see what nvidia-smi prints, and check that the nvidia-smi Airlock runs (Settings, or ${NVIDIA_SMI_ENV}) is the real one.`;

// nvidia-smi separates CSV columns with ", " (comma and space); every capture in the fixtures splits
// into its exact column count on it, while plain "," would split values that contain commas.
const CSV_SEPARATOR = ', ';

/** Rows of cells, with the column index of each requested field; or a failure. */
type CsvTable = { ok: true; rows: string[][]; columnOf: (field: string) => number | undefined; width: number } | NvidiaSmiNotOk;

function isHeaderLine(cells: readonly string[], fields: readonly string[]): boolean {
  const wanted = new Set(fields.flatMap(namesFor));
  const names = cells.map(headerName);
  return names.every((name) => /^[A-Za-z_][\w.]*$/.test(name)) && names.some((name) => wanted.has(name));
}

/**
 * Splits CSV output into rows and locates each field's column: by the header when there is one,
 * otherwise by the order of `fields`. `freeTextField` may absorb extra cells (a process name with ", ").
 */
function readCsvTable(csv: string, fields: readonly string[], what: string, freeTextField?: string): CsvTable {
  const lines = csv.split(/\r?\n/).map((line) => line.trimEnd()).filter((line) => line.trim().length > 0);
  if (lines.length === 0) return { ok: true, rows: [], columnOf: () => undefined, width: fields.length };

  const firstCells = (lines[0] ?? '').split(CSV_SEPARATOR).map((cell) => cell.trim());
  const hasHeader = isHeaderLine(firstCells, fields);
  const header = hasHeader ? firstCells.map(headerName) : [...fields];
  const dataLines = hasHeader ? lines.slice(1) : lines;
  const columnOf = (field: string): number | undefined => {
    for (const name of namesFor(field)) {
      const column = header.indexOf(name);
      if (column >= 0) return column;
    }
    return undefined;
  };
  if (hasHeader) {
    const missing = fields.filter((field) => columnOf(field) === undefined);
    if (missing.length > 0) {
      return notOk('malformed', `The ${what} output has no column for ${missing.join(', ')}. ${CSV_ADVICE}`, `missing columns: ${missing.join(', ')}`);
    }
  }

  const freeColumn = freeTextField === undefined ? undefined : columnOf(freeTextField);
  const rows: string[][] = [];
  for (const [lineNumber, line] of dataLines.entries()) {
    let cells = line.split(CSV_SEPARATOR).map((cell) => cell.trim());
    if (cells.length > header.length && freeColumn !== undefined) {
      const extra = cells.length - header.length;
      const merged = cells.slice(freeColumn, freeColumn + extra + 1).join(CSV_SEPARATOR);
      cells = [...cells.slice(0, freeColumn), merged, ...cells.slice(freeColumn + extra + 1)];
    }
    if (cells.length !== header.length) {
      const known = recognizeKnownMessage(csv, null);
      if (known) return known;
      const row = lineNumber + (hasHeader ? 2 : 1);
      return notOk(
        'malformed',
        `The ${what} output has ${cells.length} columns on line ${row}, expected ${header.length}. ${CSV_ADVICE}`,
        firstMeaningfulLine(line),
      );
    }
    rows.push(cells);
  }
  return { ok: true, rows, columnOf, width: header.length };
}

/**
 * Parses `--query-gpu=<fields> --format=csv,noheader,nounits` output into one sample per GPU.
 * Also accepts a header line (columns are then found by name, so a wider capture works) and units
 * in the values. A field not in `fields` reads as null.
 */
export function parseTelemetryCsv(csv: string, fields: readonly string[] = TELEMETRY_QUERY_FIELDS): TelemetryParseResult {
  const table = readCsvTable(csv, fields, 'GPU query (--query-gpu)');
  if (!table.ok) return table;
  const samples: GpuTelemetrySample[] = [];
  for (const [rowNumber, row] of table.rows.entries()) {
    const cell = (field: string): string | null => {
      if (!fields.includes(field)) return null;
      const column = table.columnOf(field);
      return column === undefined ? null : (row[column] ?? null);
    };
    const index = parseNonNegativeInt(cell('index'));
    const uuid = parseString(cell('uuid'));
    const pciBusId = parseString(cell('pci.bus_id'));
    if (fields.includes('index') && index === null) {
      return notOk('malformed', `The GPU query output has no GPU index on row ${rowNumber + 1}. ${CSV_ADVICE}`, firstMeaningfulLine(row.join(CSV_SEPARATOR)));
    }
    samples.push({
      index: index ?? rowNumber,
      uuid: uuid ?? '',
      pciBusId: pciBusId ?? '',
      memoryTotalMiB: parseReading(cell('memory.total')),
      memoryUsedMiB: parseReading(cell('memory.used')),
      memoryFreeMiB: parseReading(cell('memory.free')),
      utilizationGpuPercent: parseReading(cell('utilization.gpu')),
      utilizationMemoryPercent: parseReading(cell('utilization.memory')),
      temperatureC: parseReading(cell('temperature.gpu')),
      powerDrawW: parseReading(cell('power.draw')),
      powerLimitW: parseReading(cell('power.limit')),
    });
  }
  return { ok: true, samples };
}

/**
 * Parses `--query-compute-apps=gpu_uuid,gpu_bus_id,pid,process_name,used_memory --format=csv,noheader,nounits`.
 * A header line and units are tolerated; a process name containing ", " stays whole. Output with no
 * processes (empty, or "No running processes found") is an empty list.
 */
export function parseComputeAppsCsv(csv: string, fields: readonly string[] = COMPUTE_APPS_QUERY_FIELDS): ComputeAppsParseResult {
  if (/^\s*No running (compute )?processes found\s*$/i.test(csv)) return { ok: true, apps: [] };
  const table = readCsvTable(csv, fields, 'compute-apps query (--query-compute-apps)', 'process_name');
  if (!table.ok) return table;
  const apps: GpuComputeApp[] = [];
  for (const [rowNumber, row] of table.rows.entries()) {
    const cell = (field: string): string | null => {
      const column = table.columnOf(field);
      return column === undefined ? null : (row[column] ?? null);
    };
    const pid = parseNonNegativeInt(cell('pid'));
    if (pid === null) {
      return notOk('malformed', `The compute-apps output has no valid pid on row ${rowNumber + 1}. ${CSV_ADVICE}`, firstMeaningfulLine(row.join(CSV_SEPARATOR)));
    }
    apps.push({
      gpuUuid: parseString(cell('gpu_uuid')) ?? '',
      gpuBusId: parseString(cell('gpu_bus_id')) ?? '',
      pid,
      processName: parseString(cell('process_name')) ?? '',
      usedMemoryMiB: parseReading(cell('used_memory')),
    });
  }
  return { ok: true, apps };
}
