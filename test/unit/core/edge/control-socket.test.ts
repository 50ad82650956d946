import { statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineSplitter, claimSocketPath, listenControlSocket } from '../../../../electron/core/edge/control-socket';
import { createDispatcher } from '../../../../electron/core/edge/dispatcher';
import { EventHub } from '../../../../electron/core/edge/event-hub';
import { silentLogger } from '../../../../electron/core/logger';
import type { CallHandlers } from '../../../../electron/shared/contract';
import { useTempDir } from '../../../helpers/temp-dir';

const handlers = {
  'app.status': async () => ({ startedAt: 'x', uptimeSeconds: 1, dataDir: '/d' }),
} as unknown as CallHandlers;

async function listen(dir: string) {
  const path = join(dir, 'airlock.sock');
  await claimSocketPath(path);
  const server = await listenControlSocket({ path, dispatcher: createDispatcher(handlers, silentLogger), hub: new EventHub(), logger: silentLogger });
  return { path, server };
}

function exchange(path: string, payload: string): Promise<{ data: string; isClosed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (data.endsWith('\n')) {
        socket.end();
        resolve({ data, isClosed: false });
      }
    });
    socket.on('close', () => resolve({ data, isClosed: true }));
    socket.on('error', reject);
    socket.write(payload);
  });
}

describe('control socket', () => {
  const tempDir = useTempDir();

  it('is created owner-only (0600) and answers NDJSON calls', async () => {
    const { path, server } = await listen(tempDir());
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const { data } = await exchange(path, `${JSON.stringify({ t: 'call', id: 1, name: 'app.status', input: {} })}\n`);
    expect(JSON.parse(data)).toEqual({ t: 'result', id: 1, ok: true, value: { startedAt: 'x', uptimeSeconds: 1, dataDir: '/d' } });
    await server.dispose();
  });

  it('refuses to take over a socket a live core answers on', async () => {
    const dir = tempDir();
    const { path, server } = await listen(dir);
    await expect(claimSocketPath(path)).rejects.toMatchObject({ code: 'DATA_DIR_IN_USE', data: { path: dir } });
    await server.dispose();
  });

  it('removes a stale socket file left by a killed core', async () => {
    const path = join(tempDir(), 'airlock.sock');
    writeFileSync(path, '');
    await claimSocketPath(path);
    const { server } = await listen(join(path, '..'));
    await server.dispose();
  });

  it('refuses a path longer than a Unix socket allows', async () => {
    await expect(claimSocketPath(`/tmp/${'x'.repeat(120)}/airlock.sock`)).rejects.toMatchObject({ code: 'SOCKET_PATH_TOO_LONG' });
  });

  it('closes a client that sends an endless line', async () => {
    const { path, server } = await listen(tempDir());
    const result = await exchange(path, 'x'.repeat(1024 * 1024 + 10));
    expect(result.isClosed).toBe(true);
    await server.dispose();
  });
});

describe('LineSplitter', () => {
  it('reassembles frames split across chunks and skips blank lines', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line), () => lines.push('OVERFLOW'), 10);
    splitter.push('ab');
    splitter.push('c\n\nde');
    splitter.push('f\ngh');
    expect(lines).toEqual(['abc', 'def']);
    splitter.push('ijklmnopqrstu');
    expect(lines).toEqual(['abc', 'def', 'OVERFLOW']);
  });
});
