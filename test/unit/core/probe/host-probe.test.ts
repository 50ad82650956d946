import { describe, expect, it } from 'vitest';
import { findContainingMount, probeHost, type HostFileSystem, type HostInfoSource } from '../../../../electron/core/probe/host-probe';

const GIB = 1024 ** 3;

const MOUNTS = [
  { fs: 'overlay', type: 'overlay', size: 100 * GIB, available: 40 * GIB, mount: '/' },
  { fs: '/dev/nvme0n1p2', type: 'ext4', size: 2000 * GIB, available: 1500 * GIB, mount: '/data' },
  { fs: '/dev/mapper/vg-models', type: 'xfs', size: 4000 * GIB, available: 3000 * GIB, mount: '/data/models' },
  { fs: '/dev/sdb1', type: 'ext4', size: 8000 * GIB, available: 100 * GIB, mount: '/database' },
];

function fakeSource(overrides: Partial<HostInfoSource> = {}): HostInfoSource {
  return {
    cpu: async () => ({ manufacturer: 'Intel', brand: 'Xeon Gold 6338', physicalCores: 32, cores: 64 }),
    mem: async () => ({ total: 503 * GIB }),
    osInfo: async () => ({ platform: 'linux', distro: 'Ubuntu', release: '22.04.5 LTS', kernel: '5.15.0-185-generic', arch: 'x64' }),
    fsSize: async () => MOUNTS,
    ...overrides,
  };
}

/** A file system where every path exists as itself, with a tiny /sys/class/block. */
const fakeFs: HostFileSystem = {
  realpath: async (file) => {
    const links: Record<string, string> = {
      '/dev/mapper/vg-models': '/dev/dm-0',
      '/sys/class/block/nvme0n1p2': '/sys/devices/pci0000:00/nvme/nvme0/nvme0n1/nvme0n1p2',
      '/sys/class/block/dm-0': '/sys/devices/virtual/block/dm-0',
      '/sys/class/block/sdb1': '/sys/devices/pci0000:00/ata1/block/sdb/sdb1',
    };
    return links[file] ?? file;
  },
  readFile: async (file) => {
    const files: Record<string, string> = {
      '/sys/devices/pci0000:00/nvme/nvme0/nvme0n1/nvme0n1p2/partition': '2\n',
      '/sys/devices/pci0000:00/nvme/nvme0/nvme0n1/queue/rotational': '0\n',
      '/sys/devices/virtual/block/dm-0/queue/rotational': '0\n',
      '/sys/devices/pci0000:00/ata1/block/sdb/sdb1/partition': '1\n',
      '/sys/devices/pci0000:00/ata1/block/sdb/queue/rotational': '1\n',
    };
    const content = files[file];
    if (content === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return content;
  },
};

describe('findContainingMount', () => {
  it('picks the longest mount that is a whole-segment prefix', () => {
    expect(findContainingMount('/data/models/llama', MOUNTS)?.mount).toBe('/data/models');
    expect(findContainingMount('/data/models', MOUNTS)?.mount).toBe('/data/models');
    expect(findContainingMount('/data/airlock', MOUNTS)?.mount).toBe('/data');
    expect(findContainingMount('/database/x', MOUNTS)?.mount).toBe('/database');
    expect(findContainingMount('/datasets', MOUNTS)?.mount).toBe('/');
    expect(findContainingMount('/data/', MOUNTS)?.mount).toBe('/data');
  });

  it('matches Windows drive mounts without case, and returns null when nothing contains the path', () => {
    expect(findContainingMount('c:\\Models', [{ mount: 'C:' }])?.mount).toBe('C:');
    expect(findContainingMount('/data', [{ mount: '/srv' }])).toBeNull();
  });
});

describe('probeHost', () => {
  it('reports CPU, memory, OS and the disks under each directory, with their type', async () => {
    const info = await probeHost({ paths: { data: '/data/airlock', models: '/data/models/llama', scratch: '/database/tmp', none: undefined }, source: fakeSource(), fs: fakeFs });
    expect(info).toMatchObject({
      cpuModel: 'Intel Xeon Gold 6338',
      physicalCores: 32,
      threads: 64,
      ramTotalBytes: 503 * GIB,
      osDistro: 'Ubuntu',
      osRelease: '22.04.5 LTS',
      kernel: '5.15.0-185-generic',
    });
    expect(info.disks.map((d) => [d.role, d.mount, d.freeBytes, d.storageKind])).toEqual([
      ['data', '/data', 1500 * GIB, 'ssd'],
      ['models', '/data/models', 3000 * GIB, 'ssd'],
      ['scratch', '/database', 100 * GIB, 'hdd'],
    ]);
  });

  it('follows a symlinked directory to the mount it really lives on', async () => {
    const fs: HostFileSystem = { ...fakeFs, realpath: async (file) => (file === '/home/op/models' ? '/data/models/op' : fakeFs.realpath(file)) };
    const info = await probeHost({ paths: { models: '/home/op/models' }, source: fakeSource(), fs });
    expect(info.disks[0]?.mount).toBe('/data/models');
  });

  it('turns a failing source into nulls instead of throwing, and reports overlay disks as unknown', async () => {
    const info = await probeHost({
      paths: { data: '/var/lib/airlock' },
      source: fakeSource({ cpu: () => Promise.reject(new Error('no /proc/cpuinfo')), mem: async () => ({ total: 0 }) }),
      fs: fakeFs,
    });
    expect(info).toMatchObject({ cpuModel: null, physicalCores: null, threads: null, ramTotalBytes: null });
    expect(info.disks[0]).toMatchObject({ mount: '/', device: 'overlay', storageKind: 'unknown' });
  });
});
