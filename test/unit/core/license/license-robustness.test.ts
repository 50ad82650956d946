// Tamper and fuzz tests (reliability.md §2, L1, L1b, L8). The full 255-values-per-position run is
// scripts/license-fuzz-long.mjs; here every position gets a sample of 3 values, which keeps the file
// to a few seconds on a 2-core machine.
import { describe, expect, it } from 'vitest';
import { dearmor } from '../../../../electron/core/license/license-format';
import { verifyLicense, type LicenseStatus } from '../../../../electron/core/license/verify-license';
import { fuzzFamilies } from './license-fuzz-inputs';
import { basePayload, issue, options, prng, REJECTED_STATES } from './license-test-kit';

const OPTIONS = options();
const LICENSE = issue(basePayload({ hardware: undefined }));
const BYTES = Buffer.from(LICENSE, 'ascii');
const BASE64_ALPHABET = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=');
const STRUCTURAL = Buffer.from('\r\n \0=-_{}"\t');

function check(input: Uint8Array | string): LicenseStatus {
  return verifyLicense(input, OPTIONS);
}

function expectRejected(status: LicenseStatus, what: string): void {
  if (!REJECTED_STATES.has(status.state)) throw new Error(`${what} was accepted as ${status.state}`);
}

/** Three replacement values for a byte: a base64 character, any byte, and a structural one; all differ from the original. */
function replacements(original: number, random: () => number, position: number): number[] {
  const pick = (pool: Buffer | null): number => {
    for (;;) {
      const value = pool === null ? Math.floor(random() * 256) : pool[Math.floor(random() * pool.length)]!;
      if (value !== original) return value;
    }
  };
  const structural = STRUCTURAL[position % STRUCTURAL.length] === original ? STRUCTURAL[(position + 1) % STRUCTURAL.length]! : STRUCTURAL[position % STRUCTURAL.length]!;
  return [pick(BASE64_ALPHABET), pick(null), structural];
}

describe('tampering', () => {
  it('the untouched file is valid (so every rejection below is caused by the change)', () => {
    expect(check(BYTES).state).toBe('valid');
    expect(check(LICENSE.replace(/\n/g, '\r\n')).state).toBe('valid');
  });

  it('every single-byte change at every position (3 values each, LF and CRLF files) is never valid', () => {
    const random = prng(0x11ce45e);
    let count = 0;
    for (const file of [BYTES, Buffer.from(LICENSE.replace(/\n/g, '\r\n'), 'ascii')]) {
      for (let i = 0; i < file.length; i += 1) {
        for (const value of replacements(file[i]!, random, i)) {
          const mutated = Buffer.from(file);
          mutated[i] = value;
          expectRejected(check(mutated), `byte ${i} → 0x${value.toString(16)}`);
          count += 1;
        }
      }
    }
    expect(count).toBeGreaterThan(6000);
  });

  it('deleting any one byte or inserting one is never valid, except dropping the final newline', () => {
    const random = prng(42);
    for (let i = 0; i < BYTES.length; i += 1) {
      const deleted = Buffer.concat([BYTES.subarray(0, i), BYTES.subarray(i + 1)]);
      const status = check(deleted);
      if (i === BYTES.length - 1) expect(status.state).toBe('valid');
      else expectRejected(status, `deleting byte ${i}`);
      const inserted = Buffer.concat([BYTES.subarray(0, i), Buffer.from([Math.floor(random() * 256)]), BYTES.subarray(i)]);
      expectRejected(check(inserted), `inserting at ${i}`);
    }
  });

  it('truncation at every length is rejected; the one accepted cut (the final newline) verifies the same bytes', () => {
    const full = check(BYTES);
    for (let length = 0; length < BYTES.length; length += 1) {
      const status = check(BYTES.subarray(0, length));
      if (length === BYTES.length - 1) {
        // The armor's final line ending is outside the signed bytes (and outside the envelope).
        expect(status.state).toBe('valid');
        expect(status.state === 'valid' && full.state === 'valid' && status.licenseSha256 === full.licenseSha256).toBe(true);
      } else {
        expectRejected(status, `truncation to ${length}`);
        expect(status.state).toBe('malformed');
      }
    }
  });

  it('appending 1–64 bytes (NULs, newlines, spaces, random) is rejected', () => {
    const random = prng(7);
    for (let n = 1; n <= 64; n += 1) {
      const tails = [
        Buffer.alloc(n, 0),
        Buffer.alloc(n, 0x0a),
        Buffer.alloc(n, 0x20),
        Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256))),
        Buffer.from('\r\n'.repeat(n)),
      ];
      for (const tail of tails) expect(check(Buffer.concat([BYTES, tail])).state).toBe('malformed');
    }
    // The same through a string (a paste), where NULs are characters like any other.
    expect(check(`${LICENSE}\0`).state).toBe('malformed');
    expect(check(`${LICENSE}\0\0\0\0`).state).toBe('malformed');
  });

  it('swapping, dropping or duplicating whole body lines is rejected', () => {
    const lines = LICENSE.trimEnd().split('\n');
    const body = lines.slice(1, -1);
    for (let i = 0; i < body.length; i += 1) {
      const dropped = [...body.slice(0, i), ...body.slice(i + 1)];
      const duplicated = [...body.slice(0, i), body[i]!, ...body.slice(i)];
      for (const variant of [dropped, duplicated]) {
        expectRejected(check(`${lines[0]}\n${variant.join('\n')}\n${lines.at(-1)}\n`), `line ${i}`);
      }
      if (i + 1 < body.length - 1) {
        const swapped = [...body];
        [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
        expectRejected(check(`${lines[0]}\n${swapped.join('\n')}\n${lines.at(-1)}\n`), `swap ${i}`);
      }
    }
    expect(dearmor(LICENSE)).not.toBeNull();
  });
});

describe('fuzzing: 100k random and malformed inputs', () => {
  // The time each takes (L8: under 50 ms) is measured by scripts/bench-license.mjs, not here:
  // a per-input timing on a shared 2-core runner measures the runner. Here: what each answers.
  it('never throws and always answers malformed', () => {
    let total = 0;
    for (const { name, count, generate } of fuzzFamilies(LICENSE)) {
      for (let i = 0; i < count; i += 1) {
        let status: LicenseStatus;
        try {
          status = check(generate());
        } catch (error) {
          throw new Error(`${name} #${i} threw: ${String(error)}`, { cause: error });
        }
        if (status.state !== 'malformed') throw new Error(`${name} #${i} answered ${status.state}, not malformed`);
        total += 1;
      }
    }
    expect(total).toBe(100_000);
  });
});
