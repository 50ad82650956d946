import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GpuInfo } from '../../../../electron/core/probe/gpu-types';
import {
  classifyNvidiaSmiFailure,
  parseComputeAppsCsv,
  parseNvidiaSmiXml,
  parseTelemetryCsv,
  TELEMETRY_ARGS,
  TELEMETRY_QUERY_FIELDS,
} from '../../../../electron/core/probe/parse-nvidia-smi';
import { NVIDIA_SMI_FIXTURES } from '../../../doubles/fake-nvidia-smi-env';

const fixture = (name: string) => readFileSync(path.join(NVIDIA_SMI_FIXTURES, name), 'utf8');
const fixtureNames = readdirSync(NVIDIA_SMI_FIXTURES);

const A100 = 'xml_1-of-4gpu_a100-sxm4-80gb-mig-enabled_driver-535.54.03_schema-v12.xml';
const ADA = 'xml_1gpu_rtx-4000-sff-ada_driver-595.84_schema-v13.xml';
const A5000 = 'xml_2gpu_rtx-a5000_driver-590.44.01_schema-v13.xml';
const FULL_H100 = 'capture_full_linux_h100-80gb-hbm3_driver-590.48.01.txt';

function inventoryOf(xml: string) {
  const result = parseNvidiaSmiXml(xml);
  if (!result.ok) throw new Error(`expected ok, got ${result.state}: ${result.message}`);
  return result.inventory;
}

/** Sections of an nvidia_gpu_exporter capture: `# <title>` between two `####` rules, then the body. */
function captureSections(text: string): Map<string, string> {
  const sections = new Map<string, string>();
  const parts = text.split(/^#{80}\n/m);
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const title = /^# (.+)$/m.exec(parts[i] ?? '')?.[1];
    if (title) sections.set(title, (parts[i + 1] ?? '').replace(/\n+$/, '\n'));
  }
  return sections;
}

// Values read from the files themselves (see test/fixtures/nvidia-smi/README.md).
const XML_EXPECTATIONS: Record<string, { driver: string; cuda: string; attached: number; gpus: Partial<GpuInfo>[] }> = {
  [A100]: {
    driver: '535.54.03',
    cuda: '12.2',
    attached: 4, // the file lists only 1 <gpu> of the 4 attached
    gpus: [{ index: 0, name: 'NVIDIA A100-SXM4-80GB', pciBusId: '00000000:01:00.0', memoryTotalMiB: 81920, memoryUsedMiB: 50, memoryFreeMiB: 80999 }],
  },
  [ADA]: {
    driver: '595.84',
    cuda: '13.2',
    attached: 1,
    gpus: [{ index: 0, name: 'NVIDIA RTX 4000 SFF Ada Generation', pciBusId: '00000000:06:00.0', memoryTotalMiB: 20475, memoryUsedMiB: 3534, memoryFreeMiB: 16482 }],
  },
  [A5000]: {
    driver: '590.44.01',
    cuda: '13.1',
    attached: 2,
    gpus: [
      { index: 0, name: 'NVIDIA RTX A5000', pciBusId: '00000000:81:00.0', memoryTotalMiB: 24564, memoryUsedMiB: 22437, memoryFreeMiB: 1678 },
      { index: 1, name: 'NVIDIA RTX A5000', pciBusId: '00000000:C1:00.0', memoryTotalMiB: 24564, memoryUsedMiB: 17253, memoryFreeMiB: 6862 },
    ],
  },
};

describe('parseNvidiaSmiXml on every XML capture', () => {
  it('has an expectation for every XML capture in the fixtures folder', () => {
    expect(fixtureNames.filter((name) => name.endsWith('.xml')).sort()).toEqual(Object.keys(XML_EXPECTATIONS).sort());
  });

  for (const [name, expected] of Object.entries(XML_EXPECTATIONS)) {
    it(`reads GPU count, names, PCI ids and VRAM from ${name}`, () => {
      const inventory = inventoryOf(fixture(name));
      expect(inventory.driverVersion).toBe(expected.driver);
      expect(inventory.cudaVersion).toBe(expected.cuda);
      expect(inventory.attachedGpus).toBe(expected.attached);
      expect(inventory.gpus).toHaveLength(expected.gpus.length);
      expected.gpus.forEach((gpu, i) => expect(inventory.gpus[i]).toMatchObject({ ...gpu, driverVersion: expected.driver, cudaVersion: expected.cuda }));
    });
  }

  it('reads the two-GPU A5000 host in full, keyed by PCI bus id', () => {
    const [first, second] = inventoryOf(fixture(A5000)).gpus;
    expect(first).toEqual({
      index: 0,
      name: 'NVIDIA RTX A5000',
      uuid: 'GPU-12345678-aaaa-bbbb-cccc-0123456789ab',
      pciBusId: '00000000:81:00.0',
      memoryTotalMiB: 24564,
      memoryUsedMiB: 22437,
      memoryFreeMiB: 1678,
      memoryReservedMiB: 450,
      utilizationGpuPercent: 0,
      utilizationMemoryPercent: 0,
      temperatureC: 13,
      powerDrawW: 6.41, // average_power_draw, which is what CSV power.draw reports
      powerLimitW: 230,
      driverVersion: '590.44.01',
      cudaVersion: '13.1',
      migMode: null, // <current_mig>N/A</current_mig>
      migDeviceCount: 0,
      eccErrors: { volatileCorrected: null, volatileUncorrected: null, aggregateCorrected: null, aggregateUncorrected: null },
      throttleReasons: ['gpu_idle'],
      processes: [{ pid: 100477, name: '/root/src/llama.cpp/build/bin/llama-server', usedMemoryMiB: 22430, type: 'C' }],
    } satisfies GpuInfo);
    expect(second).toMatchObject({ pciBusId: '00000000:C1:00.0', temperatureC: 15, powerDrawW: 13.6 });
    expect(second?.processes).toEqual([{ pid: 100477, name: '/root/src/llama.cpp/build/bin/llama-server', usedMemoryMiB: 17246, type: 'C' }]);
  });

  it('reads MIG mode, N/A utilisation, v12 power_draw and zero ECC counts on the A100', () => {
    const [gpu] = inventoryOf(fixture(A100)).gpus;
    // The driver's own reservation: never available to vLLM (the fit planner subtracts it).
    expect(gpu?.memoryReservedMiB).toBe(869);
    expect(gpu).toMatchObject({
      migMode: 'enabled',
      migDeviceCount: 4,
      utilizationGpuPercent: null, // gpu_util is N/A under MIG
      utilizationMemoryPercent: null,
      temperatureC: 27,
      powerDrawW: 67.03,
      powerLimitW: 500,
      throttleReasons: [],
      processes: [], // <processes />
      eccErrors: { volatileCorrected: 0, volatileUncorrected: 0, aggregateCorrected: 0, aggregateUncorrected: 0 },
    });
  });

  it('reads graphics, compute and C+G processes on the Ada desktop', () => {
    const [gpu] = inventoryOf(fixture(ADA)).gpus;
    expect(gpu?.processes.map((p) => [p.pid, p.type, p.name, p.usedMemoryMiB])).toEqual([
      [1842, 'G', 'cosmic-comp', 410],
      [3190, 'G', '/usr/bin/code', 451],
      [4937, 'C', 'python', 160],
      [34626, 'C+G', '/usr/lib/chromium/chromium', 183],
    ]);
    expect(gpu).toMatchObject({ utilizationMemoryPercent: 37, powerDrawW: 8.81, powerLimitW: 70, temperatureC: 38 });
  });
});

/** A minimal inventory around one `<gpu>` body, for the cases no capture shows. */
function syntheticXml(gpuBody: string, root = ''): string {
  return `<?xml version="1.0" ?>
<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v11.dtd">
<nvidia_smi_log>
  <driver_version>470.82.01</driver_version>
  <cuda_version>N/A</cuda_version>
  <attached_gpus>1</attached_gpus>${root}
  <gpu id="00000000:3B:00.0">${gpuBody}</gpu>
</nvidia_smi_log>`;
}

describe('parseNvidiaSmiXml on unusual input', () => {
  it('turns N/A, [Not Supported] and deprecated values into null, never NaN or 0', () => {
    const inventory = inventoryOf(
      syntheticXml(`
        <product_name>Tesla T4</product_name>
        <fb_memory_usage><total>15360 MiB</total><used>Not Supported</used><free>[Not Supported]</free></fb_memory_usage>
        <utilization><gpu_util>N/A</gpu_util><memory_util>Requested functionality has been deprecated</memory_util></utilization>
        <temperature><gpu_temp>Unknown Error</gpu_temp></temperature>`),
    );
    const [gpu] = inventory.gpus;
    expect(inventory.cudaVersion).toBeNull();
    expect(gpu).toMatchObject({
      name: 'Tesla T4',
      uuid: '',
      pciBusId: '00000000:3B:00.0', // from the id attribute when <pci> is missing
      memoryTotalMiB: 15360,
      memoryUsedMiB: null,
      memoryFreeMiB: null,
      utilizationGpuPercent: null,
      utilizationMemoryPercent: null,
      temperatureC: null,
      powerDrawW: null,
      powerLimitW: null,
      migMode: null,
    });
  });

  it('reads the pre-535 element names: clocks_throttle_reasons, power_readings, single/double-bit ECC', () => {
    const [gpu] = inventoryOf(
      syntheticXml(`
        <mig_mode><current_mig>Disabled</current_mig></mig_mode>
        <clocks_throttle_reasons>
          <clocks_throttle_reason_gpu_idle>Not Active</clocks_throttle_reason_gpu_idle>
          <clocks_throttle_reason_sw_power_cap>Active</clocks_throttle_reason_sw_power_cap>
          <clocks_throttle_reason_hw_thermal_slowdown>Active</clocks_throttle_reason_hw_thermal_slowdown>
        </clocks_throttle_reasons>
        <ecc_errors>
          <volatile><single_bit><device_memory>3</device_memory><total>3</total></single_bit><double_bit><total>1</total></double_bit></volatile>
          <aggregate><single_bit><total>N/A</total></single_bit><double_bit><total>N/A</total></double_bit></aggregate>
        </ecc_errors>
        <power_readings><power_draw>70.10 W</power_draw><power_limit>300.00 W</power_limit></power_readings>`),
    ).gpus;
    expect(gpu).toMatchObject({
      migMode: 'disabled',
      throttleReasons: ['sw_power_cap', 'hw_thermal_slowdown'],
      eccErrors: { volatileCorrected: 3, volatileUncorrected: 1, aggregateCorrected: null, aggregateUncorrected: null },
      powerDrawW: 70.1,
      powerLimitW: 300,
    });
  });

  it('ignores elements it does not know, at the root and inside a GPU', () => {
    const original = fixture(A5000);
    const extended = original
      .replace('<attached_gpus>', '<future_root_block><deep a="1"><x>9</x></deep></future_root_block>\n\t<attached_gpus>')
      .replaceAll('<fb_memory_usage>', '<quantum_flux_capacitor>\n<level>11 %</level>\n</quantum_flux_capacitor>\n<fb_memory_usage>')
      .replaceAll('<pid>', '<cgroup>/user.slice</cgroup><pid>');
    expect(extended).not.toBe(original);
    expect(parseNvidiaSmiXml(extended)).toEqual(parseNvidiaSmiXml(original));
  });

  it('reports a host with zero GPUs as an empty list, not a failure', () => {
    const result = parseNvidiaSmiXml('<?xml version="1.0" ?>\n<nvidia_smi_log><driver_version>550.54.15</driver_version><attached_gpus>0</attached_gpus></nvidia_smi_log>');
    expect(result).toEqual({ ok: true, inventory: { driverVersion: '550.54.15', cudaVersion: null, attachedGpus: 0, gpus: [] } });
  });

  it('returns malformed, not an exception, for truncated XML at any point', () => {
    const xml = fixture(A5000);
    const cuts = [1, 10, 200, xml.indexOf('<fb_memory_usage>') + 5, xml.indexOf('</gpu>') + '</gpu>'.length, xml.lastIndexOf('</nvidia_smi_log>')];
    for (const cut of cuts) {
      const result = parseNvidiaSmiXml(xml.slice(0, cut));
      expect(result.ok, `cut at ${cut}`).toBe(false);
      if (!result.ok) {
        expect(result.state).toBe('malformed');
        expect(result.message).toMatch(/nvidia-smi -q -x/);
      }
    }
  });

  it('returns malformed for empty output, junk, and XML that is not nvidia-smi', () => {
    for (const text of ['', '   \n', 'Segmentation fault', '{"gpus": []}', '<html><body>hi</body></html>']) {
      const result = parseNvidiaSmiXml(text);
      expect(result).toMatchObject({ ok: false, state: 'malformed' });
    }
  });

  it('recognises the driver failure message printed where XML was expected', () => {
    expect(parseNvidiaSmiXml(fixture('failure_driver-not-loaded.txt'))).toMatchObject({ ok: false, state: 'driver-not-loaded' });
  });

  it('does not expand entities declared in a DOCTYPE, and decodes the predefined ones', () => {
    const xml = `<?xml version="1.0"?>
<!DOCTYPE nvidia_smi_log [<!ENTITY boom "BOOMBOOMBOOMBOOM">]>
<nvidia_smi_log><driver_version>&boom;</driver_version><gpu id="00000000:01:00.0"><product_name>A &amp; B</product_name>
<processes><process_info><pid>7</pid><type>C</type><process_name>/opt/a&lt;b&gt;/python</process_name><used_memory>1 MiB</used_memory></process_info></processes>
</gpu></nvidia_smi_log>`;
    const inventory = inventoryOf(xml);
    expect(inventory.driverVersion).toBe('&boom;');
    expect(inventory.gpus[0]?.name).toBe('A & B');
    expect(inventory.gpus[0]?.processes[0]?.name).toBe('/opt/a<b>/python');
  });
});

describe('parseTelemetryCsv', () => {
  const QUERY_GPU_CAPTURES: Record<string, { pciBusId: string; total: number; used: number; free: number; util: number | null; memUtil: number | null; temp: number; draw: number; limit: number }> = {
    'csv_query-gpu-212-fields_1gpu_h100-80gb-hbm3_driver-590.48.01_load.csv': { pciBusId: '00000000:00:09.0', total: 81559, used: 19818, free: 61263, util: 100, memUtil: 11, temp: 59, draw: 631.95, limit: 700 },
    'csv_query-gpu-212-fields_1gpu_h100-80gb-hbm3_driver-590.48.01_idle.csv': { pciBusId: '00000000:00:09.0', total: 81559, used: 0, free: 81081, util: 0, memUtil: 0, temp: 41, draw: 69.85, limit: 700 },
    'csv_query-gpu-all-fields_1gpu_h200-mig-enabled_driver-590.48.01_load.csv': { pciBusId: '00000000:83:00.0', total: 143771, used: 16959, free: 126199, util: null, memUtil: null, temp: 36, draw: 295.01, limit: 700 },
    'csv_query-gpu-all-fields_1gpu_rtx-4080-super_driver-595.71.05_idle.csv': { pciBusId: '00000000:01:00.0', total: 16376, used: 596, free: 15348, util: 0, memUtil: 23, temp: 43, draw: 26.2, limit: 320 },
  };

  it('has an expectation for every --query-gpu capture', () => {
    expect(fixtureNames.filter((name) => name.startsWith('csv_query-gpu')).sort()).toEqual(Object.keys(QUERY_GPU_CAPTURES).sort());
  });

  for (const [name, expected] of Object.entries(QUERY_GPU_CAPTURES)) {
    it(`finds the probe's fields by header in ${name}`, () => {
      const result = parseTelemetryCsv(fixture(name), TELEMETRY_QUERY_FIELDS);
      expect(result).toEqual({
        ok: true,
        samples: [
          {
            index: 0,
            uuid: 'GPU-00000000-0000-0000-0000-000000000000',
            pciBusId: expected.pciBusId,
            memoryTotalMiB: expected.total,
            memoryUsedMiB: expected.used,
            memoryFreeMiB: expected.free,
            utilizationGpuPercent: expected.util,
            utilizationMemoryPercent: expected.memUtil,
            temperatureC: expected.temp,
            powerDrawW: expected.draw,
            powerLimitW: expected.limit,
          },
        ],
      });
    });
  }

  it('parses the 212-field capture by position too, once its header is removed', () => {
    const [header = '', row = ''] = fixture('csv_query-gpu-212-fields_1gpu_h100-80gb-hbm3_driver-590.48.01_load.csv').split('\n');
    const fields = header.split(', ').map((cell) => cell.replace(/ \[.*\]$/, ''));
    expect(fields).toHaveLength(212);
    const result = parseTelemetryCsv(`${row}\n`, fields);
    expect(result).toMatchObject({ ok: true, samples: [{ memoryTotalMiB: 81559, utilizationGpuPercent: 100, powerDrawW: 631.95 }] });
  });

  it('reads the query-gpu sections of the full H100 capture, which match the standalone files', () => {
    const sections = captureSections(fixture(FULL_H100));
    for (const phase of ['idle', 'load'] as const) {
      const section = sections.get(`${phase} :: query-gpu (csv, what the exporter parses)`);
      expect(section, phase).toBe(fixture(`csv_query-gpu-212-fields_1gpu_h100-80gb-hbm3_driver-590.48.01_${phase}.csv`));
      const result = parseTelemetryCsv(section ?? '');
      expect(result).toMatchObject({ ok: true, samples: [{ memoryTotalMiB: 81559, utilizationGpuPercent: phase === 'load' ? 100 : 0 }] });
    }
  });

  it('parses the probe\'s own noheader,nounits output for several GPUs', () => {
    expect(TELEMETRY_ARGS).toEqual([`--query-gpu=${TELEMETRY_QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits']);
    const csv = [
      '0, GPU-aa, 00000000:81:00.0, 24564, 22437, 1678, 0, 0, 13, 6.41, 230.00',
      '1, GPU-bb, 00000000:C1:00.0, 24564, [N/A], [Not Supported], [N/A], [Requested functionality has been deprecated], 15, [Unknown Error], 230.00',
      '',
    ].join('\r\n');
    const result = parseTelemetryCsv(csv, TELEMETRY_QUERY_FIELDS);
    expect(result).toEqual({
      ok: true,
      samples: [
        { index: 0, uuid: 'GPU-aa', pciBusId: '00000000:81:00.0', memoryTotalMiB: 24564, memoryUsedMiB: 22437, memoryFreeMiB: 1678, utilizationGpuPercent: 0, utilizationMemoryPercent: 0, temperatureC: 13, powerDrawW: 6.41, powerLimitW: 230 },
        { index: 1, uuid: 'GPU-bb', pciBusId: '00000000:C1:00.0', memoryTotalMiB: 24564, memoryUsedMiB: null, memoryFreeMiB: null, utilizationGpuPercent: null, utilizationMemoryPercent: null, temperatureC: 15, powerDrawW: null, powerLimitW: 230 },
      ],
    });
  });

  it('accepts units in values without a header', () => {
    const result = parseTelemetryCsv('0, GPU-aa, 00000000:01:00.0, 81559 MiB, 19818 MiB, 61263 MiB, 100 %, 11 %, 59, 631.95 W, 700.00 W\n');
    expect(result).toMatchObject({ ok: true, samples: [{ memoryTotalMiB: 81559, utilizationGpuPercent: 100, powerDrawW: 631.95, powerLimitW: 700 }] });
  });

  it('treats empty output as no GPUs', () => {
    expect(parseTelemetryCsv('')).toEqual({ ok: true, samples: [] });
  });

  it('returns malformed for a wrong column count, junk, or a missing index', () => {
    expect(parseTelemetryCsv('0, GPU-aa, 00000000:01:00.0, 81559\n')).toMatchObject({ ok: false, state: 'malformed' });
    expect(parseTelemetryCsv('\u0000 not nvidia-smi }{\n')).toMatchObject({ ok: false, state: 'malformed' });
    expect(parseTelemetryCsv('x, GPU-aa, 00000000:01:00.0, 1, 1, 1, 1, 1, 1, 1, 1\n')).toMatchObject({ ok: false, state: 'malformed' });
    expect(parseTelemetryCsv('index, uuid\n0, GPU-aa\n')).toMatchObject({ ok: false, state: 'malformed', detail: expect.stringContaining('pci.bus_id') });
  });

  it('recognises the driver failure message printed instead of CSV', () => {
    expect(parseTelemetryCsv(fixture('failure_driver-not-loaded.txt'))).toMatchObject({ ok: false, state: 'driver-not-loaded' });
  });
});

describe('parseComputeAppsCsv', () => {
  it('reads the H100 load capture (header with used_gpu_memory [MiB], units)', () => {
    const result = parseComputeAppsCsv(fixture('csv_query-compute-apps_1gpu_h100-80gb-hbm3_driver-590.48.01_load.csv'));
    expect(result).toEqual({
      ok: true,
      apps: [
        { gpuUuid: 'GPU-00000000-0000-0000-0000-000000000000', gpuBusId: '00000000:00:09.0', pid: 11327, processName: '/root/tools/memhog', usedMemoryMiB: 2566 },
        { gpuUuid: 'GPU-00000000-0000-0000-0000-000000000000', gpuBusId: '00000000:00:09.0', pid: 11328, processName: '/root/tools/memhog', usedMemoryMiB: 1542 },
        { gpuUuid: 'GPU-00000000-0000-0000-0000-000000000000', gpuBusId: '00000000:00:09.0', pid: 11345, processName: './gpu_burn', usedMemoryMiB: 15690 },
      ],
    });
  });

  it('reads the RTX 4080 capture', () => {
    const result = parseComputeAppsCsv(fixture('csv_query-compute-apps_1gpu_rtx-4080-super_driver-595.71.05_idle.csv'));
    expect(result).toEqual({
      ok: true,
      apps: [{ gpuUuid: 'GPU-00000000-0000-0000-0000-000000000000', gpuBusId: '00000000:01:00.0', pid: 2165, processName: '/usr/bin/kwin_wayland', usedMemoryMiB: 25 }],
    });
  });

  it('reads the compute-apps sections of the full H100 capture (idle: header only)', () => {
    const sections = captureSections(fixture(FULL_H100));
    expect(parseComputeAppsCsv(sections.get('idle :: query-compute-apps (per-process)') ?? 'missing')).toEqual({ ok: true, apps: [] });
    const load = parseComputeAppsCsv(sections.get('load :: query-compute-apps (per-process)') ?? 'missing');
    expect(load.ok && load.apps.map((app) => app.pid)).toEqual([11327, 11328, 11345]);
  });

  it('reads noheader,nounits output, keeps a process name containing ", " whole, and nulls [N/A] memory', () => {
    const csv = 'GPU-aa, 00000000:81:00.0, 100477, /opt/odd, name/llama-server, 22430\nGPU-bb, 00000000:C1:00.0, 42, python, [N/A]\n';
    expect(parseComputeAppsCsv(csv)).toEqual({
      ok: true,
      apps: [
        { gpuUuid: 'GPU-aa', gpuBusId: '00000000:81:00.0', pid: 100477, processName: '/opt/odd, name/llama-server', usedMemoryMiB: 22430 },
        { gpuUuid: 'GPU-bb', gpuBusId: '00000000:C1:00.0', pid: 42, processName: 'python', usedMemoryMiB: null },
      ],
    });
  });

  it('treats empty output and "No running processes found" as no processes', () => {
    expect(parseComputeAppsCsv('')).toEqual({ ok: true, apps: [] });
    expect(parseComputeAppsCsv('No running processes found\n')).toEqual({ ok: true, apps: [] });
  });

  it('returns malformed for too few columns or a bad pid', () => {
    expect(parseComputeAppsCsv('GPU-aa, 00000000:81:00.0\n')).toMatchObject({ ok: false, state: 'malformed' });
    expect(parseComputeAppsCsv('GPU-aa, 00000000:81:00.0, abc, python, 10\n')).toMatchObject({ ok: false, state: 'malformed' });
  });
});

describe('classifyNvidiaSmiFailure', () => {
  it('classifies the driver-not-loaded capture, whatever the non-zero exit code', () => {
    const stdout = fixture('failure_driver-not-loaded.txt');
    for (const exitCode of [9, 255, 1]) {
      const failure = classifyNvidiaSmiFailure({ exitCode, stdout, stderr: '' });
      expect(failure.state).toBe('driver-not-loaded');
      expect(failure.message).toMatch(/could not communicate with the NVIDIA driver/);
      expect(failure.message).toMatch(/rebuild the NVIDIA driver|modprobe nvidia/);
      expect(failure.detail).toBe(stdout.trim());
      expect(failure.exitCode).toBe(exitCode);
    }
  });

  it('classifies the module-missing capture, split into its streams or pasted together', () => {
    const text = fixture('failure_driver-module-missing_with-modprobe-stderr.txt');
    const [modprobeLine = '', smiLine = ''] = text.split('\n');
    for (const outcome of [
      { exitCode: 9, stdout: `${smiLine}\n`, stderr: `${modprobeLine}\n` },
      { exitCode: 9, stdout: text, stderr: '' },
    ]) {
      const failure = classifyNvidiaSmiFailure(outcome);
      expect(failure.state).toBe('driver-not-loaded');
      expect(failure.message).toMatch(/no nvidia kernel module for the running kernel/);
    }
  });

  it('says which path to fix when the executable is missing', () => {
    const enoent = { code: 'ENOENT', message: 'spawn /opt/x/nvidia-smi ENOENT' };
    const fromEnv = classifyNvidiaSmiFailure({ exitCode: null, stdout: '', stderr: '', error: enoent, executable: '/opt/x/nvidia-smi', executableSource: 'env' });
    expect(fromEnv).toMatchObject({ state: 'not-installed', message: expect.stringContaining('AIRLOCK_NVIDIA_SMI is set to "/opt/x/nvidia-smi"') });
    const fromSetting = classifyNvidiaSmiFailure({ exitCode: null, stdout: '', stderr: '', error: enoent, executable: '/opt/x/nvidia-smi', executableSource: 'setting' });
    expect(fromSetting.message).toMatch(/path in Settings/);
    const byDefault = classifyNvidiaSmiFailure({ exitCode: null, stdout: '', stderr: '', error: enoent, executableSource: 'default' });
    expect(byDefault.message).toMatch(/not found on PATH.*Install the NVIDIA driver/);
  });

  it('classifies a timeout, with the limit in the message', () => {
    const failure = classifyNvidiaSmiFailure({ exitCode: null, signal: 'SIGKILL', stdout: '', stderr: '', timedOut: true, timeoutMs: 5000 });
    expect(failure).toMatchObject({ state: 'timeout', message: expect.stringContaining('within 5000 ms') });
  });

  it('classifies permission problems: not executable, and NVML refusing access', () => {
    expect(classifyNvidiaSmiFailure({ exitCode: null, stdout: '', stderr: '', error: { code: 'EACCES' } }).state).toBe('permission');
    expect(classifyNvidiaSmiFailure({ exitCode: 4, stdout: 'Failed to initialize NVML: Insufficient Permissions\n', stderr: '' }).state).toBe('permission');
  });

  it('classifies no devices, a driver/library mismatch, an oversized output and an unknown error', () => {
    expect(classifyNvidiaSmiFailure({ exitCode: 6, stdout: 'No devices were found\n', stderr: '' }).state).toBe('no-devices');
    const mismatch = classifyNvidiaSmiFailure({ exitCode: 18, stdout: 'Failed to initialize NVML: Driver/library version mismatch\n', stderr: '' });
    expect(mismatch).toMatchObject({ state: 'driver-not-loaded', message: expect.stringContaining('Reboot') });
    expect(classifyNvidiaSmiFailure({ exitCode: null, stdout: '', stderr: '', outputTooLarge: true }).state).toBe('malformed');
    const other = classifyNvidiaSmiFailure({ exitCode: 255, stdout: '', stderr: 'Unknown Error\n', executable: 'nvidia-smi' });
    expect(other).toMatchObject({ state: 'failed', exitCode: 255, detail: 'Unknown Error' });
    expect(other.message).toMatch(/exited with code 255: Unknown Error\. Run "nvidia-smi -q"/);
  });

  it('never puts more than a few hundred characters of output in the detail', () => {
    const failure = classifyNvidiaSmiFailure({ exitCode: 3, stdout: '', stderr: 'x'.repeat(100_000) });
    expect(failure.detail?.length).toBeLessThanOrEqual(301);
  });
});
