import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServe, runCli, startServe } from '../../helpers/cli';
import { useTempDir } from '../../helpers/temp-dir';

const SAMPLE = join(process.cwd(), 'test/fixtures/license/sample-valid.airlock-license');

/** Flips one character of the base64 body: the signature must no longer verify. */
function tamper(text: string): string {
  const lines = text.split('\n');
  const body = lines[2]!;
  lines[2] = `${body.slice(0, 10)}${body[10] === 'A' ? 'B' : 'A'}${body.slice(11)}`;
  return lines.join('\n');
}

describe('airlock license', () => {
  const tempDir = useTempDir();
  const running: RunningServe[] = [];
  afterEach(async () => {
    for (const serve of running.splice(0)) await serve.stop();
  });

  it('verify: exit 0 for the sample (test key, development build), a class code per failure', async () => {
    const valid = await runCli(['license', 'verify', SAMPLE, '--json']);
    expect(valid.code).toBe(0);
    expect(JSON.parse(valid.stdout)).toMatchObject({ state: 'valid', details: { licenseId: 'AL-TEST-0001', isTestKey: true } });

    const dir = tempDir();
    const tampered = join(dir, 'tampered.airlock-license');
    writeFileSync(tampered, tamper(readFileSync(SAMPLE, 'latin1')), 'latin1');
    const bad = await runCli(['license', 'verify', tampered]);
    expect([15, 17]).toContain(bad.code);

    const truncated = join(dir, 'truncated.airlock-license');
    writeFileSync(truncated, readFileSync(SAMPLE).subarray(0, 200));
    expect((await runCli(['license', 'verify', truncated])).code).toBe(17);

    const missing = await runCli(['license', 'verify', join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Cannot read the license file');
    // Nothing of the file is ever echoed back.
    expect(bad.stdout + bad.stderr).not.toContain(readFileSync(SAMPLE, 'latin1').split('\n')[2]!.slice(0, 40));
  });

  it('show and install through the running core: evaluation, refusal of a bad file, then valid with history', async () => {
    const dataDir = tempDir();
    running.push(await startServe(dataDir));
    const before = await runCli(['license', 'show', '--json', '--data-dir', dataDir]);
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout)).toMatchObject({ state: 'evaluation', daysLeft: 30, history: [] });

    const tampered = join(dataDir, 'tampered.airlock-license');
    writeFileSync(tampered, tamper(readFileSync(SAMPLE, 'latin1')), 'latin1');
    const refused = await runCli(['license', 'install', tampered, '--data-dir', dataDir]);
    expect([15, 17]).toContain(refused.code);
    expect(refused.stderr).toContain('The license was not installed');

    const installed = await runCli(['license', 'install', SAMPLE, '--data-dir', dataDir]);
    expect(installed.code).toBe(0);
    expect(installed.stdout).toContain('Installed.');
    const after = JSON.parse((await runCli(['license', 'show', '--json', '--data-dir', dataDir])).stdout) as { state: string; history: { licenseId: string; isActive: boolean }[] };
    expect(after.state).toBe('valid');
    expect(after.history).toEqual([expect.objectContaining({ licenseId: 'AL-TEST-0001', isActive: true })]);
  });

  it('install with no core running says so (exit 3)', async () => {
    const result = await runCli(['license', 'install', SAMPLE, '--data-dir', tempDir()]);
    expect(result.code).toBe(3);
  });

  it('fingerprint prints hashes, never the raw machine-id', async () => {
    const result = await runCli(['license', 'fingerprint', '--json']);
    expect(result.code).toBe(0);
    const fingerprint = JSON.parse(result.stdout) as { machineIdHash: string | null };
    let machineId = '';
    try {
      machineId = readFileSync('/etc/machine-id', 'utf8').trim();
    } catch {
      // No machine-id on this host: the hash is null.
    }
    if (machineId) {
      expect(fingerprint.machineIdHash).toMatch(/^[0-9a-f]{64}$/);
      expect(result.stdout).not.toContain(machineId);
    } else {
      expect(fingerprint.machineIdHash).toBeNull();
    }
  });
});
