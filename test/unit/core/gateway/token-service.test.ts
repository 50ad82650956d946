import { createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createTokenService } from '../../../../electron/core/gateway/token-service';
import { createLogger, silentLogger } from '../../../../electron/core/logger';
import { SecretStore } from '../../../../electron/core/secrets/secret-store';
import { createAuditTrail } from '../../../../electron/core/store/audit-trail';
import { type ConfigDb, openConfigDb } from '../../../../electron/core/store/config-db';
import { createGatewayRepo } from '../../../../electron/core/store/gateway-repo';
import { AIRLOCK_TOKEN_AUDIENCE, AIRLOCK_TOKEN_ISSUER, AIRLOCK_TOKEN_TYPE, gatewayConfigSchema } from '../../../../electron/shared/gateway/config';
import type { MintTokenInput } from '../../../../electron/shared/gateway/tokens';
import { manualClock, useTempDir } from '../../../helpers/temp-dir';

const HOUR = 3_600_000;
const DAY = 86_400_000;

describe('token service', () => {
  const tempDir = useTempDir();
  const opened: ConfigDb[] = [];
  afterEach(() => {
    for (const store of opened.splice(0)) store.close();
  });

  function setup(options: { dir?: string } = {}) {
    const dir = options.dir ?? tempDir();
    const clock = manualClock();
    const dbPath = join(dir, 'config.db');
    const store = openConfigDb({ path: dbPath, clock, logger: silentLogger });
    opened.push(store);
    const secrets = SecretStore.open(join(dir, 'secrets.key'));
    const audit = createAuditTrail(store.db);
    const repo = createGatewayRepo(store.db);
    const logLines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (line) => void logLines.push(line) });
    const service = createTokenService({ repo, secrets, audit, clock, logger });
    return { dir, dbPath, clock, store, secrets, audit, repo, service, logLines };
  }

  const input = (overrides: Partial<MintTokenInput> = {}): MintTokenInput => ({ label: 'ci-pipeline', scopes: ['openai'], expires: '30d', ...overrides });

  /** Every byte SQLite wrote: the database and its write-ahead log. */
  const dbBytes = (dbPath: string) => Buffer.concat([dbPath, `${dbPath}-wal`].filter((p) => existsSync(p)).map((p) => readFileSync(p)));

  it('mints a token that verifies with the public key the gateway is given', async () => {
    const { service, clock } = setup();
    const { token, view } = await service.mint(input({ label: '  alice laptop ', scopes: ['duo_chat', 'openai', 'complete_code'] }), 'cli');
    const { keys } = service.gatewayView();
    expect(keys).toHaveLength(1);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'EdDSA', typ: AIRLOCK_TOKEN_TYPE, kid: keys[0]!.kid });

    const publicKey = await importJWK(keys[0]!.jwk, 'EdDSA');
    const { payload } = await jwtVerify(token, publicKey, {
      algorithms: ['EdDSA'],
      typ: AIRLOCK_TOKEN_TYPE,
      issuer: AIRLOCK_TOKEN_ISSUER,
      audience: AIRLOCK_TOKEN_AUDIENCE,
      currentDate: new Date(clock.now()),
    });
    expect(payload).toMatchObject({
      jti: view.id,
      sub: `token:${view.id}`,
      label: 'alice laptop',
      scopes: ['openai', 'complete_code', 'duo_chat'],
      iat: Math.floor(clock.now() / 1000),
      exp: Math.floor((clock.now() + 30 * DAY) / 1000),
    });
    expect(view).toEqual({
      id: view.id,
      label: 'alice laptop',
      scopes: ['openai', 'complete_code', 'duo_chat'],
      last4: token.slice(-4),
      createdAt: new Date(clock.now()).toISOString(),
      createdBy: 'cli',
      expiresAt: new Date(clock.now() + 30 * DAY).toISOString(),
      revokedAt: null,
      state: 'active',
    });
    expect(view.id).toMatch(/^[a-z0-9]{8,40}$/);
  });

  it('does not verify with another audience, issuer or type', async () => {
    const { service, clock } = setup();
    const { token } = await service.mint(input(), 'cli');
    const publicKey = await importJWK(service.gatewayView().keys[0]!.jwk, 'EdDSA');
    const base = { algorithms: ['EdDSA'], currentDate: new Date(clock.now()) };
    await expect(jwtVerify(token, publicKey, { ...base, audience: 'gitlab-ai-gateway' })).rejects.toThrow();
    await expect(jwtVerify(token, publicKey, { ...base, issuer: 'gitlab' })).rejects.toThrow();
    await expect(jwtVerify(token, publicKey, { ...base, typ: 'JWT' })).rejects.toThrow();
  });

  it('gives the gateway a view its configuration schema accepts', async () => {
    const { service } = setup();
    await service.mint(input(), 'cli');
    expect(gatewayConfigSchema.shape.airlockTokens.safeParse(service.gatewayView()).success).toBe(true);
  });

  it('stores the token nowhere: not in config.db, its log, the audit trail or the log lines', async () => {
    const { service, dbPath, audit, store, logLines } = setup();
    const minted = [await service.mint(input(), 'cli'), await service.mint(input({ label: 'second' }), 'console')];
    service.revoke(minted[0]!.view.id, 'cli');
    const bytes = dbBytes(dbPath);
    const entries = JSON.stringify(audit.recent(100));
    const rows = JSON.stringify(store.db.prepare('SELECT * FROM gateway_tokens').all());
    // The scan does see what is stored (ids, labels): a miss below means the token is not there.
    expect(bytes.includes(Buffer.from(minted[1]!.view.id))).toBe(true);
    for (const { token } of minted) {
      const signature = token.split('.')[2]!;
      expect(bytes.includes(Buffer.from(token))).toBe(false);
      expect(bytes.includes(Buffer.from(signature))).toBe(false);
      expect(bytes.includes(Buffer.from(signature, 'base64url'))).toBe(false);
      expect(entries).not.toContain(signature);
      expect(rows).not.toContain(signature);
      expect(logLines.join('')).not.toContain(signature);
    }
  });

  it('lists minted tokens with their last 4 characters', async () => {
    const { service } = setup();
    const { token, view } = await service.mint(input(), 'cli');
    expect(service.list()).toEqual([view]);
    expect(service.list()[0]!.last4).toBe(token.slice(-4));
  });

  it('audits each mint with the scopes, expiry and masked token, in an intact chain', async () => {
    const { service, audit } = setup();
    const { token, view } = await service.mint(input(), 'console');
    const [entry] = audit.recent(10);
    expect(entry).toMatchObject({
      actor: 'console',
      action: 'token.mint',
      target: `ci-pipeline (${view.id})`,
      changes: [
        { field: 'scopes', old: null, new: ['openai'] },
        { field: 'expiresAt', old: null, new: view.expiresAt },
        { field: 'token', old: null, new: `…${token.slice(-4)}` },
      ],
    });
    expect(audit.verify()).toEqual({ isIntact: true, count: 1 });
  });

  it('refuses an invalid label, scope list or expiry with TOKEN_INVALID naming the field, and stores nothing', async () => {
    const { service, audit, store } = setup();
    const cases: [Partial<MintTokenInput>, 'label' | 'scopes' | 'expires'][] = [
      [{ label: '  ' }, 'label'],
      [{ label: 'a\nb' }, 'label'],
      [{ label: 'x'.repeat(101) }, 'label'],
      [{ scopes: [] }, 'scopes'],
      [{ scopes: ['openai', 'admin'] }, 'scopes'],
      [{ expires: 'forever' }, 'expires'],
      [{ expires: '30m' }, 'expires'],
    ];
    for (const [overrides, field] of cases) {
      await expect(service.mint(input(overrides), 'cli')).rejects.toMatchObject({ code: 'TOKEN_INVALID', data: { field, message: expect.any(String) } });
    }
    expect(service.list()).toEqual([]);
    expect(audit.recent(10)).toEqual([]);
    // Not even a signing key is made for a refused mint.
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM gateway_keys').get()).toEqual({ n: 0 });
  });

  it('gives a lifetime between one hour and 365 days', async () => {
    const { service, clock } = setup();
    const longest = await service.mint(input({ expires: '365d' }), 'cli');
    expect(longest.view.expiresAt).toBe(new Date(clock.now() + 365 * DAY).toISOString());
    const shortest = await service.mint(input({ expires: '1h' }), 'cli');
    expect(shortest.view.expiresAt).toBe(new Date(clock.now() + HOUR).toISOString());
    await expect(service.mint(input({ expires: '366d' }), 'cli')).rejects.toMatchObject({ code: 'TOKEN_INVALID', data: { field: 'expires' } });
    await expect(service.mint(input({ expires: new Date(clock.now() + HOUR - 1000).toISOString() }), 'cli')).rejects.toMatchObject({ code: 'TOKEN_INVALID', data: { field: 'expires' } });
    await expect(service.mint(input({ expires: new Date(clock.now() + 365 * DAY + 1000).toISOString() }), 'cli')).rejects.toMatchObject({ code: 'TOKEN_INVALID', data: { field: 'expires' } });
  });

  it('stores an expiry with a fraction of a second as the JWT carries it (whole seconds)', async () => {
    const { service, clock } = setup();
    const at = clock.now() + 2 * DAY + 750;
    const { view } = await service.mint(input({ expires: new Date(at).toISOString() }), 'cli');
    expect(view.expiresAt).toBe(new Date(at - 750).toISOString());
    expect(service.gatewayView().active[0]!.expiresAt).toBe(Math.floor(at / 1000));
  });

  it('revokes once: idempotent, audited once, and gone from what the gateway accepts', async () => {
    const { service, audit, clock } = setup();
    const kept = await service.mint(input({ label: 'kept' }), 'cli');
    const { view } = await service.mint(input({ label: 'revoked' }), 'cli');
    expect(service.gatewayView().active.map((t) => t.id).sort()).toEqual([kept.view.id, view.id].sort());

    clock.advance(60_000);
    const first = service.revoke(view.id, 'console');
    expect(first).toMatchObject({ id: view.id, state: 'revoked', revokedAt: new Date(clock.now()).toISOString() });
    clock.advance(60_000);
    const second = service.revoke(view.id, 'cli');
    expect(second).toEqual(first);

    expect(service.gatewayView().active.map((t) => t.id)).toEqual([kept.view.id]);
    const revocations = audit.recent(10).filter((e) => e.action === 'token.revoke');
    expect(revocations).toHaveLength(1);
    expect(revocations[0]).toMatchObject({ actor: 'console', target: `revoked (${view.id})`, changes: [{ field: 'revokedAt', old: null, new: first.revokedAt }] });
    expect(audit.verify()).toMatchObject({ isIntact: true });
  });

  it('refuses to revoke an id it does not know', () => {
    const { service } = setup();
    expect(() => service.revoke('0123456789abcdef0123', 'cli')).toThrow(expect.objectContaining({ code: 'TOKEN_NOT_FOUND' }));
    expect(() => service.revoke(42, 'cli')).toThrow(expect.objectContaining({ code: 'TOKEN_NOT_FOUND', data: { id: '42' } }));
    expect(() => service.revoke(undefined, 'cli')).toThrow(expect.objectContaining({ code: 'TOKEN_NOT_FOUND' }));
  });

  it('drops expired tokens from what the gateway accepts as the clock passes', async () => {
    const { service, clock } = setup();
    const short = await service.mint(input({ label: 'short', expires: '2h' }), 'cli');
    const long = await service.mint(input({ label: 'long', expires: '30d' }), 'cli');
    clock.advance(2 * HOUR - 1);
    expect(service.gatewayView().active.map((t) => t.id).sort()).toEqual([short.view.id, long.view.id].sort());
    clock.advance(1);
    expect(service.gatewayView().active.map((t) => t.id)).toEqual([long.view.id]);
    expect(service.list().find((t) => t.id === short.view.id)?.state).toBe('expired');
    clock.advance(30 * DAY);
    expect(service.gatewayView().active).toEqual([]);
    expect(service.list().map((t) => t.state)).toEqual(['expired', 'expired']);
  });

  it('tells its listeners after a mint and a revocation, not after a refusal or a repeated revocation', async () => {
    const { service } = setup();
    let changes = 0;
    const subscription = service.onDidChange(() => void (changes += 1));
    const { view } = await service.mint(input(), 'cli');
    expect(changes).toBe(1);
    await expect(service.mint(input({ label: '' }), 'cli')).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    expect(changes).toBe(1);
    service.revoke(view.id, 'cli');
    expect(changes).toBe(2);
    service.revoke(view.id, 'cli');
    expect(changes).toBe(2);
    subscription.dispose();
    await service.mint(input(), 'cli');
    expect(changes).toBe(2);
  });

  it('makes the signing key once and signs every token with it, across restarts of the service', async () => {
    const { service, store, repo, secrets, audit, clock } = setup();
    const first = await service.mint(input(), 'cli');
    const second = await service.mint(input(), 'cli');
    const again = createTokenService({ repo, secrets, audit, clock, logger: silentLogger });
    const third = await again.mint(input(), 'cli');
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM gateway_keys').get()).toEqual({ n: 1 });
    const kid = service.gatewayView().keys[0]!.kid;
    for (const { token } of [first, second, third]) expect(decodeProtectedHeader(token).kid).toBe(kid);
    expect(again.gatewayView().keys).toEqual(service.gatewayView().keys);
  });

  it('keeps the signing key\'s private half encrypted, bound to its kid', async () => {
    const { service, store, secrets, dbPath } = setup();
    await service.mint(input(), 'cli');
    const row = store.db.prepare('SELECT kid, private_key_enc AS enc, public_jwk AS jwk FROM gateway_keys').get() as { kid: string; enc: string; jwk: string };
    expect(row.enc).toMatch(/^v1:/);
    const pkcs8 = secrets.decrypt(row.enc, `gateway-key:${row.kid}:private`);
    const privateKey = createPrivateKey({ key: Buffer.from(pkcs8, 'base64'), format: 'der', type: 'pkcs8' });
    // The stored private key is the one whose public half the gateway is given.
    expect(createPublicKey(privateKey).export({ format: 'jwk' }).x).toBe((JSON.parse(row.jwk) as { x: string }).x);
    expect(secrets.decrypt.bind(secrets, row.enc, 'gateway-key:airlock-other:private')).toThrow(expect.objectContaining({ code: 'SECRET_UNREADABLE' }));

    // Neither the PKCS#8 text nor the raw 32-byte Ed25519 seed is anywhere in the files.
    const der = Buffer.from(pkcs8, 'base64');
    const seed = der.subarray(der.length - 32);
    const bytes = dbBytes(dbPath);
    expect(bytes.includes(Buffer.from(row.enc))).toBe(true);
    expect(bytes.includes(Buffer.from(pkcs8))).toBe(false);
    expect(bytes.includes(der)).toBe(false);
    expect(bytes.includes(seed)).toBe(false);
    expect(bytes.includes(Buffer.from(privateKey.export({ format: 'jwk' }).d!))).toBe(false);
  });

  it('cannot sign with a data key other than the one that encrypted the signing key', async () => {
    const { service, repo, audit, clock } = setup();
    await service.mint(input(), 'cli');
    const otherSecrets = SecretStore.open(join(tempDir(), 'secrets.key'));
    const other = createTokenService({ repo, secrets: otherSecrets, audit, clock, logger: silentLogger });
    await expect(other.mint(input(), 'cli')).rejects.toMatchObject({ code: 'SECRET_UNREADABLE' });
  });
});
