#!/usr/bin/env node
// Verification time per license (reliability.md §2, L6: target < 5 ms) and per malformed input
// (L8: each of the 100k fuzzed inputs answered within 50 ms).
//
//   npx node scripts/bench-license.mjs [--runs N]
//
// Prints the first (cold: key import, JIT) verification and the distribution over N warm ones,
// for a plain license and one bound to hardware; then the slowest answer per family of the fuzzed
// inputs the robustness test uses. Exit status 1 when a target is missed.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import './register-ts-hooks.mjs';

const { generateLicenseKeyPair, signLicense } = await import('../electron/core/license/sign-license.ts');
const { verifyLicense } = await import('../electron/core/license/verify-license.ts');
const { hashHardwareComponent } = await import('../electron/core/license/hardware-binding.ts');

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5000' } } });
const runs = Number(values.runs);
const TARGET_MS = 5;
const kid = 'airlock-bench';
const { privateKeyPem, publicKeyPem } = generateLicenseKeyPair();
// The same sample payload the tests sign (valid 2026-01-01 → 2036-01-01).
const base = JSON.parse(readFileSync(new URL('../test/fixtures/license/sample-payload.json', import.meta.url), 'utf8'));
const gpus = Array.from({ length: 8 }, (_, i) => `GPU-0000000${i}`);
const hardware = { machineIdHash: hashHardwareComponent('machine-id', 'm'), gpuUuidHashes: gpus.map((g) => hashHardwareComponent('gpu-uuid', g)) };
const cases = [
  ['plain', signLicense({ payload: base, kid, privateKey: privateKeyPem })],
  ['bound to 1 + 8 GPUs', signLicense({ payload: { ...base, hardware: { ...hardware, required: 8 } }, kid, privateKey: privateKeyPem })],
];

let worst = 0;
for (const [name, license] of cases) {
  // A fresh key object per case, so the first call includes the key import as in a real start.
  const options = { trustedKeys: [{ kid, isTestKey: false, publicKeyPem }], isProductionBuild: true, now: Date.parse('2026-06-01T00:00:00Z'), hardware };
  let t = performance.now();
  const first = verifyLicense(license, options);
  const coldMs = performance.now() - t;
  if (first.state !== 'valid') throw new Error(`${name}: ${first.state}`);
  const samples = new Float64Array(runs);
  for (let i = 0; i < runs; i += 1) {
    t = performance.now();
    verifyLicense(license, options);
    samples[i] = performance.now() - t;
  }
  samples.sort();
  const pick = (q) => samples[Math.min(runs - 1, Math.floor(q * runs))];
  const mean = samples.reduce((a, b) => a + b, 0) / runs;
  worst = Math.max(worst, pick(0.99));
  console.log(
    `${name} (${license.length} B): cold ${coldMs.toFixed(3)} ms; warm over ${runs}: mean ${mean.toFixed(3)} ms, ` +
      `p50 ${pick(0.5).toFixed(3)} ms, p99 ${pick(0.99).toFixed(3)} ms, max ${samples[runs - 1].toFixed(3)} ms`,
  );
}
console.log(worst < TARGET_MS ? `OK: p99 under ${TARGET_MS} ms` : `FAIL: p99 ${worst.toFixed(3)} ms ≥ ${TARGET_MS} ms`);

// L8: the fuzzed inputs of test/unit/core/license/license-robustness.test.ts, timed one by one.
const FUZZ_TARGET_MS = 50;
const kit = await import('../test/unit/core/license/license-test-kit.ts');
const { fuzzFamilies } = await import('../test/unit/core/license/license-fuzz-inputs.ts');
const fuzzOptions = kit.options();
let slowest = 0;
let count = 0;
for (const { name, count: n, generate } of fuzzFamilies(kit.issue(kit.basePayload({ hardware: undefined })))) {
  let familyMax = 0;
  for (let i = 0; i < n; i += 1) {
    const input = generate();
    const t = performance.now();
    const { state } = verifyLicense(input, fuzzOptions);
    const ms = performance.now() - t;
    if (state !== 'malformed') throw new Error(`${name} #${i} answered ${state}`);
    familyMax = Math.max(familyMax, ms);
  }
  count += n;
  slowest = Math.max(slowest, familyMax);
  console.log(`fuzzed ${name} (${n}): slowest ${familyMax.toFixed(3)} ms`);
}
console.log(slowest < FUZZ_TARGET_MS ? `OK: all ${count} fuzzed inputs answered malformed, each within ${FUZZ_TARGET_MS} ms` : `FAIL: slowest fuzzed input ${slowest.toFixed(3)} ms ≥ ${FUZZ_TARGET_MS} ms`);
process.exitCode = worst < TARGET_MS && slowest < FUZZ_TARGET_MS ? 0 : 1;
