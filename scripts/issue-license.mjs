#!/usr/bin/env node
// The vendor's license tool: generate a signing key pair, sign a payload, print the license.
// Runs on the vendor's machine, never on the appliance. The format and the signing code are the
// appliance's own (electron/core/license/*.ts, imported directly; Node 24 strips the types), so the
// tool cannot write a file the appliance reads differently.
//
//   npx node scripts/issue-license.mjs --help
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import './register-ts-hooks.mjs';

const { checkPayload, generateLicenseKeyPair, signLicense } = await import('../electron/core/license/sign-license.ts');
const { verifyLicense } = await import('../electron/core/license/verify-license.ts');
const { isValidKid } = await import('../electron/core/license/license-format.ts');
const { hashHardwareComponent } = await import('../electron/core/license/hardware-binding.ts');
const { createPublicKey } = await import('node:crypto');

const HELP = `Usage: node scripts/issue-license.mjs <command> [options]   (Node 24; "npx node" uses the project's)

Commands
  keygen --kid KID --out DIR
      Generate an Ed25519 key pair: DIR/KID.key.pem (private, mode 0600) and DIR/KID.pub.pem.
      Keep the private key offline and out of any repository. To trust the public key, copy it to
      resources/license-keys/ and add {"kid", "file", "isTestKey": false} to keys.json there.

  sign --key PRIVATE.pem --kid KID --payload payload.json [--test-key]
      Check payload.json against the license schema, sign it, verify the result with the matching
      public key, and print the armored license to stdout. Nothing is printed on failure.
      --test-key marks the key as a test key for the self-check (a production build refuses it).

  hash-hardware [--machine-id ID] [--gpu UUID]...
      Print the component hashes for a hardware binding from raw ids (the appliance prints the
      same hashes with "airlock license fingerprint"; prefer those, so raw ids never leave the site).

  --help
      This text.

Exit status: 0 done, 1 failed (the reason is on stderr), 2 wrong usage.`;

class UsageError extends Error {}

function need(values, name) {
  const value = values[name];
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`--${name} is required`);
  return value;
}

function keygen(values) {
  const kid = need(values, 'kid');
  if (!isValidKid(kid)) throw new UsageError('--kid: use letters, digits, ".", "_" or "-", at most 64 characters');
  const dir = need(values, 'out');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privatePath = path.join(dir, `${kid}.key.pem`);
  const publicPath = path.join(dir, `${kid}.pub.pem`);
  for (const file of [privatePath, publicPath]) if (existsSync(file)) throw new Error(`${file} already exists; not overwriting a key`);
  const { privateKeyPem, publicKeyPem } = generateLicenseKeyPair();
  // 'wx': never clobber an existing key. The mode applies at creation (through the umask); chmod makes it exact.
  writeFileSync(privatePath, privateKeyPem, { mode: 0o600, flag: 'wx' });
  chmodSync(privatePath, 0o600);
  writeFileSync(publicPath, publicKeyPem, { mode: 0o644, flag: 'wx' });
  console.error(`wrote ${privatePath} (private, 0600) and ${publicPath} (public)`);
  console.error(`keys.json entry: ${JSON.stringify({ kid, file: `${kid}.pub.pem`, isTestKey: false })}`);
}

function sign(values) {
  const keyPath = need(values, 'key');
  const kid = need(values, 'kid');
  const payloadPath = need(values, 'payload');
  if (!isValidKid(kid)) throw new UsageError('--kid: use letters, digits, ".", "_" or "-", at most 64 characters');
  let payload;
  try {
    payload = JSON.parse(readFileSync(payloadPath, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${payloadPath} as JSON: ${error instanceof SyntaxError ? 'invalid JSON' : (error.code ?? 'read error')}`, {
      cause: error,
    });
  }
  const check = checkPayload(payload);
  if (!check.ok) throw new Error(`${payloadPath} is not a valid license payload:\n  ${check.issues.join('\n  ')}`);
  const privateKeyPem = readFileSync(keyPath, 'utf8');
  const license = signLicense({ payload, kid, privateKey: privateKeyPem });

  // Self-check with the public half: what the appliance will do, once the license has started.
  const publicKeyPem = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
  const status = verifyLicense(license, {
    trustedKeys: [{ kid, publicKeyPem, isTestKey: values['test-key'] === true }],
    isProductionBuild: false,
    now: Math.max(Date.parse(check.payload.startsAt), Date.parse(check.payload.issuedAt)),
    hardware: undefined,
  });
  const isReadable = status.state === 'valid' || status.state === 'expiring-soon' || status.state === 'hardware-mismatch';
  if (!isReadable) throw new Error(`self-check failed: ${status.state}: ${status.message}`);
  process.stdout.write(license);
  console.error(`signed license ${check.payload.licenseId} with key ${kid} (${license.length} bytes)`);
}

function hashHardware(values) {
  const binding = {
    machineIdHash: typeof values['machine-id'] === 'string' ? hashHardwareComponent('machine-id', values['machine-id']) : null,
    gpuUuidHashes: (values.gpu ?? []).map((uuid) => hashHardwareComponent('gpu-uuid', uuid)),
  };
  console.log(JSON.stringify(binding, null, 2));
}

function main(argv) {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(HELP);
    return 0;
  }
  const { values } = parseArgs({
    args: rest,
    strict: true,
    allowPositionals: false,
    options: {
      kid: { type: 'string' },
      out: { type: 'string' },
      key: { type: 'string' },
      payload: { type: 'string' },
      'test-key': { type: 'boolean' },
      'machine-id': { type: 'string' },
      gpu: { type: 'string', multiple: true },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (command === 'keygen') keygen(values);
  else if (command === 'sign') sign(values);
  else if (command === 'hash-hardware') hashHardware(values);
  else throw new UsageError(`unknown command "${command}"`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  const isUsage = error instanceof UsageError || error?.code?.startsWith?.('ERR_PARSE_ARGS');
  // Messages name files and fields only; the key and the license never reach stderr.
  console.error(`issue-license: ${error instanceof Error ? error.message : String(error)}${isUsage ? ' (see --help)' : ''}`);
  process.exitCode = isUsage ? 2 : 1;
}
