import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { findPortHolder, isPortFree, listeningInodes } from '../../../../electron/core/supervisor/port-check';

const PROC_NET_TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 123456 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F40 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 20 4 30 10 -1
   2: 00000000:13BC 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0
`;

describe('port check', () => {
  it('reads LISTEN sockets for a port from /proc/net/tcp', () => {
    expect(listeningInodes(PROC_NET_TCP, 8000)).toEqual(['123456']);
    expect(listeningInodes(PROC_NET_TCP, 5052)).toEqual(['777']);
    expect(listeningInodes(PROC_NET_TCP, 9999)).toEqual([]);
  });

  it('finds this very process holding a port it listens on, and sees the port as taken', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    expect(await isPortFree(port)).toBe(false);
    expect(findPortHolder(port)).toMatchObject({ pid: process.pid });
    await new Promise((resolve) => server.close(resolve));
    expect(await isPortFree(port)).toBe(true);
    expect(findPortHolder(port)).toBeUndefined();
  });
});
