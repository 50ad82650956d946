// The 100k fuzzed inputs of reliability.md §2, L8 (random, binary, UTF-16, 10 MB), shared by the
// robustness test (which checks what each answers) and scripts/bench-license.mjs (which times them).
import { dearmor } from '../../../../electron/core/license/license-format';
import { prng } from './license-test-kit';

/** A named family of inputs: how many to make, and how to make the next one. */
export interface FuzzFamily {
  readonly name: string;
  readonly count: number;
  readonly generate: () => Uint8Array | string;
}

/** The families (100,000 inputs in all), deterministic for a given `license` and `seed`. */
export function fuzzFamilies(license: string, seed = 0xa1c0c): FuzzFamily[] {
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const bytes = (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 1) out[i] = int(256);
    return out;
  };
  const printable = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i += 1) s += String.fromCharCode(i % 61 === 60 ? 10 : 32 + int(95));
    return s;
  };
  const wrap = (base64: string) => `-----BEGIN AIRLOCK LICENSE-----\n${(base64.match(/.{1,64}/g) ?? []).join('\n')}\n-----END AIRLOCK LICENSE-----\n`;
  const armored = dearmor(license);
  if (armored === null) throw new Error('fuzzFamilies needs a well-formed license to cut up');
  const envelopeText = Buffer.from(armored, 'base64').toString('utf8');
  const huge = [new Uint8Array(10 * 1024 * 1024).fill(0x41), 'A'.repeat(10 * 1024 * 1024), Buffer.alloc(64 * 1024 + 1, 0x0a), `${license}${' '.repeat(64 * 1024)}`];
  const maxSizedNoise = Buffer.from(printable(64 * 1024), 'ascii');

  return [
    { name: 'random binary', count: 30_000, generate: () => bytes(int(random() < 0.9 ? 1024 : 16_384)) },
    { name: 'random printable text', count: 20_000, generate: () => printable(int(2048)) },
    { name: 'armor around random base64', count: 20_000, generate: () => wrap(Buffer.from(bytes(1 + int(1500))).toString('base64')) },
    { name: 'armor around a cut envelope', count: 15_000, generate: () => wrap(Buffer.from(envelopeText.slice(0, int(envelopeText.length))).toString('base64')) },
    {
      name: 'UTF-16 and wide characters',
      count: 10_000,
      generate: () => {
        const kind = int(4);
        if (kind === 0) return Buffer.from(`\uFEFF${license}`, 'utf16le');
        if (kind === 1) return Buffer.from(license, 'utf16le');
        if (kind === 2) return license.replace('A', String.fromCharCode(0x100 + int(0xfeff)));
        return Array.from({ length: int(512) }, () => String.fromCharCode(int(0x10000))).join('');
      },
    },
    { name: 'armor line then binary', count: 4_880, generate: () => Buffer.concat([Buffer.from('-----BEGIN AIRLOCK LICENSE-----\n'), bytes(int(2048))]) },
    { name: 'huge and maximum-size', count: 120, generate: () => (random() < 0.8 ? huge[int(huge.length)]! : maxSizedNoise) },
  ];
}
