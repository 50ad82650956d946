/** A piece of a search hit's line: plain text, or a word the query matched. */
export interface HitSegment {
  text: string;
  isMatch: boolean;
}

/** Start and end of a match in `logs.search` lines (SQLite FTS5 `highlight(…, char(2), char(3))`). */
const MATCH_START = '\u0002';
const MATCH_END = '\u0003';

/**
 * Splits a search hit's line at the core's match markers. An unclosed marker (a line cut short)
 * ends the match at the end of the line; stray end markers are dropped.
 */
export function splitHighlights(line: string): HitSegment[] {
  const segments: HitSegment[] = [];
  let isMatch = false;
  let text = '';
  const flush = () => {
    if (text.length > 0) {
      const last = segments[segments.length - 1];
      if (last && last.isMatch === isMatch) last.text += text;
      else segments.push({ text, isMatch });
    }
    text = '';
  };
  for (const char of line) {
    if (char === MATCH_START && !isMatch) {
      flush();
      isMatch = true;
    } else if (char === MATCH_END) {
      if (isMatch) {
        flush();
        isMatch = false;
      }
    } else if (char !== MATCH_START) {
      text += char;
    }
  }
  flush();
  return segments;
}

/** The time ranges the search offers, in ms before now; `null`: all of the index. */
export const searchRanges = [
  { id: 'all', label: 'Any time', ms: null },
  { id: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { id: '1h', label: 'Last hour', ms: 3_600_000 },
  { id: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
] as const;

export type SearchRangeId = (typeof searchRanges)[number]['id'];

/** `since` for a range, from `now`. */
export function sinceFor(range: SearchRangeId, now: number): number | undefined {
  const ms = searchRanges.find((r) => r.id === range)?.ms ?? null;
  return ms === null ? undefined : now - ms;
}

/** "14:03:07.120" today, "2026-11-20 14:03:07.120" on another day: log lines need the milliseconds. */
export function formatHitTime(ts: number, now: number): string {
  const date = new Date(ts);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
  const today = new Date(now);
  const isToday = date.getFullYear() === today.getFullYear() && date.getMonth() === today.getMonth() && date.getDate() === today.getDate();
  return isToday ? time : `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`;
}
