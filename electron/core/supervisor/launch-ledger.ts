import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

const entrySchema = z.object({ runTag: z.string(), unit: z.string(), pid: z.number().int(), startTime: z.number(), at: z.string() });
export type LedgerEntry = z.infer<typeof entrySchema>;

/**
 * The launch ledger: one JSON line per process the supervisor started (pid, start time, run tag),
 * appended before anything else happens. After a crash of the core it names survivors even if they
 * cleared their environment; pid + start time guard against pid reuse.
 */
export function createLaunchLedger(path: string) {
  return {
    record(entry: LedgerEntry): void {
      appendFileSync(path, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    },
    /** Entries as written; a torn last line (crash mid-write) is skipped. */
    read(): LedgerEntry[] {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        return [];
      }
      return text.split('\n').flatMap((line) => {
        try {
          const parsed = entrySchema.safeParse(JSON.parse(line));
          return parsed.success ? [parsed.data] : [];
        } catch {
          return [];
        }
      });
    },
    clear(): void {
      writeFileSync(path, '', { mode: 0o600 });
    },
  };
}
export type LaunchLedger = ReturnType<typeof createLaunchLedger>;
