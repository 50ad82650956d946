import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../../../../electron/shared/fit/catalog-schema';
import type { FitPlan } from '../../../../../electron/shared/fit/plan-fit';
import type { GpuInfoWire, GpuProbeWire } from '../../../../../electron/shared/hardware';
import { fitRows, formatCommandMultiline, modelReference, probedGpus, shellQuote, vllmServeCommand } from '../../../../../renderer/src/features/hardware/fit-rows';

const parsed = parseCatalog(JSON.parse(readFileSync(new URL('../../../../../resources/catalog/models.json', import.meta.url), 'utf8')));
if (!parsed.ok) throw new Error(parsed.issues.join('\n'));
const catalog = parsed.catalog;

/** An RTX A5000 as the two-GPU capture reports it (test/fixtures/nvidia-smi/xml_2gpu_rtx-a5000…). */
function a5000(index: number, used: number, free: number): GpuInfoWire {
  return {
    index,
    name: 'NVIDIA RTX A5000',
    uuid: `GPU-${index}`,
    pciBusId: `00000000:8${index}:00.0`,
    memoryTotalMiB: 24564,
    memoryUsedMiB: used,
    memoryFreeMiB: free,
    memoryReservedMiB: 449,
    utilizationGpuPercent: 0,
    utilizationMemoryPercent: 0,
    temperatureC: 13,
    powerDrawW: 6.41,
    powerLimitW: 230,
    driverVersion: '590.44.01',
    cudaVersion: '13.1',
    migMode: null,
    migDeviceCount: 0,
    eccErrors: { volatileCorrected: null, volatileUncorrected: null, aggregateCorrected: null, aggregateUncorrected: null },
    throttleReasons: ['gpu_idle'],
    processes: [],
  };
}

const timing = { probedAt: '2026-11-21T12:00:00Z', durationMs: 70 };
const busy: GpuProbeWire = { status: 'ok', gpus: [a5000(0, 22437, 1678), a5000(1, 17253, 6862)], driverVersion: '590.44.01', cudaVersion: '13.1', attachedGpus: 2, ...timing };
const noGpu: GpuProbeWire = { status: 'no-gpu', reason: 'driver-not-loaded', message: 'driver not loaded', detail: null, ...timing };

describe('probedGpus', () => {
  it('passes free VRAM as probed, and the driver-reserved memory that is neither used nor free', () => {
    expect(probedGpus(busy)).toEqual([
      { index: 0, name: 'NVIDIA RTX A5000', memoryTotalMiB: 24564, memoryReservedMiB: 449, memoryFreeMiB: 1678 },
      { index: 1, name: 'NVIDIA RTX A5000', memoryTotalMiB: 24564, memoryReservedMiB: 449, memoryFreeMiB: 6862 },
    ]);
  });

  it('assumes idle GPUs on request: everything but the reserved memory is free', () => {
    expect(probedGpus(busy, 'idle').map((g) => g.memoryFreeMiB)).toEqual([24115, 24115]);
  });

  it('derives the reserved memory from total − used − free when an older driver does not report it', () => {
    const old: GpuProbeWire = { ...busy, gpus: [{ ...a5000(0, 22437, 1678), memoryReservedMiB: null }] } as GpuProbeWire;
    expect(probedGpus(old)[0]!.memoryReservedMiB).toBe(449);
  });

  it('has no GPUs for a no-gpu probe, and skips GPUs without memory readings', () => {
    expect(probedGpus(noGpu)).toEqual([]);
    expect(probedGpus(undefined)).toEqual([]);
    const partial: GpuProbeWire = { ...busy, gpus: [{ ...a5000(0, 1, 1), memoryFreeMiB: null }] } as GpuProbeWire;
    expect(probedGpus(partial)).toEqual([]);
  });
});

describe('fitRows', () => {
  it('has one row per locally servable catalog model and none for API-only models', () => {
    const rows = fitRows(catalog, probedGpus(busy));
    const local = catalog.models.filter((m) => m.servable === 'local');
    expect(rows.map((r) => r.model.id)).toEqual(local.map((m) => m.id));
    expect(rows.some((r) => r.model.servable === 'api')).toBe(false);
  });

  it('explains rows it cannot plan instead of dropping them', () => {
    const rows = fitRows(catalog, probedGpus(busy));
    const unplanned = rows.filter((r) => r.spec === null);
    expect(unplanned.length).toBeGreaterThan(0);
    for (const row of unplanned) expect(row.problem).toMatch(/no verified architecture/);
  });

  it('says nothing fits on a host without GPUs', () => {
    const rows = fitRows(catalog, []);
    const planned = rows.filter((r) => r.plan);
    expect(planned.length).toBeGreaterThan(10);
    for (const row of planned) {
      expect(row.plan!.fits).toBe(false);
      expect(row.plan!.notes.map((n) => n.code)).toContain('no-gpu');
    }
  });

  it('fits a 7B model in bf16 on one idle 24 GB card but not in the 1.6 and 6.7 GiB left free', () => {
    const idle = fitRows(catalog, probedGpus(busy, 'idle')).find((r) => r.model.id === 'mistral-7b-instruct-v0.3')!;
    expect(idle.plan!.fits).toBe(true);
    expect(idle.plan!.tensorParallelSize).toBe(1);
    const asProbed = fitRows(catalog, probedGpus(busy)).find((r) => r.model.id === 'mistral-7b-instruct-v0.3')!;
    expect(asProbed.plan!.fits).toBe(false);
    expect(asProbed.plan!.shortfallBytes).toBeGreaterThan(0);
    expect(asProbed.plan!.suggestions.map((s) => s.kind)).toContain('free-gpu-memory');
  });
});

describe('vllm serve command', () => {
  it('pins the GPUs in nvidia-smi order and lists the planner flags', () => {
    const row = fitRows(catalog, probedGpus(busy, 'idle')).find((r) => r.model.id === 'mistral-7b-instruct-v0.3')!;
    const command = vllmServeCommand(row.plan!, modelReference(row.model, row.plan!.precisionId)!);
    expect(command).toMatch(/^CUDA_DEVICE_ORDER=PCI_BUS_ID CUDA_VISIBLE_DEVICES=\d vllm serve mistralai\/Mistral-7B-Instruct-v0\.3 --tensor-parallel-size 1 --max-model-len 32768 /);
    expect(formatCommandMultiline(command!)).toContain(' \\\n  --max-model-len 32768');
  });

  it('has no command for a plan that does not fit', () => {
    expect(vllmServeCommand({ fits: false, vllmArgs: null, env: null } as unknown as FitPlan, 'x')).toBeNull();
  });

  it('serves a pre-quantised precision from its own checkpoint, never the original repository', () => {
    const model = catalog.models.find((m) => m.id === 'mistral-7b-instruct-v0.3')!;
    expect(modelReference(model, 'bf16')).toBe('mistralai/Mistral-7B-Instruct-v0.3');
    expect(modelReference(model, 'fp8')).toBe('mistralai/Mistral-7B-Instruct-v0.3');
    const awq = model.precisions.find((p) => p.id === 'awq-int4')!;
    expect(modelReference(model, 'awq-int4')).toBe(awq.exampleRepo);
  });

  it('quotes shell words only when needed', () => {
    expect(shellQuote('mistralai/Mistral-7B-Instruct-v0.3')).toBe('mistralai/Mistral-7B-Instruct-v0.3');
    expect(shellQuote('0,1')).toBe('0,1');
    expect(shellQuote('/models/my model')).toBe(`'/models/my model'`);
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
  });
});
