import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

/** TCP state 0A = LISTEN in /proc/net/tcp (include/net/tcp_states.h). */
const TCP_LISTEN = '0A';

/** Socket inodes listening on `port`, from /proc/net/tcp and tcp6 text. Pure. */
export function listeningInodes(procNetTcp: string, port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes: string[] = [];
  for (const line of procNetTcp.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    const local = fields[1];
    if (!local || fields[3] !== TCP_LISTEN) continue;
    if (local.split(':')[1] === hexPort && fields[9]) inodes.push(fields[9]);
  }
  return inodes;
}

/** The process holding a listening socket on `port`, when /proc lets us see it. */
export function findPortHolder(port: number, root = '/proc'): { pid: number; command: string } | undefined {
  let text = '';
  for (const file of ['net/tcp', 'net/tcp6']) {
    try {
      text += readFileSync(`${root}/${file}`, 'utf8');
    } catch {
      // No IPv6, or no /proc.
    }
  }
  const inodes = new Set(listeningInodes(text, port).map((inode) => `socket:[${inode}]`));
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync(root)) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`${root}/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`${root}/${entry}/fd/${fd}`))) {
          let command = '';
          try {
            command = readFileSync(`${root}/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
          } catch {
            // Gone meanwhile.
          }
          return { pid: Number(entry), command };
        }
      } catch {
        // fd closed meanwhile.
      }
    }
  }
  return undefined;
}

/** True when `port` can be bound on `host` right now. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
