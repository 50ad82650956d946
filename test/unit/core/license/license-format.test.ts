import { describe, expect, it } from 'vitest';
import {
  armor,
  decodeBase64Strict,
  decodeBase64UrlStrict,
  dearmor,
  LICENSE_MAX_BYTES,
  parseLicenseEnvelope,
  serializeEnvelope,
  signedMessage,
} from '../../../../electron/core/license/license-format';
import { verifyLicense } from '../../../../electron/core/license/verify-license';
import { decodeEnvelope, encodeEnvelope, issue, options } from './license-test-kit';

const LICENSE = issue();
const ENVELOPE = decodeEnvelope(LICENSE);

function reason(input: string | Uint8Array): string {
  const result = parseLicenseEnvelope(input);
  return result.ok ? 'ok' : result.kind === 'malformed' ? result.reason : result.kind;
}

describe('armor', () => {
  it('writes 64-column lines between the armor lines, LF, final newline', () => {
    const lines = LICENSE.split('\n');
    expect(lines[0]).toBe('-----BEGIN AIRLOCK LICENSE-----');
    expect(lines.at(-2)).toBe('-----END AIRLOCK LICENSE-----');
    expect(lines.at(-1)).toBe('');
    const body = lines.slice(1, -2);
    expect(body.slice(0, -1).every((line) => line.length === 64)).toBe(true);
    expect(body.at(-1)!.length).toBeGreaterThan(0);
    expect(body.at(-1)!.length).toBeLessThanOrEqual(64);
  });

  it('round-trips armor and dearmor', () => {
    const base64 = Buffer.from('x'.repeat(200)).toString('base64');
    expect(dearmor(armor(base64))).toBe(base64);
  });

  it('tolerates CRLF or LF on each line and a missing final newline, nothing else', () => {
    const lines = LICENSE.trimEnd().split('\n');
    expect(reason(lines.join('\r\n'))).toBe('ok');
    expect(reason(`${lines.join('\r\n')}\r\n`)).toBe('ok');
    expect(reason(`${lines.map((l, i) => (i % 2 === 0 ? `${l}\r` : l)).join('\n')}\n`)).toBe('ok');
    // A lone CR, CR CR LF, or a CR after the last line without LF are not line endings.
    expect(reason(lines.join('\r'))).toBe('armor');
    expect(reason(lines.join('\r\r\n'))).toBe('armor');
    expect(reason(`${lines.join('\n')}\r`)).toBe('armor');
  });

  it('refuses leading or trailing text, blank lines, spaces, tabs, and a second final newline', () => {
    const lines = LICENSE.trimEnd().split('\n');
    const bad = [
      `\n${LICENSE}`,
      ` ${LICENSE}`,
      `${LICENSE}\n`,
      `${LICENSE}\r\n`,
      `${LICENSE} `,
      `${LICENSE}junk`,
      [lines[0], '', ...lines.slice(1)].join('\n'),
      [...lines.slice(0, 2), `${lines[2]} `, ...lines.slice(3)].join('\n'),
      LICENSE.replace('BEGIN AIRLOCK', 'BEGIN  AIRLOCK'),
      LICENSE.replace('-----END AIRLOCK LICENSE-----', '-----END AIRLOCK LICENSE----'),
      LICENSE.toLowerCase(),
      `${lines[0]}\n${lines.at(-1)}\n`,
    ];
    for (const text of bad) expect(reason(text)).toBe('armor');
    // A tab is not even in the armor's character set.
    expect(reason([...lines.slice(0, 2), `\t${lines[2]}`, ...lines.slice(3)].join('\n'))).toBe('not-ascii');
  });

  it('refuses a body wrapped at another width', () => {
    const body = dearmor(LICENSE)!;
    const rewrap = (width: number) =>
      `-----BEGIN AIRLOCK LICENSE-----\n${body.match(new RegExp(`.{1,${width}}`, 'g'))!.join('\n')}\n-----END AIRLOCK LICENSE-----\n`;
    expect(reason(rewrap(64))).toBe('ok');
    expect(reason(rewrap(76))).toBe('armor');
    expect(reason(rewrap(63))).toBe('armor');
    expect(reason(`-----BEGIN AIRLOCK LICENSE-----\n${body}\n-----END AIRLOCK LICENSE-----\n`)).toBe('armor');
  });
});

describe('strict base64', () => {
  it('accepts canonical padded base64 only', () => {
    expect(decodeBase64Strict('QUJD')?.toString()).toBe('ABC');
    expect(decodeBase64Strict('QUI=')?.toString()).toBe('AB');
    expect(decodeBase64Strict('QQ==')?.toString()).toBe('A');
    for (const bad of ['', 'QUI', 'QQ', 'QQ=', 'QR==', 'QUJ=', 'QU I=', 'QUI=QUI=', 'QU-_', 'Q===', '====', 'QUJD\n']) {
      expect(decodeBase64Strict(bad)).toBeNull();
    }
  });

  it('accepts canonical unpadded base64url only', () => {
    expect(decodeBase64UrlStrict('QUI')?.toString()).toBe('AB');
    expect(decodeBase64UrlStrict('_-8')?.length).toBe(2);
    for (const bad of ['', 'QUI=', 'QR', 'QUJ', 'Q', 'QU+/', 'QU I']) expect(decodeBase64UrlStrict(bad)).toBeNull();
  });

  it('refuses a non-canonical last character in the armored body (same bytes, other spelling)', () => {
    const body = dearmor(LICENSE)!;
    const padding = body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0;
    if (padding === 0) return; // this body has no spare bits; the unit tests above cover the rule
    const lastIndex = body.length - padding - 1;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const value = alphabet.indexOf(body[lastIndex]!);
    const twin = `${body.slice(0, lastIndex)}${alphabet[value ^ 1]}${body.slice(lastIndex + 1)}`;
    expect(Buffer.from(twin, 'base64').equals(Buffer.from(body, 'base64'))).toBe(true);
    expect(reason(armor(twin))).toBe('base64');
  });
});

describe('envelope', () => {
  it('has exactly v, kid, alg, payload, sig in that order, compact', () => {
    expect(Object.keys(ENVELOPE)).toEqual(['v', 'kid', 'alg', 'payload', 'sig']);
    expect(ENVELOPE).toMatchObject({ v: 1, kid: 'airlock-prod-unit', alg: 'Ed25519' });
    expect(reason(encodeEnvelope(ENVELOPE))).toBe('ok');
  });

  it('refuses unknown and missing fields', () => {
    expect(reason(encodeEnvelope({ ...ENVELOPE, extra: 1 }))).toBe('envelope-fields');
    const { sig: _sig, ...noSig } = ENVELOPE;
    expect(reason(encodeEnvelope(noSig))).toBe('envelope-fields');
    expect(reason(encodeEnvelope({ ...ENVELOPE, kid: 7 }))).toBe('envelope-fields');
    expect(reason(encodeEnvelope({ ...ENVELOPE, v: '1' }))).toBe('envelope-fields');
    expect(reason(encodeEnvelope({ ...ENVELOPE, v: 1.5 }))).toBe('envelope-fields');
  });

  it('refuses any other spelling of the same envelope: whitespace, key order, escapes, duplicate keys', () => {
    const canonical = serializeEnvelope(ENVELOPE);
    const spellings = [
      JSON.stringify(ENVELOPE, null, 1),
      ` ${canonical}`,
      `${canonical}\n`,
      JSON.stringify({ kid: ENVELOPE.kid, v: 1, alg: ENVELOPE.alg, payload: ENVELOPE.payload, sig: ENVELOPE.sig }),
      canonical.replace('"Ed25519"', '"\\u0045d25519"'),
      canonical.replace('{"v":1,', '{"v":1,"v":1,'),
      canonical.replace('"v":1', '"v":1.0'),
      `\uFEFF${canonical}`,
    ];
    for (const raw of spellings) expect(reason(encodeEnvelope({}, raw))).toMatch(/^envelope-(not-canonical|fields|json)$/);
  });

  it('refuses a body that is not a JSON object', () => {
    for (const raw of ['[]', 'null', '1', '"x"', '{', '\u00ff']) expect(reason(encodeEnvelope({}, raw))).toMatch(/^envelope-/);
    expect(reason(armor(Buffer.from([0xff, 0xfe, 0x00, 0x7b]).toString('base64')))).toBe('envelope-json');
  });

  it('answers unsupported-version for other envelope versions, whatever their fields', () => {
    expect(parseLicenseEnvelope(encodeEnvelope({ ...ENVELOPE, v: 2 }))).toEqual({ ok: false, kind: 'unsupported-version', version: 2 });
    expect(parseLicenseEnvelope(encodeEnvelope({ v: 3, something: 'else' }))).toEqual({ ok: false, kind: 'unsupported-version', version: 3 });
    expect(reason(encodeEnvelope({ ...ENVELOPE, v: 0 }))).toBe('envelope-fields');
    expect(verifyLicense(encodeEnvelope({ ...ENVELOPE, v: 2 }), options())).toMatchObject({ state: 'unsupported-version', layer: 'envelope', version: 2 });
  });

  it('refuses a kid that is not a short token (it would reach a message)', () => {
    for (const kid of ['', 'a b', 'x'.repeat(65), '../etc', 'kid\n']) expect(reason(encodeEnvelope({ ...ENVELOPE, kid }))).toBe('bad-kid');
  });

  it('refuses a payload or signature that is not canonical base64url, or a signature of the wrong length', () => {
    expect(reason(encodeEnvelope({ ...ENVELOPE, payload: `${ENVELOPE.payload}=` }))).toBe('payload-encoding');
    expect(reason(encodeEnvelope({ ...ENVELOPE, payload: '' }))).toBe('payload-encoding');
    expect(reason(encodeEnvelope({ ...ENVELOPE, sig: ENVELOPE.sig.slice(0, -2) }))).toBe('signature-encoding');
    expect(reason(encodeEnvelope({ ...ENVELOPE, sig: `${ENVELOPE.sig}AA` }))).toBe('signature-encoding');
    expect(reason(encodeEnvelope({ ...ENVELOPE, sig: `${ENVELOPE.sig}=` }))).toBe('signature-encoding');
  });
});

describe('input limits', () => {
  it('refuses empty, oversized, non-ASCII and UTF-16 input before parsing', () => {
    expect(reason('')).toBe('empty');
    expect(reason(new Uint8Array())).toBe('empty');
    expect(reason('A'.repeat(LICENSE_MAX_BYTES + 1))).toBe('too-large');
    expect(reason(new Uint8Array(LICENSE_MAX_BYTES + 1))).toBe('too-large');
    expect(reason(LICENSE.replace('AIRLOCK', 'AIRLÖCK'))).toBe('not-ascii');
    expect(reason(Buffer.from(`\uFEFF${LICENSE}`, 'utf16le'))).toBe('not-ascii');
    expect(reason(Buffer.from(`\uFEFF${LICENSE}`, 'utf8'))).toBe('not-ascii');
    expect(reason(`${LICENSE}\u0000`)).toBe('not-ascii');
  });

  it('the signed message is the domain prefix and the exact payload bytes', () => {
    expect(signedMessage(Buffer.from('{}')).toString()).toBe('airlock-license/v1\n{}');
  });
});
