import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { connectToCore } from '../core-client';
import { printResult } from '../output';

/** Matches come back between \u0002 and \u0003: bold on a terminal, brackets in a pipe. */
export function renderMatch(line: string, isTty: boolean): string {
  const [open, close] = isTty ? ['\x1b[1;33m', '\x1b[0m'] : ['[', ']'];
  return line.split('\u0002').join(open).split('\u0003').join(close);
}

/** `airlock logs tail NAME [-n N] [-f]`: the last lines, then (with -f) the live output. */
export async function runLogsTail(name: string, options: { dataDir: string; lines: number; follow?: boolean; isJson?: boolean }): Promise<number> {
  const core = await connectToCore(options.dataDir, { timeoutMs: 30_000 });
  try {
    const hits = await core.client.call('logs.tail', { name, lines: options.lines });
    if (!options.follow) {
      printResult(hits, options.isJson, () => hits.map((h) => h.line).join('\n'));
      return 0;
    }
    for (const hit of hits) process.stdout.write(`${hit.line}\n`);
    // Follow from the live ring's current end: pull in slices, each pull acknowledging the last.
    let offset = (await core.client.call('services.output', { name, fromOffset: Number.MAX_SAFE_INTEGER, maxBytes: 4 })).endOffset;
    let isPulling = false;
    const pull = async () => {
      if (isPulling) return;
      isPulling = true;
      try {
        for (;;) {
          const slice = await core.client.call('services.output', { name, fromOffset: offset, maxBytes: 256 * 1024 });
          if (slice.gap > 0) process.stdout.write(`\n[… ${slice.gap} bytes not shown: the output came faster than it was read …]\n`);
          if (slice.text.length > 0) process.stdout.write(slice.text);
          // No progress means only part of a character is there yet: wait for the next notice.
          if (slice.nextOffset === offset) break;
          offset = slice.nextOffset;
          if (offset >= slice.endOffset) break;
        }
      } finally {
        isPulling = false;
      }
    };
    core.client.on('services.output', (event) => {
      if (event.unit === name && event.endOffset > offset) void pull();
    });
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    return 0;
  } finally {
    core.close();
  }
}

/** `airlock logs search QUERY [--unit NAME]`: newest first, matches highlighted. */
export async function runLogsSearch(query: string, options: { dataDir: string; unit?: string; limit: number; isJson?: boolean }): Promise<number> {
  const core = await connectToCore(options.dataDir, { timeoutMs: 30_000 });
  try {
    const hits = await core.client.call('logs.search', { text: query, limit: options.limit, ...(options.unit ? { unit: options.unit } : {}) });
    const isTty = process.stdout.isTTY === true;
    printResult(hits, options.isJson, () =>
      hits.length === 0 ? `No line matches "${query}".` : hits.map((h) => `${new Date(h.ts).toISOString()} ${h.unit}: ${renderMatch(h.line, isTty)}`).join('\n'),
    );
    return 0;
  } finally {
    core.close();
  }
}

/** `airlock logs download NAME [-o FILE]`: the unit's whole rotating log, oldest first, byte for byte. */
export async function runLogsDownload(name: string, options: { dataDir: string; output?: string }): Promise<number> {
  const core = await connectToCore(options.dataDir, { timeoutMs: 60_000 });
  const out: Writable = options.output ? createWriteStream(options.output, { mode: 0o600 }) : process.stdout;
  try {
    let total = 0;
    for (const { file, bytes } of await core.client.call('logs.files', { name })) {
      for (let from = 0; from < bytes; ) {
        const piece = await core.client.call('logs.read', { name, file, fromByte: from, maxBytes: 1024 * 1024 });
        const data = Buffer.from(piece.base64, 'base64');
        if (data.length === 0) break;
        if (!out.write(data)) await new Promise((resolve) => out.once('drain', resolve));
        total += data.length;
        from = piece.nextByte;
      }
    }
    if (options.output) {
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
      process.stderr.write(`Saved ${total} bytes of ${name}'s log to ${options.output}\n`);
    }
    return 0;
  } finally {
    core.close();
  }
}
