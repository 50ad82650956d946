import { describe, expect, it } from 'vitest';
import { hashHardwareComponent, type HardwareFingerprint } from '../../../../electron/core/license/hardware-binding';
import {
  activeAddOns,
  checkClock,
  evaluateEvaluation,
  gates,
  isActionAllowed,
  LICENSE_ACTIONS,
  nextHighWaterMark,
  verifyLicense,
  type LicenseStatus,
} from '../../../../electron/core/license/verify-license';
import {
  at,
  basePayload,
  DAY,
  decodeEnvelope,
  encodeEnvelope,
  HOUR,
  issue,
  issueBytes,
  options,
  PROD_KEY,
  PROD_PUBLIC_KEY,
  SECOND,
  TEST_KEY,
  TEST_PUBLIC_KEY_PEM,
} from './license-test-kit';

const LICENSE = issue();

function stateAt(now: number, license = LICENSE, extra: Parameters<typeof options>[0] = {}): LicenseStatus['state'] {
  return verifyLicense(license, options({ now, ...extra })).state;
}

describe('verifyLicense: a good license', () => {
  it('is valid, with the payload, the key and a digest of the file', () => {
    const status = verifyLicense(LICENSE, options());
    expect(status.state).toBe('valid');
    if (status.state !== 'valid') return;
    expect(status.licenseId).toBe('AL-2026-0042');
    expect(status.kid).toBe('airlock-prod-unit');
    expect(status.isTestKey).toBe(false);
    expect(status.license.addOns[0]?.seats).toBe(250);
    expect(status.licenseSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(status.daysLeft).toBe(214);
    expect(status.message).toBe('License AL-2026-0042 (Example Corp, plan ultimate) is valid until 2027-01-01 00:00:00 UTC, 214 days from now.');
  });

  it('accepts the same file as bytes and as text, with CRLF armor, with or without the final newline', () => {
    const crlf = LICENSE.replace(/\n/g, '\r\n');
    const variants = [LICENSE, Buffer.from(LICENSE), crlf, Buffer.from(crlf), LICENSE.slice(0, -1), crlf.slice(0, -2)];
    const digests = variants.map((v) => {
      const status = verifyLicense(v, options());
      expect(status.state).toBe('valid');
      return status.state === 'valid' ? status.licenseSha256 : '';
    });
    expect(new Set(digests).size).toBe(1);
  });

  it('verifies in a test build with the test key, and names it as a test key', () => {
    const status = verifyLicense(issue(basePayload(), 'test'), options({ isProductionBuild: false }));
    expect(status.state).toBe('valid');
    expect(status.state === 'valid' && status.isTestKey).toBe(true);
  });

  it('accepts a raw 32-byte public key as well as a PEM', () => {
    const raw = PROD_PUBLIC_KEY.raw;
    expect(verifyLicense(LICENSE, options({ trustedKeys: [{ kid: PROD_KEY.kid, isTestKey: false, publicKeyRaw: raw }] })).state).toBe('valid');
  });

  it('verifies the committed sample fixture with the committed test key', async () => {
    const { readFileSync } = await import('node:fs');
    const { ROOT } = await import('./license-test-kit');
    const sample = readFileSync(`${ROOT}/test/fixtures/license/sample-valid.airlock-license`);
    const status = verifyLicense(sample, options({ isProductionBuild: false, trustedKeys: [TEST_KEY], now: at('2030-01-01T00:00:00Z') }));
    expect(status.state).toBe('valid');
  });
});

describe('verifyLicense: each refusal has its own state', () => {
  it('a re-encoded payload with a changed expiry or seat count is a bad signature', () => {
    const envelope = decodeEnvelope(LICENSE);
    const payload = JSON.parse(Buffer.from(envelope.payload, 'base64url').toString('utf8')) as ReturnType<typeof basePayload>;
    const changes: Array<(p: ReturnType<typeof basePayload>) => void> = [
      (p) => (p.expiresAt = '2036-01-01T00:00:00Z'),
      (p) => (p.addOns[0]!.seats = 5000),
      (p) => (p.limits.maxGpus = 64),
      (p) => (p.graceDays = 365),
    ];
    for (const change of changes) {
      const edited = structuredClone(payload);
      change(edited);
      const tampered = encodeEnvelope({ ...envelope, payload: Buffer.from(JSON.stringify(edited)).toString('base64url') });
      const status = verifyLicense(tampered, options());
      expect(status.state).toBe('bad-signature');
      expect(status.message).toContain('airlock-prod-unit');
    }
  });

  it('alg "none" (and any other alg) is unsupported-algorithm, even with a valid signature', () => {
    const envelope = decodeEnvelope(LICENSE);
    for (const alg of ['none', 'ed25519', 'EdDSA', 'RS256', '']) {
      const status = verifyLicense(encodeEnvelope({ ...envelope, alg }), options());
      expect(status.state).toBe('unsupported-algorithm');
    }
    const weird = verifyLicense(encodeEnvelope({ ...envelope, alg: 'x'.repeat(40) }), options());
    expect(weird.state === 'unsupported-algorithm' && weird.alg).toBe('(unprintable)');
  });

  it('an unknown kid is unknown-key, naming the kid and the trusted ones', () => {
    const status = verifyLicense(LICENSE, options({ trustedKeys: [TEST_KEY] }));
    expect(status).toMatchObject({ state: 'unknown-key', kid: 'airlock-prod-unit', trustedKids: [] });
    const dev = verifyLicense(LICENSE, options({ trustedKeys: [TEST_KEY], isProductionBuild: false }));
    expect(dev).toMatchObject({ state: 'unknown-key', trustedKids: ['airlock-test-2026'] });
    expect(dev.message).toContain('"airlock-prod-unit"');
  });

  it('a key that is not Ed25519 cannot be used: unknown-key', () => {
    const status = verifyLicense(LICENSE, options({ trustedKeys: [{ kid: PROD_KEY.kid, isTestKey: false, publicKeyPem: 'not a key' }] }));
    expect(status.state).toBe('unknown-key');
  });

  it('a test-key license under a production build is test-key-in-production', () => {
    const status = verifyLicense(issue(basePayload(), 'test'), options({ isProductionBuild: true }));
    expect(status).toMatchObject({ state: 'test-key-in-production', kid: 'airlock-test-2026' });
    expect(gates(status).isEntitled).toBe(false);
  });

  it('a forged test-key file is a bad signature, not a genuine test license', () => {
    const envelope = decodeEnvelope(issue(basePayload(), 'test'));
    const forged = encodeEnvelope({ ...envelope, sig: Buffer.alloc(64, 7).toString('base64url') });
    expect(verifyLicense(forged, options()).state).toBe('bad-signature');
  });

  it('a signed payload in a newer format is unsupported-version and names the id', () => {
    const status = verifyLicense(issueBytes(JSON.stringify({ ...basePayload(), formatVersion: 2 })), options());
    expect(status).toMatchObject({ state: 'unsupported-version', layer: 'payload', version: 2, licenseId: 'AL-2026-0042' });
  });

  it('a signed payload with an unknown field is malformed (payload-schema), listing the field, not its value', () => {
    const status = verifyLicense(issueBytes(JSON.stringify({ ...basePayload(), unlimited: 'SECRET-VALUE' })), options());
    expect(status).toMatchObject({ state: 'malformed', reason: 'payload-schema', licenseId: 'AL-2026-0042' });
    expect(status.message).toContain('unrecognized_keys');
    expect(status.message).not.toContain('SECRET-VALUE');
  });

  it('a signed payload that is not JSON is malformed (payload-json)', () => {
    expect(verifyLicense(issueBytes('not json'), options())).toMatchObject({ state: 'malformed', reason: 'payload-json' });
    expect(verifyLicense(issueBytes(Buffer.from([0xff, 0xfe])), options())).toMatchObject({ state: 'malformed', reason: 'payload-json' });
  });

  it('input that is not file contents is malformed, not an exception', () => {
    for (const value of [42, {}, [], true]) {
      expect(verifyLicense(value as unknown as string, options())).toMatchObject({ state: 'malformed', reason: 'not-file-contents' });
    }
  });

  it('no license is missing, or the evaluation when the first run is known', () => {
    expect(verifyLicense(null, options()).state).toBe('missing');
    expect(verifyLicense(undefined, options()).state).toBe('missing');
    const now = at('2026-06-01T00:00:00Z');
    expect(verifyLicense(null, options({ now, firstRunAt: now - 10 * DAY }))).toMatchObject({ state: 'evaluation', daysLeft: 20 });
  });
});

describe('verifyLicense: dates are exact to the second', () => {
  const starts = at('2026-01-01T00:00:00Z');
  const expires = at('2027-01-01T00:00:00Z');
  const notify = at('2026-12-15T00:00:00Z');
  const warn = expires - 30 * DAY; // earlier than notifyFrom, so it wins
  const graceEnd = expires + 14 * DAY;

  it.each([
    ['start − 1 s', 'not-yet-valid', starts - SECOND],
    ['start', 'valid', starts],
    ['30 days before expiry − 1 s', 'valid', warn - SECOND],
    ['30 days before expiry', 'expiring-soon', warn],
    ['expiry − 1 s', 'expiring-soon', expires - SECOND],
    ['expiry', 'in-grace', expires],
    ['expiry + 1 s', 'in-grace', expires + SECOND],
    ['end of grace − 1 s', 'in-grace', graceEnd - SECOND],
    ['end of grace', 'expired', graceEnd],
    ['end of grace + 1 s', 'expired', graceEnd + SECOND],
  ] as const)('%s → %s', (_name, expected, now) => {
    expect(stateAt(now)).toBe(expected);
  });

  it('counts days left: expiry − 1 s is 1 day; expiry + 1 s is the whole grace; grace end − 1 s is 1 day', () => {
    expect(verifyLicense(LICENSE, options({ now: expires - SECOND }))).toMatchObject({ state: 'expiring-soon', daysLeft: 1 });
    expect(verifyLicense(LICENSE, options({ now: expires + SECOND }))).toMatchObject({ state: 'in-grace', daysLeft: 14 });
    expect(verifyLicense(LICENSE, options({ now: graceEnd - SECOND }))).toMatchObject({ state: 'in-grace', daysLeft: 1 });
  });

  it('warns from notifyFrom when it is earlier than 30 days before expiry', () => {
    const early = issue(basePayload({ notifyFrom: '2026-10-01T00:00:00Z' }));
    expect(stateAt(at('2026-10-01T00:00:00Z') - SECOND, early)).toBe('valid');
    expect(stateAt(at('2026-10-01T00:00:00Z'), early)).toBe('expiring-soon');
    expect(notify).toBeGreaterThan(warn);
  });

  it('no grace: expired at the second of expiry', () => {
    const noGrace = issue(basePayload({ graceDays: 0 }));
    expect(stateAt(expires - SECOND, noGrace)).toBe('expiring-soon');
    expect(stateAt(expires, noGrace)).toBe('expired');
  });

  it('a clock more than 24 h before the issue date is not-yet-valid (before-issue), 23 h is not', () => {
    const backdated = issue(basePayload({ startsAt: '2025-01-01T00:00:00Z', issuedAt: '2026-01-01T00:00:00Z' }));
    const issued = at('2026-01-01T00:00:00Z');
    expect(verifyLicense(backdated, options({ now: issued - 25 * HOUR }))).toMatchObject({ state: 'not-yet-valid', reason: 'before-issue' });
    expect(stateAt(issued - 23 * HOUR, backdated)).toBe('valid');
    expect(verifyLicense(LICENSE, options({ now: issued - 25 * HOUR }))).toMatchObject({ state: 'not-yet-valid', reason: 'before-start' });
  });

  it('property: ±3 s around every boundary, 1,000 runs, agree with the interval rule', () => {
    const expected = (now: number): string => {
      if (now < starts) return 'not-yet-valid';
      if (now < warn) return 'valid';
      if (now < expires) return 'expiring-soon';
      if (now < graceEnd) return 'in-grace';
      return 'expired';
    };
    const boundaries = [starts, warn, expires, graceEnd];
    for (let run = 0; run < 1000; run += 1) {
      const boundary = boundaries[run % boundaries.length]!;
      const now = boundary + Math.round((((run * 7919) % 6001) - 3000) * (SECOND / 1000));
      expect(stateAt(now)).toBe(expected(now));
    }
  });
});

describe('clock rollback', () => {
  const now = at('2026-06-01T12:00:00Z');

  it('a clock 48 h behind the high-water mark is flagged; 1 h is not; exactly 24 h is not', () => {
    expect(checkClock({ now: now - 48 * HOUR, highWaterMark: now }).isRollbackSuspected).toBe(true);
    expect(checkClock({ now: now - HOUR, highWaterMark: now }).isRollbackSuspected).toBe(false);
    expect(checkClock({ now: now - 24 * HOUR, highWaterMark: now }).isRollbackSuspected).toBe(false);
    expect(checkClock({ now: now - 24 * HOUR - 1, highWaterMark: now }).isRollbackSuspected).toBe(true);
    expect(checkClock({ now, highWaterMark: undefined }).isRollbackSuspected).toBe(false);
  });

  it('after a successful check, rolling back 48 h is clock-rollback-suspected; 1 h stays valid', () => {
    const good = verifyLicense(LICENSE, options({ now }));
    expect(good.state).toBe('valid');
    const mark = nextHighWaterMark({ now, highWaterMark: undefined });
    const back48 = verifyLicense(LICENSE, options({ now: now - 48 * HOUR, highWaterMark: mark }));
    expect(back48).toMatchObject({ state: 'clock-rollback-suspected', licenseId: 'AL-2026-0042', behindHours: 48 });
    expect(back48.message).toContain('2026-06-01 12:00:00 UTC');
    expect(gates(back48).allowed['start-gateway']).toBe(false);
    expect(stateAt(now - HOUR, LICENSE, { highWaterMark: mark })).toBe('valid');
  });

  it('the high-water mark only moves forward, and never on a suspected clock', () => {
    expect(nextHighWaterMark({ now: now + HOUR, highWaterMark: now })).toBe(now + HOUR);
    expect(nextHighWaterMark({ now: now - HOUR, highWaterMark: now })).toBe(now);
    expect(nextHighWaterMark({ now: now - 48 * HOUR, highWaterMark: now })).toBe(now);
  });
});

describe('hardware binding (k of n)', () => {
  const machineId = '0123456789abcdef0123456789abcdef';
  const gpus = ['GPU-aaaaaaaa-0000-0000-0000-000000000001', 'GPU-aaaaaaaa-0000-0000-0000-000000000002', 'GPU-aaaaaaaa-0000-0000-0000-000000000003'];
  const bound = issue(
    basePayload({
      hardware: {
        machineIdHash: hashHardwareComponent('machine-id', machineId),
        gpuUuidHashes: gpus.map((g) => hashHardwareComponent('gpu-uuid', g)),
        required: 3,
      },
    }),
  );
  const host = (machine: string, uuids: string[]): HardwareFingerprint => ({
    machineIdHash: hashHardwareComponent('machine-id', machine),
    gpuUuidHashes: uuids.map((g) => hashHardwareComponent('gpu-uuid', g)),
  });

  it('all 4 components present → valid, in any GPU order', () => {
    expect(stateAt(at('2026-06-01T00:00:00Z'), bound, { hardware: host(machineId, [...gpus].reverse()) })).toBe('valid');
  });

  it('1 of 4 changed (a swapped GPU) → valid', () => {
    expect(stateAt(at('2026-06-01T00:00:00Z'), bound, { hardware: host(machineId, [gpus[0]!, 'GPU-new', gpus[2]!]) })).toBe('valid');
  });

  it('2 of 4 changed → hardware-mismatch naming both', () => {
    const status = verifyLicense(bound, options({ hardware: host('ffffffffffffffffffffffffffffffff', [gpus[0]!, 'GPU-new', gpus[2]!]) }));
    expect(status).toMatchObject({ state: 'hardware-mismatch', matched: 2, required: 3, total: 4, isHardwareUnknown: false });
    if (status.state !== 'hardware-mismatch') return;
    expect(status.missing.map((c) => [c.kind, c.index])).toEqual([
      ['machine-id', undefined],
      ['gpu-uuid', 2],
    ]);
    expect(status.message).toContain('machine-id (');
    expect(status.message).toContain('GPU 2 (');
    expect(status.message).toContain('AL-2026-0042');
    expect(status.message).not.toContain(machineId);
  });

  it('1 of 8 GPUs swapped (k = 8 of 9) → valid; without any hardware info → mismatch', () => {
    const eight = Array.from({ length: 8 }, (_, i) => `GPU-bbbbbbbb-0000-0000-0000-00000000000${i}`);
    const license = issue(
      basePayload({
        hardware: { machineIdHash: hashHardwareComponent('machine-id', machineId), gpuUuidHashes: eight.map((g) => hashHardwareComponent('gpu-uuid', g)), required: 8 },
      }),
    );
    const swapped = [...eight.slice(0, 7), 'GPU-rma-replacement'];
    expect(stateAt(at('2026-06-01T00:00:00Z'), license, { hardware: host(machineId, swapped) })).toBe('valid');
    expect(verifyLicense(license, options())).toMatchObject({ state: 'hardware-mismatch', isHardwareUnknown: true });
  });
});

describe('evaluation', () => {
  const firstRunAt = at('2026-03-01T10:00:00Z');

  it('runs 30 days from the first run, counting down, then ends as missing', () => {
    expect(evaluateEvaluation({ firstRunAt, now: firstRunAt })).toMatchObject({ state: 'evaluation', daysLeft: 30, endsAt: '2026-03-31T10:00:00.000Z' });
    expect(evaluateEvaluation({ firstRunAt, now: firstRunAt + 30 * DAY - SECOND })).toMatchObject({ state: 'evaluation', daysLeft: 1 });
    const ended = evaluateEvaluation({ firstRunAt, now: firstRunAt + 30 * DAY });
    expect(ended).toMatchObject({ state: 'missing', evaluationEndedAt: '2026-03-31T10:00:00.000Z' });
    expect(ended.message).toContain('2026-03-31 10:00:00 UTC');
    expect(gates(ended).allowed['register-model']).toBe(false);
  });

  it('flags a clock set back before the first run or the high-water mark', () => {
    expect(evaluateEvaluation({ firstRunAt, now: firstRunAt - 48 * HOUR }).state).toBe('clock-rollback-suspected');
    expect(evaluateEvaluation({ firstRunAt, now: firstRunAt + 5 * DAY, highWaterMark: firstRunAt + 40 * DAY }).state).toBe('clock-rollback-suspected');
    expect(evaluateEvaluation({ firstRunAt, now: firstRunAt - HOUR }).state).toBe('evaluation');
  });
});

describe('gates', () => {
  const now = at('2026-06-01T12:00:00Z');
  const statuses: Record<string, LicenseStatus> = {
    valid: verifyLicense(LICENSE, options({ now })),
    'expiring-soon': verifyLicense(LICENSE, options({ now: at('2026-12-20T00:00:00Z') })),
    'in-grace': verifyLicense(LICENSE, options({ now: at('2027-01-02T00:00:00Z') })),
    evaluation: evaluateEvaluation({ firstRunAt: now, now }),
    expired: verifyLicense(LICENSE, options({ now: at('2027-02-01T00:00:00Z') })),
    missing: verifyLicense(null, options()),
    'not-yet-valid': verifyLicense(LICENSE, options({ now: at('2025-06-01T00:00:00Z') })),
    'bad-signature': verifyLicense(encodeEnvelope({ ...decodeEnvelope(LICENSE), sig: Buffer.alloc(64).toString('base64url') }), options()),
    malformed: verifyLicense('garbage', options()),
  };

  it('covers the states it is given', () => {
    for (const [state, status] of Object.entries(statuses)) expect(status.state).toBe(state);
  });

  it('always allows probe, view and logs', () => {
    for (const status of Object.values(statuses)) {
      for (const action of ['probe', 'view', 'logs'] as const) expect(isActionAllowed(status, action)).toBe(true);
    }
  });

  it('allows changes and starting the gateway only when valid, expiring-soon, in-grace or evaluating', () => {
    const entitled = new Set(['valid', 'expiring-soon', 'in-grace', 'evaluation']);
    for (const [state, status] of Object.entries(statuses)) {
      const result = gates(status);
      expect(result.isEntitled).toBe(entitled.has(state));
      for (const action of ['register-model', 'change-model', 'change-features', 'start-gateway'] as const) {
        expect(result.allowed[action]).toBe(entitled.has(state));
      }
      expect(result.refusal).toBe(entitled.has(state) ? null : status.message);
    }
    expect(Object.keys(gates(statuses.valid!).allowed).sort()).toEqual([...LICENSE_ACTIONS].sort());
  });
});

describe('messages', () => {
  it('name the license id and dates, and never contain the blob or key material', () => {
    const now = at('2026-06-01T12:00:00Z');
    const cases: LicenseStatus[] = [
      verifyLicense(LICENSE, options({ now })),
      verifyLicense(LICENSE, options({ now: at('2026-12-20T00:00:00Z') })),
      verifyLicense(LICENSE, options({ now: at('2027-01-02T00:00:00Z') })),
      verifyLicense(LICENSE, options({ now: at('2027-02-01T00:00:00Z') })),
      verifyLicense(LICENSE, options({ now: at('2025-06-01T00:00:00Z') })),
      verifyLicense(LICENSE, options({ now, highWaterMark: now + 3 * DAY })),
    ];
    const expectedDates = ['2027-01-01 00:00:00 UTC', '2027-01-01 00:00:00 UTC', '2027-01-15 00:00:00 UTC', '2027-01-15 00:00:00 UTC', '2026-01-01 00:00:00 UTC', '2026-06-04 12:00:00 UTC'];
    cases.forEach((status, i) => {
      expect(status.message).toContain('AL-2026-0042');
      expect(status.message).toContain(expectedDates[i]);
    });
    const secrets = [LICENSE, TEST_PUBLIC_KEY_PEM, PROD_PUBLIC_KEY.pem]
      .flatMap((text) => text.split(/\r?\n/))
      .filter((line) => line.length >= 16 && !line.startsWith('-----'))
      .flatMap((line) => Array.from({ length: Math.floor(line.length / 16) }, (_, k) => line.slice(k * 16, k * 16 + 16)));
    const refusals = [
      verifyLicense(LICENSE, options({ trustedKeys: [TEST_KEY] })),
      verifyLicense(encodeEnvelope({ ...decodeEnvelope(LICENSE), sig: Buffer.alloc(64).toString('base64url') }), options()),
      verifyLicense(LICENSE.slice(0, 200), options()),
      verifyLicense(issue(basePayload(), 'test'), options()),
    ];
    for (const status of [...cases, ...refusals]) {
      for (const secret of secrets) expect(status.message).not.toContain(secret);
      expect(status.message).not.toContain('-----BEGIN');
    }
  });

  it('say what to do next', () => {
    expect(verifyLicense(LICENSE, options({ now: at('2027-02-01T00:00:00Z') })).message).toMatch(/airlock license install FILE/);
    expect(verifyLicense('x', options()).message).toMatch(/exactly as your vendor sent it/);
    expect(verifyLicense(null, options()).message).toMatch(/airlock license install FILE/);
  });
});

describe('activeAddOns', () => {
  it('lists the add-ons in force at a time', () => {
    const payload = basePayload({
      addOns: [
        { id: 'duo_enterprise', seats: 10, startsAt: '2026-01-01T00:00:00Z', expiresAt: '2026-07-01T00:00:00Z' },
        { id: 'duo_pro', seats: 5, startsAt: '2026-07-01T00:00:00Z', expiresAt: '2027-01-01T00:00:00Z' },
      ],
    });
    expect(activeAddOns(payload, at('2026-06-30T23:59:59Z')).map((a) => a.id)).toEqual(['duo_enterprise']);
    expect(activeAddOns(payload, at('2026-07-01T00:00:00Z')).map((a) => a.id)).toEqual(['duo_pro']);
  });
});
