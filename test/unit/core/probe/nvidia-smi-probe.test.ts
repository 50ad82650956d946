import { describe, expect, it } from 'vitest';
import { createNvidiaSmiProbe, resolveNvidiaSmiPath } from '../../../../electron/core/probe/nvidia-smi-probe';

describe('resolveNvidiaSmiPath', () => {
  it('lets AIRLOCK_NVIDIA_SMI override the setting', () => {
    expect(resolveNvidiaSmiPath({ setting: '/usr/local/bin/nvidia-smi', env: { AIRLOCK_NVIDIA_SMI: '/opt/fake/nvidia-smi' } })).toEqual({ executable: '/opt/fake/nvidia-smi', source: 'env' });
  });

  it('uses the setting when the variable is unset or blank', () => {
    expect(resolveNvidiaSmiPath({ setting: ' /usr/local/bin/nvidia-smi ', env: { AIRLOCK_NVIDIA_SMI: '  ' } })).toEqual({ executable: '/usr/local/bin/nvidia-smi', source: 'setting' });
  });

  it('falls back to nvidia-smi on PATH', () => {
    expect(resolveNvidiaSmiPath({ setting: null, env: {} })).toEqual({ executable: 'nvidia-smi', source: 'default' });
    expect(resolveNvidiaSmiPath({ setting: '', env: { PATH: '/usr/bin' } })).toEqual({ executable: 'nvidia-smi', source: 'default' });
  });
});

describe('createNvidiaSmiProbe with an injected spawner and clock', () => {
  it('never throws when the spawner itself throws, and stamps results with the injected clock', async () => {
    const probe = createNvidiaSmiProbe({
      executable: 'nvidia-smi',
      spawn: () => {
        throw Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' });
      },
      clock: { nowMs: () => Date.UTC(2026, 10, 21, 12, 0, 0), monotonicMs: () => 1000 },
    });
    expect(await probe.probeGpus()).toEqual({
      status: 'no-gpu',
      reason: 'not-installed',
      message: expect.stringContaining('not found on PATH'),
      detail: 'spawn nvidia-smi ENOENT',
      probedAt: '2026-11-21T12:00:00.000Z',
      durationMs: 0,
    });
    await probe.dispose();
  });
});
