/**
 * How the Hardware page writes its numbers. A missing reading (null: `[N/A]`, `[Not Supported]`)
 * is written as "—", never as 0.
 */
const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/** "—" for a missing value. */
export const MISSING = '—';

/** 24564 → "24564 MiB": nvidia-smi's own unit and figure, so it can be compared with its output. */
export function formatMiB(mib: number | null | undefined): string {
  return mib === null || mib === undefined ? MISSING : `${Math.round(mib)} MiB`;
}

/** 24564 MiB → "24.0 GiB". */
export function formatMiBAsGiB(mib: number | null | undefined): string {
  return mib === null || mib === undefined ? MISSING : `${((mib * MIB) / GIB).toFixed(1)} GiB`;
}

/** Bytes → "12.3 GiB" (negative values keep their sign). */
export function formatGiB(bytes: number): string {
  return `${(bytes / GIB).toFixed(1)} GiB`;
}

/** 87 → "87 %". */
export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? MISSING : `${Math.round(value)} %`;
}

/** 64 → "64 °C". */
export function formatCelsius(value: number | null | undefined): string {
  return value === null || value === undefined ? MISSING : `${Math.round(value)} °C`;
}

/** 6.41 → "6.4 W". */
export function formatWatts(value: number | null | undefined): string {
  return value === null || value === undefined ? MISSING : `${value < 100 ? value.toFixed(1) : Math.round(value)} W`;
}

/** 32768 → "32,768". */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** 32768 → "32k"; 131072 → "128k"; 1000 → "1000". */
export function formatTokensShort(tokens: number): string {
  return tokens >= 1024 && tokens % 1024 === 0 ? `${tokens / 1024}k` : String(tokens);
}

/** ISO time or epoch ms → local wall-clock time with seconds. */
export function formatClock(at: string | number): string {
  return new Date(at).toLocaleTimeString();
}

/** 72.9 → "73 ms"; 1530 → "1.53 s". */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** 25276502016 → "23.5 GiB"; null → "—". */
export function formatBytesGiB(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? MISSING : formatGiB(bytes);
}

/** nvidia-smi's clock event reasons, in words, and whether one deserves attention. */
const THROTTLE_REASONS: Record<string, { label: string; isConcern: boolean }> = {
  gpu_idle: { label: 'idle', isConcern: false },
  applications_clocks_setting: { label: 'application clocks setting', isConcern: false },
  sw_power_cap: { label: 'software power cap', isConcern: false },
  hw_slowdown: { label: 'hardware slowdown', isConcern: true },
  hw_thermal_slowdown: { label: 'hardware thermal slowdown', isConcern: true },
  hw_power_brake_slowdown: { label: 'power brake slowdown', isConcern: true },
  sw_thermal_slowdown: { label: 'software thermal slowdown', isConcern: true },
  sync_boost: { label: 'sync boost', isConcern: false },
  display_clock_setting: { label: 'display clock setting', isConcern: false },
};

/** A throttle reason key → words; an unknown key is shown as it came, underscores as spaces. */
export function describeThrottleReason(key: string): { label: string; isConcern: boolean } {
  return THROTTLE_REASONS[key] ?? { label: key.replace(/_/g, ' '), isConcern: true };
}

/** 36864 → "36 KiB"; 1536 → "1.5 KiB". */
export function formatKiB(bytes: number): string {
  const kib = bytes / 1024;
  return `${Number.isInteger(kib) ? kib : kib.toFixed(1)} KiB`;
}
