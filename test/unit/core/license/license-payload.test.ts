import { describe, expect, it } from 'vitest';
import { licensePayloadSchema, parseLicensePayload } from '../../../../electron/core/license/license-payload';
import { basePayload } from './license-test-kit';

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
const HASH = 'a'.repeat(64);

function issuesOf(value: unknown): string[] {
  const result = parseLicensePayload(bytes(value));
  return result.ok ? [] : result.kind === 'payload-schema' ? result.issues : [result.kind];
}

describe('license payload schema', () => {
  it('accepts a complete payload, with and without a hardware binding', () => {
    expect(parseLicensePayload(bytes(basePayload())).ok).toBe(true);
    const bound = basePayload({ hardware: { machineIdHash: HASH, gpuUuidHashes: ['b'.repeat(64), 'c'.repeat(64)], required: 2 } });
    expect(parseLicensePayload(bytes(bound))).toEqual({ ok: true, payload: bound });
  });

  it('refuses unknown fields at every level', () => {
    expect(issuesOf({ ...basePayload(), features: ['chat'] })).toEqual(['(root): unrecognized_keys']);
    expect(issuesOf({ ...basePayload(), licensee: { ...basePayload().licensee, phone: '1' } })).toEqual(['licensee: unrecognized_keys']);
    expect(issuesOf({ ...basePayload(), limits: { maxGpus: 1, maxDeployments: 1, maxSeats: 1 } })).toEqual(['limits: unrecognized_keys']);
    expect(issuesOf({ ...basePayload(), addOns: [{ ...basePayload().addOns[0], trial: true }] })).toEqual(['addOns.0: unrecognized_keys']);
  });

  it('refuses missing required fields', () => {
    for (const key of ['licenseId', 'licensee', 'plan', 'addOns', 'issuedAt', 'startsAt', 'expiresAt', 'notifyFrom', 'graceDays', 'limits']) {
      const { [key as keyof ReturnType<typeof basePayload>]: _dropped, ...rest } = basePayload();
      expect(issuesOf(rest).some((issue) => issue.startsWith(`${key}:`))).toBe(true);
    }
  });

  it('takes dates only as UTC to the second', () => {
    for (const expiresAt of ['2027-01-01T00:00:00.000Z', '2027-01-01T00:00:00+00:00', '2027-01-01', '2027-02-30T00:00:00Z', '2027-01-01 00:00:00Z', 1798761600000]) {
      expect(issuesOf({ ...basePayload(), expiresAt })).toContain('expiresAt: invalid_format'.replace('invalid_format', typeof expiresAt === 'number' ? 'invalid_type' : 'invalid_format'));
    }
  });

  it('checks the relations between fields', () => {
    expect(issuesOf({ ...basePayload(), startsAt: '2027-01-01T00:00:00Z' })).toEqual(['expiresAt: custom']);
    expect(issuesOf({ ...basePayload(), notifyFrom: '2027-01-01T00:00:01Z' })).toEqual(['notifyFrom: custom']);
    expect(issuesOf({ ...basePayload(), addOns: [...basePayload().addOns, ...basePayload().addOns] })).toEqual(['addOns: custom']);
    const binding = (required: number, gpus: string[]) => ({ ...basePayload(), hardware: { machineIdHash: HASH, gpuUuidHashes: gpus, required } });
    expect(issuesOf(binding(3, ['b'.repeat(64)]))).toEqual(['hardware.required: custom']);
    expect(issuesOf(binding(0, []))).toEqual(['hardware.required: too_small']);
    expect(issuesOf(binding(2, ['b'.repeat(64), 'b'.repeat(64)]))).toEqual(['hardware.gpuUuidHashes: custom']);
    expect(issuesOf(binding(1, ['B'.repeat(64)]))).toEqual(['hardware.gpuUuidHashes.0: invalid_format']);
  });

  it('checks numbers and identifiers', () => {
    expect(issuesOf({ ...basePayload(), graceDays: -1 })).toEqual(['graceDays: too_small']);
    expect(issuesOf({ ...basePayload(), graceDays: 1.5 })).toEqual(['graceDays: invalid_type']);
    expect(issuesOf({ ...basePayload(), plan: 'Ultimate Plan' })).toEqual(['plan: invalid_format']);
    expect(issuesOf({ ...basePayload(), licenseId: 'a b' })).toEqual(['licenseId: invalid_format']);
    expect(issuesOf({ ...basePayload(), licensee: { ...basePayload().licensee, email: 'nope' } })).toEqual(['licensee.email: invalid_format']);
  });

  it('answers unsupported-version for another formatVersion, keeping a readable license id', () => {
    expect(parseLicensePayload(bytes({ formatVersion: 2, licenseId: 'AL-9', anything: true }))).toEqual({
      ok: false,
      kind: 'unsupported-version',
      version: 2,
      licenseId: 'AL-9',
    });
    expect(parseLicensePayload(bytes({ formatVersion: 2, licenseId: '<script>' }))).toEqual({ ok: false, kind: 'unsupported-version', version: 2 });
  });

  it('refuses bytes that are not a UTF-8 JSON object', () => {
    for (const raw of [Buffer.from('[]'), Buffer.from('null'), Buffer.from([0xc3, 0x28]), Buffer.from('{"a":')]) {
      expect(parseLicensePayload(raw)).toEqual({ ok: false, kind: 'payload-json' });
    }
  });

  it('the schema output is the input (nothing added or dropped), so the signed JSON is what the vendor wrote', () => {
    expect(licensePayloadSchema.parse(basePayload())).toEqual(basePayload());
  });
});
