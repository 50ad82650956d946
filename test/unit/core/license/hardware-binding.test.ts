import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprintFromIds, hashHardwareComponent, matchHardwareBinding } from '../../../../electron/core/license/hardware-binding';
import { readHardwareFingerprint, readMachineId } from '../../../../electron/core/license/hardware-id';

describe('hashHardwareComponent', () => {
  it('is SHA-256 hex behind a domain prefix and the kind, stable under case and surrounding whitespace', () => {
    const hash = hashHardwareComponent('gpu-uuid', 'GPU-8F3C0000-1111-2222-3333-444455556666');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashHardwareComponent('gpu-uuid', ' gpu-8f3c0000-1111-2222-3333-444455556666\n')).toBe(hash);
    expect(hashHardwareComponent('machine-id', 'GPU-8F3C0000-1111-2222-3333-444455556666')).not.toBe(hash);
    // Known answer, so a change of the domain or the normalisation (which would unbind every license) fails here.
    expect(hashHardwareComponent('machine-id', '0123456789ABCDEF0123456789ABCDEF')).toBe('aaac7613439eb4d0669c633ce6b07ba8045065f44bbcc1d2b45bf4ee6f269a5d');
  });

  it('is identical across 100 computations', () => {
    const ids = { machineId: '0123456789abcdef0123456789abcdef', gpuUuids: ['GPU-1', 'GPU-2'] };
    const first = JSON.stringify(fingerprintFromIds(ids));
    for (let i = 0; i < 100; i += 1) expect(JSON.stringify(fingerprintFromIds(ids))).toBe(first);
  });
});

describe('matchHardwareBinding', () => {
  const host = fingerprintFromIds({ machineId: 'm', gpuUuids: ['g1', 'g2', 'g3'] });
  const binding = { machineIdHash: host.machineIdHash!, gpuUuidHashes: [...host.gpuUuidHashes], required: 3 };

  it('counts matches k of n and lists what is missing in the license order', () => {
    expect(matchHardwareBinding(binding, host)).toMatchObject({ isMatch: true, matched: 4, total: 4, missing: [] });
    const swapped = fingerprintFromIds({ machineId: 'm', gpuUuids: ['g1', 'x', 'y'] });
    const result = matchHardwareBinding(binding, swapped);
    expect(result).toMatchObject({ isMatch: false, matched: 2, required: 3 });
    expect(result.missing.map((c) => c.index)).toEqual([2, 3]);
    expect(result.missing[0]!.hashPrefix).toBe(binding.gpuUuidHashes[1]!.slice(0, 12));
  });

  it('a host without a machine-id or without any fingerprint matches nothing it lacks', () => {
    expect(matchHardwareBinding(binding, { machineIdHash: null, gpuUuidHashes: host.gpuUuidHashes })).toMatchObject({ isMatch: true, matched: 3 });
    expect(matchHardwareBinding(binding, undefined)).toMatchObject({ isMatch: false, matched: 0 });
  });
});

describe('hardware-id (reads a fake filesystem root)', () => {
  let root = '';
  afterEach(() => {
    if (root !== '') rmSync(root, { recursive: true, force: true });
    root = '';
  });
  const makeRoot = (files: Record<string, string>) => {
    root = mkdtempSync(path.join(tmpdir(), 'airlock-hwid-'));
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), content);
    }
    return root;
  };

  it('reads /etc/machine-id', async () => {
    expect(await readMachineId({ root: makeRoot({ 'etc/machine-id': '0123456789ABCDEF0123456789abcdef\n' }) })).toBe('0123456789abcdef0123456789abcdef');
  });

  it('falls back to /var/lib/dbus/machine-id when /etc/machine-id is missing or uninitialised', async () => {
    const dbus = 'ffffffffffffffffffffffffffffffff\n';
    expect(await readMachineId({ root: makeRoot({ 'var/lib/dbus/machine-id': dbus }) })).toBe(dbus.trim());
    rmSync(root, { recursive: true, force: true });
    expect(await readMachineId({ root: makeRoot({ 'etc/machine-id': 'uninitialized\n', 'var/lib/dbus/machine-id': dbus }) })).toBe(dbus.trim());
  });

  it('answers null when there is none, and hashes what it finds with the given GPUs', async () => {
    expect(await readMachineId({ root: makeRoot({}) })).toBeNull();
    const fingerprint = await readHardwareFingerprint({ root, gpuUuids: ['GPU-1'] });
    expect(fingerprint).toEqual({ machineIdHash: null, gpuUuidHashes: [hashHardwareComponent('gpu-uuid', 'GPU-1')] });
  });
});
