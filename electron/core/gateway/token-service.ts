/**
 * Airlock-issued gateway tokens: signed JWTs (EdDSA, `typ` airlock+jwt, reliability.md §3 "Airlock-
 * minted tokens") for IDEs, scripts and the OpenAI-compatible door. The signing key is made on
 * first use and kept encrypted like the API keys; the token itself is returned once and never
 * stored — only its id, label, scopes, expiry and last 4 characters. Revoking takes effect as soon
 * as the gateway has the new list of valid ids (pushed at once over its channel).
 */
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Clock } from '../../shared/clock';
import { AirlockError } from '../../shared/errors';
import { AIRLOCK_KID_PREFIX, AIRLOCK_TOKEN_AUDIENCE, AIRLOCK_TOKEN_ISSUER, AIRLOCK_TOKEN_TYPE, type ActiveToken, type GatewayConfig } from '../../shared/gateway/config';
import { type MintTokenInput, type TokenView, checkTokenLabel, checkTokenScopes, parseTokenExpiry } from '../../shared/gateway/tokens';
import type { Logger } from '../logger';
import type { SecretStore } from '../secrets/secret-store';
import type { AuditTrail } from '../store/audit-trail';
import type { GatewayRepo, StoredToken } from '../store/gateway-repo';

export interface TokenServiceDeps {
  repo: GatewayRepo;
  secrets: SecretStore;
  audit: AuditTrail;
  clock: Clock;
  logger: Logger;
}

const keyContext = (kid: string) => `gateway-key:${kid}:private`;

/** The token service: mint, list, revoke; and what the gateway needs to check tokens. */
export function createTokenService(deps: TokenServiceDeps) {
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of [...listeners]) listener();
  };
  const iso = (ms: number) => new Date(ms).toISOString();

  const view = (row: StoredToken): TokenView => {
    const now = deps.clock.now();
    const state = row.revokedAt !== null ? 'revoked' : Date.parse(row.expiresAt) <= now ? 'expired' : 'active';
    return { id: row.id, label: row.label, scopes: JSON.parse(row.scopes) as string[], last4: row.last4, createdAt: row.createdAt, createdBy: row.createdBy, expiresAt: row.expiresAt, revokedAt: row.revokedAt, state };
  };

  /** The current signing key, made on first use. */
  const signingKey = () => {
    let stored = deps.repo.currentKey();
    if (!stored) {
      const kid = `${AIRLOCK_KID_PREFIX}${randomBytes(6).toString('hex')}`;
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const jwk = publicKey.export({ format: 'jwk' });
      const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
      deps.repo.insertKey({ kid, privateKeyEnc: deps.secrets.encrypt(pkcs8, keyContext(kid)), publicJwk: JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }), createdAt: iso(deps.clock.now()) });
      deps.logger.info('gateway signing key created', { kid });
      stored = deps.repo.currentKey()!;
    }
    const der = Buffer.from(deps.secrets.decrypt(stored.privateKeyEnc, keyContext(stored.kid)), 'base64');
    return { kid: stored.kid, key: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) };
  };

  return {
    list: (): TokenView[] => deps.repo.tokens().map(view),

    /** Mints a token; the reply is the only place the token ever appears. */
    async mint(input: MintTokenInput, actor: string): Promise<{ token: string; view: TokenView }> {
      const label = checkTokenLabel(input.label);
      if (!label.ok) throw new AirlockError('TOKEN_INVALID', { field: 'label', message: label.message });
      const scopes = checkTokenScopes(input.scopes);
      if (!scopes.ok) throw new AirlockError('TOKEN_INVALID', { field: 'scopes', message: scopes.message });
      const now = deps.clock.now();
      const expiry = parseTokenExpiry(input.expires, now);
      if (!expiry.ok) throw new AirlockError('TOKEN_INVALID', { field: 'expires', message: expiry.message });

      const { kid, key } = signingKey();
      const id = randomBytes(10).toString('hex');
      const token = await new SignJWT({ scopes: scopes.scopes, label: label.label })
        .setProtectedHeader({ alg: 'EdDSA', typ: AIRLOCK_TOKEN_TYPE, kid })
        .setIssuer(AIRLOCK_TOKEN_ISSUER)
        .setAudience(AIRLOCK_TOKEN_AUDIENCE)
        .setSubject(`token:${id}`)
        .setJti(id)
        .setIssuedAt(Math.floor(now / 1000))
        .setExpirationTime(Math.floor(expiry.expiresAt / 1000))
        .sign(key);
      const row = { id, label: label.label, scopes: JSON.stringify(scopes.scopes), kid, last4: token.slice(-4), createdAt: iso(now), createdBy: actor, expiresAt: iso(Math.floor(expiry.expiresAt / 1000) * 1000) };
      deps.repo.db.transaction(() => {
        deps.repo.insertToken(row);
        deps.audit.record({
          at: row.createdAt,
          actor,
          action: 'token.mint',
          target: `${row.label} (${id})`,
          changes: [
            { field: 'scopes', old: null, new: scopes.scopes },
            { field: 'expiresAt', old: null, new: row.expiresAt },
            { field: 'token', old: null, new: `…${row.last4}` },
          ],
        });
      })();
      deps.logger.info('gateway token minted', { id, label: row.label, scopes: scopes.scopes, expiresAt: row.expiresAt });
      changed();
      return { token, view: view({ ...row, revokedAt: null }) };
    },

    revoke(id: unknown, actor: string): TokenView {
      const row = typeof id === 'string' ? deps.repo.token(id) : undefined;
      if (!row) throw new AirlockError('TOKEN_NOT_FOUND', { id: String(id).slice(0, 100) });
      if (row.revokedAt === null) {
        const at = iso(deps.clock.now());
        deps.repo.db.transaction(() => {
          deps.repo.revoke(row.id, at);
          deps.audit.record({ at, actor, action: 'token.revoke', target: `${row.label} (${row.id})`, changes: [{ field: 'revokedAt', old: null, new: at }] });
        })();
        deps.logger.info('gateway token revoked', { id: row.id, label: row.label });
        changed();
      }
      return view(deps.repo.token(row.id)!);
    },

    /** What the gateway needs: the public keys and the tokens valid now. */
    gatewayView(): GatewayConfig['airlockTokens'] {
      const now = deps.clock.now();
      const keys = deps.repo.publicKeys().map((key) => ({ kid: key.kid, jwk: JSON.parse(key.publicJwk) as { kty: 'OKP'; crv: 'Ed25519'; x: string } }));
      const active: ActiveToken[] = deps.repo
        .tokens()
        .filter((row) => row.revokedAt === null && Date.parse(row.expiresAt) > now)
        .map((row) => ({ id: row.id, label: row.label, scopes: JSON.parse(row.scopes) as string[], expiresAt: Math.floor(Date.parse(row.expiresAt) / 1000) }));
      return { keys, active };
    },

    onDidChange(listener: () => void): { dispose(): void } {
      listeners.add(listener);
      return { dispose: () => void listeners.delete(listener) };
    },
  };
}
export type TokenService = ReturnType<typeof createTokenService>;
