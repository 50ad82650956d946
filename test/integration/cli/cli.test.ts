import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA_VERSION } from '../../../electron/core/store/migrations';
import { type RunningServe, runCli, startServe } from '../../helpers/cli';
import { useTempDir } from '../../helpers/temp-dir';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('airlock CLI', () => {
  const tempDir = useTempDir();
  const running: RunningServe[] = [];
  afterEach(async () => {
    for (const serve of running.splice(0)) await serve.stop('SIGKILL');
  });

  it('--help describes every command and the exit codes', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/serve\s+.*browser console/);
    expect(result.stdout).toMatch(/status\s+.*store health/);
    expect(result.stdout).toContain('Exit codes');
    const serveHelp = await runCli(['serve', '--help']);
    for (const flag of ['--host', '--port', '--data-dir', '--tls-cert', '--tls-key', 'AIRLOCK_HOST', 'AIRLOCK_PORT', 'AIRLOCK_DATA_DIR']) {
      expect(serveHelp.stdout).toContain(flag);
    }
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const result = await runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(new RegExp(`^${pkg.version.replace(/\./g, '\\.')} \\(`));
  });

  it('an unknown command or a bad port is a usage error (exit 2)', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const badPort = await runCli(['serve', '--port', 'eighty', '--data-dir', tempDir()]);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('"eighty" is not a port number');
  });

  it('serve --host 0.0.0.0 without TLS refuses, says how to proceed, and creates nothing', async () => {
    const dataDir = join(tempDir(), 'data');
    const result = await runCli(['serve', '--host', '0.0.0.0', '--data-dir', dataDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Refusing to listen on 0.0.0.0 without TLS');
    expect(result.stderr).toContain('--tls-cert FILE and --tls-key FILE');
    expect(result.stderr).toContain('ssh -L');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('the same refusal through AIRLOCK_HOST', async () => {
    const result = await runCli(['serve', '--data-dir', tempDir()], { env: { AIRLOCK_HOST: '0.0.0.0' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('without TLS');
  });

  it('refuses a config.db with a newer schema version and leaves it byte-identical', async () => {
    const dataDir = tempDir();
    const path = join(dataDir, 'config.db');
    const db = new Database(path);
    db.exec("CREATE TABLE from_the_future (x); INSERT INTO from_the_future VALUES ('keep me')");
    db.pragma(`user_version = ${CONFIG_SCHEMA_VERSION + 1}`);
    db.close();
    const before = sha256(path);
    const files = readdirSync(dataDir).sort();

    const result = await runCli(['serve', '--data-dir', dataDir, '--port', '0']);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`schema version ${CONFIG_SCHEMA_VERSION + 1}`);
    expect(result.stderr).toContain('has not been touched');
    expect(sha256(path)).toBe(before);
    expect(readdirSync(dataDir).sort()).toEqual(files);
  });

  it('status with no core running says so and exits 3 (and as JSON with --json)', async () => {
    const dataDir = tempDir();
    const human = await runCli(['status', '--data-dir', dataDir]);
    expect(human.code).toBe(3);
    expect(human.stderr).toContain(`No Airlock core is running for ${dataDir}`);
    const json = await runCli(['status', '--data-dir', dataDir, '--json']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'CORE_NOT_RUNNING', data: { dataDir } } });
  });

  it('serve runs the core; status talks to it over the socket; a second serve on the same data is refused; SIGTERM stops cleanly', async () => {
    const dataDir = tempDir();
    const serve = await startServe(dataDir);
    running.push(serve);
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(serve.token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const status = await runCli(['status', '--data-dir', dataDir, '--json']);
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.stdout) as { info: { mode: string; pid: number }; status: { dataDir: string }; store: { isHealthy: boolean; journalMode: string } };
    expect(parsed.info.mode).toBe('console');
    expect(parsed.info.pid).toBe(serve.child.pid);
    expect(parsed.status.dataDir).toBe(dataDir);
    expect(parsed.store).toMatchObject({ isHealthy: true, journalMode: 'wal' });

    const human = await runCli(['status', '--data-dir', dataDir]);
    expect(human.stdout).toContain('config.db   healthy');

    const second = await runCli(['serve', '--data-dir', dataDir, '--port', '0']);
    expect(second.code).toBe(4);
    expect(second.stderr).toContain('Another Airlock core is already running');

    expect(await serve.stop('SIGTERM')).toBe(0);
    expect(existsSync(join(dataDir, 'airlock.sock'))).toBe(false);
    // The token is never written to the data directory.
    for (const file of readdirSync(dataDir, { recursive: true, withFileTypes: true })) {
      if (file.isFile()) expect(readFileSync(join(file.parentPath, file.name)).includes(serve.token), file.name).toBe(false);
    }
  });

  it('after a killed core, the next serve takes over the stale socket', async () => {
    const dataDir = tempDir();
    const first = await startServe(dataDir);
    await first.stop('SIGKILL');
    expect(existsSync(join(dataDir, 'airlock.sock'))).toBe(true);
    const second = await startServe(dataDir);
    running.push(second);
    expect((await runCli(['status', '--data-dir', dataDir])).code).toBe(0);
  });
});
