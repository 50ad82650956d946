import { describe, expect, it } from 'vitest';
import type { HostDisk, HostInfo } from '../../../../electron/core/probe/host-probe';
import { checkHostRequirements, MIN_RAM_REPORTED_BYTES } from '../../../../electron/core/probe/host-requirements';

const GIB = 1024 ** 3;

function disk(overrides: Partial<HostDisk> = {}): HostDisk {
  return { role: 'models', path: '/srv/models', mount: '/srv', device: '/dev/nvme0n1p1', fsType: 'ext4', sizeBytes: 2000 * GIB, freeBytes: 900 * GIB, storageKind: 'ssd', ...overrides };
}

function host(overrides: Partial<HostInfo> = {}): HostInfo {
  return {
    cpuModel: 'AMD EPYC 7413',
    physicalCores: 24,
    threads: 48,
    ramTotalBytes: 251.5 * GIB,
    osPlatform: 'linux',
    osDistro: 'Ubuntu',
    osRelease: '22.04.5 LTS',
    kernel: '5.15.0-185-generic',
    arch: 'x64',
    disks: [disk({ role: 'data', path: '/var/lib/airlock', mount: '/' }), disk()],
    ...overrides,
  };
}

const verdicts = (lines: ReturnType<typeof checkHostRequirements>) => Object.fromEntries(lines.map((line) => [line.id, line.verdict]));

describe('checkHostRequirements (GitLab Duo Self-Hosted minimums, reference §8)', () => {
  it('passes a host above every minimum, one line per resource', () => {
    const lines = checkHostRequirements(host());
    expect(verdicts(lines)).toEqual({ 'cpu-cores': 'pass', 'cpu-threads': 'pass', ram: 'pass', 'disk-data': 'pass', 'disk-models': 'pass' });
    expect(lines.find((line) => line.id === 'ram')).toEqual({ id: 'ram', label: 'Memory (RAM)', required: '32 GB', actual: '251.5 GiB', verdict: 'pass' });
    expect(lines.find((line) => line.id === 'cpu-cores')).toMatchObject({ required: '8 physical cores', actual: '24' });
    expect(lines.find((line) => line.id === 'disk-models')).toMatchObject({ required: 'SSD', actual: 'SSD, 900.0 GiB free on /srv' });
    expect(lines.every((line) => line.note === undefined)).toBe(true);
  });

  it('passes exactly 8 cores / 16 threads and a 32 GiB machine that reports about 31 GiB', () => {
    const lines = checkHostRequirements(host({ physicalCores: 8, threads: 16, ramTotalBytes: 31.3 * GIB }));
    expect(verdicts(lines)).toMatchObject({ 'cpu-cores': 'pass', 'cpu-threads': 'pass', ram: 'pass' });
  });

  it('warns below each minimum, with a note saying what GitLab asks for', () => {
    const lines = checkHostRequirements(host({ physicalCores: 4, threads: 8, ramTotalBytes: MIN_RAM_REPORTED_BYTES - 1 }));
    expect(verdicts(lines)).toMatchObject({ 'cpu-cores': 'warn', 'cpu-threads': 'warn', ram: 'warn' });
    for (const line of lines.filter((l) => l.verdict === 'warn')) expect(line.note).toMatch(/GitLab asks for/);
    expect(lines.find((line) => line.id === 'ram')?.actual).toBe('30.0 GiB');
  });

  it('warns, never fails, when a value is unknown', () => {
    const lines = checkHostRequirements(host({ physicalCores: null, threads: null, ramTotalBytes: null }));
    expect(lines.filter((line) => ['cpu-cores', 'cpu-threads', 'ram'].includes(line.id)).map((line) => [line.actual, line.verdict])).toEqual([
      ['unknown', 'warn'],
      ['unknown', 'warn'],
      ['unknown', 'warn'],
    ]);
  });

  it('warns on a rotational or unidentified disk, and on a directory with no mount', () => {
    const lines = checkHostRequirements(host({ disks: [disk({ role: 'data', storageKind: 'hdd' }), disk({ storageKind: 'unknown' }), disk({ role: 'cache', mount: null })] }));
    expect(verdicts(lines)).toMatchObject({ 'disk-data': 'warn', 'disk-models': 'warn', 'disk-cache': 'warn' });
    expect(lines.find((line) => line.id === 'disk-data')?.note).toMatch(/rotational/);
    expect(lines.find((line) => line.id === 'disk-models')?.note).toMatch(/lsblk/);
    expect(lines.find((line) => line.id === 'disk-cache')?.actual).toBe('unknown');
  });

  it('checks free space only when the caller says how much is needed', () => {
    const lines = checkHostRequirements(host(), { requiredFreeBytes: { models: 1000 * GIB, data: 1 * GIB } });
    expect(lines.find((line) => line.id === 'disk-models')).toMatchObject({ required: 'SSD, 1000.0 GiB free', verdict: 'warn', note: expect.stringContaining('Needs 1000.0 GiB free') });
    expect(lines.find((line) => line.id === 'disk-data')?.verdict).toBe('pass');
  });

  it('adds a storage line that warns when no directory was checked', () => {
    const lines = checkHostRequirements(host({ disks: [] }));
    expect(lines.at(-1)).toMatchObject({ id: 'disk', required: 'SSD', actual: 'not checked', verdict: 'warn' });
  });
});
