// The vendor CLI, run as the vendor runs it: a Node 24 process on scripts/issue-license.mjs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyLicense } from '../../../../electron/core/license/verify-license';
import { at, basePayload, ROOT } from './license-test-kit';

const SCRIPT = path.join(ROOT, 'scripts/issue-license.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'airlock-issue-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('scripts/issue-license.mjs', () => {
  it('prints help', () => {
    const result = run('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/keygen --kid KID --out DIR/);
    expect(result.stdout).toMatch(/sign --key PRIVATE.pem --kid KID --payload payload.json/);
  });

  it('generates a key pair (private 0600), signs a payload, and the appliance verifies it', () => {
    const keygen = run('keygen', '--kid', 'vendor-unit-1', '--out', dir);
    expect(keygen.status, keygen.stderr).toBe(0);
    const privatePath = path.join(dir, 'vendor-unit-1.key.pem');
    expect(statSync(privatePath).mode & 0o777).toBe(0o600);
    const privatePem = readFileSync(privatePath, 'utf8');
    expect(keygen.stdout + keygen.stderr).not.toContain(privatePem.split('\n')[1]);
    expect(run('keygen', '--kid', 'vendor-unit-1', '--out', dir).status).toBe(1);

    const payloadPath = path.join(dir, 'payload.json');
    writeFileSync(payloadPath, JSON.stringify(basePayload(), null, 2));
    const signed = run('sign', '--key', privatePath, '--kid', 'vendor-unit-1', '--payload', payloadPath);
    expect(signed.status, signed.stderr).toBe(0);
    expect(signed.stdout.startsWith('-----BEGIN AIRLOCK LICENSE-----\n')).toBe(true);
    expect(signed.stderr).not.toContain(signed.stdout.split('\n')[1]);
    const publicKeyPem = readFileSync(path.join(dir, 'vendor-unit-1.pub.pem'), 'utf8');
    const status = verifyLicense(signed.stdout, {
      trustedKeys: [{ kid: 'vendor-unit-1', isTestKey: false, publicKeyPem }],
      isProductionBuild: true,
      now: at('2026-06-01T00:00:00Z'),
    });
    expect(status).toMatchObject({ state: 'valid', licenseId: 'AL-2026-0042' });
  });

  it('refuses an invalid payload, printing the fields and no license', () => {
    const payloadPath = path.join(dir, 'bad.json');
    const { licensee: _licensee, ...rest } = basePayload();
    writeFileSync(payloadPath, JSON.stringify({ ...rest, graceDays: -1 }));
    const result = run('sign', '--key', path.join(ROOT, 'test/fixtures/license/airlock-test-2026.key.pem'), '--kid', 'airlock-test-2026', '--payload', payloadPath);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/licensee: invalid_type/);
    expect(result.stderr).toMatch(/graceDays: too_small/);
  });

  it('answers usage errors with exit status 2', () => {
    expect(run('sign', '--kid', 'x').status).toBe(2);
    expect(run('frobnicate').status).toBe(2);
    expect(run('keygen', '--kid', 'bad kid', '--out', dir).status).toBe(2);
    expect(run('sign', '--unknown').status).toBe(2);
  });

  it('hashes hardware ids the way the appliance does', () => {
    const result = run('hash-hardware', '--machine-id', '0123456789abcdef0123456789abcdef', '--gpu', 'GPU-1', '--gpu', 'GPU-2');
    expect(result.status).toBe(0);
    const binding = JSON.parse(result.stdout) as { machineIdHash: string; gpuUuidHashes: string[] };
    expect(binding.machineIdHash).toBe('aaac7613439eb4d0669c633ce6b07ba8045065f44bbcc1d2b45bf4ee6f269a5d');
    expect(binding.gpuUuidHashes).toHaveLength(2);
  });
});
