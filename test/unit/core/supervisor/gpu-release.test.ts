import { describe, expect, it } from 'vitest';
import { waitForGpuRelease } from '../../../../electron/core/supervisor/supervisor-service';

const clock = { now: () => Date.now() };

describe('waitForGpuRelease', () => {
  it('waits until none of the run\'s pids holds GPU memory', async () => {
    const answers = [[10, 11, 99], [11, 99], [99]];
    let calls = 0;
    const still = await waitForGpuRelease([10, 11], async () => answers[Math.min(calls++, answers.length - 1)]!, clock, { pollMs: 5 });
    expect(still).toEqual([]);
    expect(calls).toBe(3);
  });

  it('gives up after the timeout and names who still holds memory', async () => {
    const still = await waitForGpuRelease([10, 11], async () => [11], clock, { pollMs: 5, timeoutMs: 50 });
    expect(still).toEqual([11]);
  });

  it('does not wait when nvidia-smi cannot tell', async () => {
    expect(await waitForGpuRelease([10], async () => null, clock)).toEqual([]);
  });
});
