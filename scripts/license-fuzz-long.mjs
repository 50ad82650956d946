#!/usr/bin/env node
// The long tamper test (reliability.md §2, L1, full run): every byte position of a valid license
// file × all 255 other byte values, for an LF and a CRLF file. None may verify. The CI test
// (test/unit/core/license/license-robustness.test.ts) samples 3 values per position; this runs all.
//
//   npx node scripts/license-fuzz-long.mjs            (about 0.5 M verifications; a minute or so)
//   npx node scripts/license-fuzz-long.mjs --lf-only  (half of that)
//
// Exit status: 0 when every mutation was rejected, 1 when any was accepted (each one is listed).
import { readFileSync } from 'node:fs';
import './register-ts-hooks.mjs';

const { generateLicenseKeyPair, signLicense } = await import('../electron/core/license/sign-license.ts');
const { verifyLicense } = await import('../electron/core/license/verify-license.ts');
const { hashHardwareComponent } = await import('../electron/core/license/hardware-binding.ts');

const REJECTED = new Set(['malformed', 'bad-signature', 'unknown-key', 'unsupported-version', 'unsupported-algorithm']);
const kid = 'airlock-fuzz';
const { privateKeyPem, publicKeyPem } = generateLicenseKeyPair();
// The sample payload the tests sign (valid 2026-01-01 → 2036-01-01), bound to hardware.
const payload = {
  ...JSON.parse(readFileSync(new URL('../test/fixtures/license/sample-payload.json', import.meta.url), 'utf8')),
  hardware: {
    machineIdHash: hashHardwareComponent('machine-id', '0123456789abcdef0123456789abcdef'),
    gpuUuidHashes: ['GPU-1', 'GPU-2', 'GPU-3'].map((id) => hashHardwareComponent('gpu-uuid', id)),
    required: 3,
  },
};
const hardware = {
  machineIdHash: payload.hardware.machineIdHash,
  gpuUuidHashes: ['GPU-1', 'GPU-2', 'GPU-3'].map((id) => hashHardwareComponent('gpu-uuid', id)),
};
const options = {
  trustedKeys: [{ kid, isTestKey: false, publicKeyPem }],
  isProductionBuild: true,
  now: Date.parse('2026-06-01T00:00:00Z'),
  hardware,
};

const license = signLicense({ payload, kid, privateKey: privateKeyPem });
const files = [['LF', Buffer.from(license, 'ascii')]];
if (!process.argv.includes('--lf-only')) files.push(['CRLF', Buffer.from(license.replace(/\n/g, '\r\n'), 'ascii')]);

let failures = 0;
let total = 0;
const states = new Map();
const started = process.hrtime.bigint();
for (const [name, file] of files) {
  const baseline = verifyLicense(file, options).state;
  if (baseline !== 'valid') throw new Error(`the ${name} baseline is ${baseline}, not valid`);
  const mutated = Buffer.from(file);
  for (let i = 0; i < file.length; i += 1) {
    const original = file[i];
    for (let value = 0; value < 256; value += 1) {
      if (value === original) continue;
      mutated[i] = value;
      const { state } = verifyLicense(mutated, options);
      states.set(state, (states.get(state) ?? 0) + 1);
      total += 1;
      if (!REJECTED.has(state)) {
        failures += 1;
        console.error(`ACCEPTED: ${name} file, byte ${i} 0x${original.toString(16)} → 0x${value.toString(16)}: ${state}`);
      }
    }
    mutated[i] = original;
    if (i % 200 === 0) process.stderr.write(`\r${name}: ${i}/${file.length} positions`);
  }
  process.stderr.write(`\r${name}: ${file.length}/${file.length} positions\n`);
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(`${total} mutations of ${files.map(([n, f]) => `${n} ${f.length} B`).join(', ')} in ${seconds.toFixed(1)} s (${((seconds / total) * 1e6).toFixed(1)} µs each)`);
console.log(`states: ${[...states].map(([s, n]) => `${s} ${n}`).join(', ')}`);
console.log(failures === 0 ? 'OK: no mutation verified' : `FAIL: ${failures} mutations verified`);
process.exitCode = failures === 0 ? 0 : 1;
