import { describe, expect, it } from 'vitest';
import {
  describeThrottleReason,
  formatCelsius,
  formatKiB,
  formatMiB,
  formatMs,
  formatPercent,
  formatTokensShort,
  formatWatts,
} from '../../../../../renderer/src/features/hardware/hardware-format';

describe('hardware-format', () => {
  it('writes a missing reading as a dash, never as zero', () => {
    for (const format of [formatMiB, formatPercent, formatCelsius, formatWatts]) {
      expect(format(null)).toBe('—');
      expect(format(undefined)).toBe('—');
    }
    expect(formatPercent(0)).toBe('0 %');
  });

  it("keeps nvidia-smi's MiB figures exact", () => {
    expect(formatMiB(24564)).toBe('24564 MiB');
  });

  it('writes small and large figures readably', () => {
    expect(formatWatts(6.41)).toBe('6.4 W');
    expect(formatWatts(230)).toBe('230 W');
    expect(formatTokensShort(32768)).toBe('32k');
    expect(formatTokensShort(1000)).toBe('1000');
    expect(formatKiB(36 * 1024)).toBe('36 KiB');
    expect(formatMs(72.9)).toBe('73 ms');
    expect(formatMs(5000)).toBe('5.00 s');
  });

  it('names throttle reasons and flags the ones that slow a GPU down', () => {
    expect(describeThrottleReason('gpu_idle')).toEqual({ label: 'idle', isConcern: false });
    expect(describeThrottleReason('hw_thermal_slowdown').isConcern).toBe(true);
    expect(describeThrottleReason('some_new_reason')).toEqual({ label: 'some new reason', isConcern: true });
  });
});
