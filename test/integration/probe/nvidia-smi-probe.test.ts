import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNvidiaSmiProbe, type NvidiaSmiProbe, type NvidiaSmiProbeOptions } from '../../../electron/core/probe/nvidia-smi-probe';
import { FAKE_NVIDIA_SMI, fakeNvidiaSmiEnv, NVIDIA_SMI_FIXTURES, spawnWithEnv, type FakeNvidiaSmiMode } from '../../doubles/fake-nvidia-smi-env';

const A5000 = path.join(NVIDIA_SMI_FIXTURES, 'xml_2gpu_rtx-a5000_driver-590.44.01_schema-v13.xml');
const A100 = path.join(NVIDIA_SMI_FIXTURES, 'xml_1-of-4gpu_a100-sxm4-80gb-mig-enabled_driver-535.54.03_schema-v12.xml');

let scratch: string;
const probes: NvidiaSmiProbe[] = [];

beforeEach(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'airlock-probe-'));
});

afterEach(async () => {
  await Promise.all(probes.splice(0).map((probe) => probe.dispose()));
  await rm(scratch, { recursive: true, force: true });
});

function fakeProbe(mode: FakeNvidiaSmiMode, options: { xml?: string; pidFile?: string } & Partial<NvidiaSmiProbeOptions> = {}) {
  const { xml, pidFile, ...probeOptions } = options;
  const spawner = spawnWithEnv(fakeNvidiaSmiEnv(mode, { ...(xml === undefined ? {} : { xml }), ...(pidFile === undefined ? {} : { pidFile }) }));
  const probe = createNvidiaSmiProbe({ executable: FAKE_NVIDIA_SMI, executableSource: 'env', spawn: spawner.spawn, ...probeOptions });
  probes.push(probe);
  return { probe, spawner };
}

/** Whether `pid` is a live process; a zombie awaiting its reaper counts as gone. */
async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return process.platform !== 'linux';
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

async function waitUntilGone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!(await isAlive(pid))) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return !(await isAlive(pid));
}

describe('nvidia-smi probe against the fake nvidia-smi', () => {
  it('capture mode: reports the two A5000 GPUs with their processes, and their telemetry', async () => {
    const { probe } = fakeProbe('capture', { xml: A5000 });
    const result = await probe.probeGpus();
    expect(result.status).toBe('ok');
    if (result.status !== 'ok') return;
    expect(result).toMatchObject({ driverVersion: '590.44.01', cudaVersion: '13.1', attachedGpus: 2 });
    expect(result.gpus.map((gpu) => [gpu.pciBusId, gpu.name, gpu.memoryTotalMiB, gpu.memoryUsedMiB])).toEqual([
      ['00000000:81:00.0', 'NVIDIA RTX A5000', 24564, 22437],
      ['00000000:C1:00.0', 'NVIDIA RTX A5000', 24564, 17253],
    ]);
    expect(new Date(result.probedAt).toISOString()).toBe(result.probedAt);
    expect(result.durationMs).toBeGreaterThan(0);

    const telemetry = await probe.telemetry();
    expect(telemetry.ok && telemetry.samples.map((s) => [s.index, s.pciBusId, s.memoryUsedMiB, s.powerDrawW, s.utilizationGpuPercent])).toEqual([
      [0, '00000000:81:00.0', 22437, 6.41, 0],
      [1, '00000000:C1:00.0', 17253, 13.6, 0],
    ]);

    const apps = await probe.computeApps();
    expect(apps.ok && apps.apps.map((app) => [app.gpuBusId, app.pid, app.usedMemoryMiB])).toEqual([
      ['00000000:81:00.0', 100477, 22430],
      ['00000000:C1:00.0', 100477, 17246],
    ]);
  });

  it('capture mode: telemetry of a MIG A100 has null utilisation, not 0', async () => {
    const { probe } = fakeProbe('capture', { xml: A100 });
    const telemetry = await probe.telemetry();
    expect(telemetry).toMatchObject({ ok: true, samples: [{ index: 0, memoryTotalMiB: 81920, utilizationGpuPercent: null, powerDrawW: 67.03, powerLimitW: 500 }] });
  });

  it('driver-failure: a normal no-gpu state with the reason and what to do', async () => {
    const { probe } = fakeProbe('driver-failure');
    const result = await probe.probeGpus();
    expect(result).toMatchObject({ status: 'no-gpu', reason: 'driver-not-loaded', detail: expect.stringContaining("couldn't communicate with the NVIDIA driver") });
    expect(result.status !== 'ok' && result.message).toMatch(/kernel module is not loaded.*probe again/);
    expect(await probe.telemetry()).toMatchObject({ ok: false, state: 'driver-not-loaded', exitCode: 9 });
  });

  it('no-devices: a normal no-gpu state', async () => {
    const { probe } = fakeProbe('no-devices');
    expect(await probe.probeGpus()).toMatchObject({ status: 'no-gpu', reason: 'no-devices' });
  });

  it('hang: returns within the timeout and leaves neither the fake nor its grandchild running', async () => {
    const pidFile = path.join(scratch, 'pids');
    const { probe } = fakeProbe('hang', { pidFile, timeoutMs: 500 });
    const started = performance.now();
    const result = await probe.probeGpus();
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ status: 'error', reason: 'timeout', message: expect.stringContaining('within 500 ms') });
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(2000);

    const pids = (await readFile(pidFile, 'utf8')).trim().split('\n').map(Number);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(await waitUntilGone(pid, 1000), `pid ${pid}`).toBe(true);
  });

  it('hang: never overlaps calls; concurrent telemetry calls share one child', async () => {
    const { probe, spawner } = fakeProbe('hang', { timeoutMs: 300 });
    const [a, b] = await Promise.all([probe.telemetry(), probe.telemetry()]);
    expect(a).toBe(b);
    expect(spawner.count).toBe(1);
    expect(a).toMatchObject({ ok: false, state: 'timeout' });
  });

  it('hang: dispose kills a run in flight', async () => {
    const pidFile = path.join(scratch, 'pids');
    const { probe } = fakeProbe('hang', { pidFile, timeoutMs: 60_000 });
    const pending = probe.inventory();
    const deadline = Date.now() + 5000;
    while (!(await readFile(pidFile, 'utf8').catch(() => '')).includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await probe.dispose();
    const result = await pending;
    expect(result.ok).toBe(false);
    const pids = (await readFile(pidFile, 'utf8')).trim().split('\n').map(Number);
    for (const pid of pids) expect(await waitUntilGone(pid, 1000), `pid ${pid}`).toBe(true);
  });

  it('garbage: an error state saying the output was unreadable', async () => {
    const { probe } = fakeProbe('garbage');
    expect(await probe.probeGpus()).toMatchObject({ status: 'error', reason: 'malformed' });
    expect(await probe.telemetry()).toMatchObject({ ok: false, state: 'malformed' });
  });

  it('output cap: a run that prints more than allowed is stopped and reported', async () => {
    const { probe } = fakeProbe('capture', { xml: A5000, maxOutputBytes: 1024 });
    expect(await probe.probeGpus()).toMatchObject({ status: 'error', reason: 'malformed', message: expect.stringContaining('more output than Airlock accepts') });
  });

  it('missing executable: not-installed, naming AIRLOCK_NVIDIA_SMI', async () => {
    const missing = path.join(scratch, 'no-such-nvidia-smi');
    const probe = createNvidiaSmiProbe({ executable: missing, executableSource: 'env' });
    probes.push(probe);
    const result = await probe.probeGpus();
    expect(result).toMatchObject({ status: 'no-gpu', reason: 'not-installed' });
    expect(result.status !== 'ok' && result.message).toContain(`AIRLOCK_NVIDIA_SMI is set to "${missing}"`);
  });

  it('missing from PATH: not-installed, suggesting the driver install', async () => {
    const probe = createNvidiaSmiProbe({ executable: 'airlock-test-no-such-nvidia-smi' });
    probes.push(probe);
    const result = await probe.probeGpus();
    expect(result).toMatchObject({ status: 'no-gpu', reason: 'not-installed', message: expect.stringContaining('not found on PATH') });
  });

  it('not executable: a permission error', async () => {
    const file = path.join(scratch, 'nvidia-smi');
    await writeFile(file, '#!/bin/sh\necho hi\n');
    await chmod(file, 0o644);
    const probe = createNvidiaSmiProbe({ executable: file, executableSource: 'setting' });
    probes.push(probe);
    expect(await probe.probeGpus()).toMatchObject({ status: 'error', reason: 'permission', message: expect.stringContaining('nvidia-smi path in Settings') });
  });
});
