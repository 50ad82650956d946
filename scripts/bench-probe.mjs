#!/usr/bin/env node
// Cost of the GPU probe in the core (issue 3: "under 1 % of one core at the default interval").
//
//   npx node scripts/bench-probe.mjs [--seconds 60] [--interval 2000]
//
// 1. Parsing alone: the 2-GPU XML inventory and an 8-GPU telemetry CSV, many times.
// 2. The live loop as the core runs it: one nvidia-smi telemetry call per tick, never overlapping,
//    against test/doubles/fake-nvidia-smi (a 2-GPU capture). It reports the wall time per tick
//    (mostly nvidia-smi itself) and the CPU this process spends: process.cpuUsage() counts only
//    this process, not the nvidia-smi children, which is what "the probe costs the core" means.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import './register-ts-hooks.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { parseNvidiaSmiXml, parseTelemetryCsv, TELEMETRY_QUERY_FIELDS } = await import('../electron/core/probe/parse-nvidia-smi.ts');
const { createNvidiaSmiProbe } = await import('../electron/core/probe/nvidia-smi-probe.ts');

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, interval: { type: 'string', default: '2000' } } });
const seconds = Number(values.seconds);
const intervalMs = Number(values.interval);
const xmlPath = join(root, 'test/fixtures/nvidia-smi/xml_2gpu_rtx-a5000_driver-590.44.01_schema-v13.xml');

function timeIt(label, runs, fn) {
  for (let i = 0; i < Math.min(50, runs); i += 1) fn();
  const started = process.hrtime.bigint();
  for (let i = 0; i < runs; i += 1) fn();
  const perRunUs = Number(process.hrtime.bigint() - started) / 1000 / runs;
  console.log(`  ${label}: ${perRunUs.toFixed(1)} µs per parse (${runs} runs)`);
  return perRunUs;
}

console.log('Parsing');
const xml = readFileSync(xmlPath, 'utf8');
timeIt('nvidia-smi -q -x, 2 GPUs (94 KB)', 300, () => parseNvidiaSmiXml(xml));
const row = (i) =>
  TELEMETRY_QUERY_FIELDS.map((field) => {
    if (field === 'index') return String(i);
    if (field === 'uuid') return `GPU-0000000${i}-aaaa-bbbb-cccc-0123456789ab`;
    if (field === 'pci.bus_id') return `00000000:${(0x10 + i).toString(16)}:00.0`;
    if (field === 'name') return 'NVIDIA H100 80GB HBM3';
    return String(10 + i);
  }).join(', ');
const csv = `${Array.from({ length: 8 }, (_, i) => row(i)).join('\n')}\n`;
timeIt('--query-gpu CSV, 8 GPUs', 5000, () => parseTelemetryCsv(csv));

console.log(`Live loop: ${seconds} s at one tick every ${intervalMs} ms (fake nvidia-smi, 2 GPUs)`);
process.env.FAKE_NVIDIA_SMI_MODE = 'capture';
process.env.FAKE_NVIDIA_SMI_XML = xmlPath;
const probe = createNvidiaSmiProbe({ executable: join(root, 'test/doubles/fake-nvidia-smi'), timeoutMs: 5000 });
const tickWallMs = [];
const tickCpuMs = [];
const cpuStart = process.cpuUsage();
const wallStart = performance.now();
let failures = 0;
while (performance.now() - wallStart < seconds * 1000) {
  const cpuBefore = process.cpuUsage();
  const before = performance.now();
  const result = await probe.telemetry();
  tickWallMs.push(performance.now() - before);
  const cpu = process.cpuUsage(cpuBefore);
  tickCpuMs.push((cpu.user + cpu.system) / 1000);
  if (!result.ok) failures += 1;
  await new Promise((resolve) => setTimeout(resolve, intervalMs));
}
const wallMs = performance.now() - wallStart;
const cpu = process.cpuUsage(cpuStart);
await probe.dispose();

const sorted = (list) => [...list].sort((a, b) => a - b);
const pct = (list, p) => sorted(list)[Math.min(list.length - 1, Math.floor((p / 100) * list.length))];
const cpuPercent = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
console.log(`  ticks: ${tickWallMs.length} (${failures} failed)`);
console.log(`  wall per tick (spawn + nvidia-smi + parse): p50 ${pct(tickWallMs, 50).toFixed(1)} ms, p99 ${pct(tickWallMs, 99).toFixed(1)} ms`);
console.log(`  core CPU per tick: p50 ${pct(tickCpuMs, 50).toFixed(2)} ms, p99 ${pct(tickCpuMs, 99).toFixed(2)} ms`);
console.log(`  core CPU over the run: ${cpuPercent.toFixed(3)} % of one core (target < 1 %)`);
process.exitCode = cpuPercent < 1 && failures === 0 ? 0 : 1;
