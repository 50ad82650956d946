import { describe, expect, it } from 'vitest';
import type { OutputSlice } from '../../../../../electron/shared/services';
import { HIGH_WATERMARK_CHARS, LOW_WATERMARK_CHARS, OutputFeed } from '../../../../../renderer/src/features/services/output-feed';

/** A core's ring as the feed sees it, with pulls answered by hand and writes parsed by hand. */
function harness(initial = '') {
  let ring = initial;
  let ringStart = 0;
  const pulls: { from: number; max: number; answer: (slice?: Partial<OutputSlice>) => Promise<void> }[] = [];
  const writes: { text: string; parse: () => void }[] = [];
  const gaps: { chars: number; isAtStart: boolean }[] = [];
  let restarts = 0;
  const errors: string[] = [];
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  const feed = new OutputFeed({
    pull: (from, max) =>
      new Promise<OutputSlice>((resolve) => {
        pulls.push({
          from,
          max,
          answer: async (override) => {
            const end = ringStart + ring.length;
            const start = Math.max(from, ringStart);
            const text = ring.slice(start - ringStart, start - ringStart + max);
            resolve({ unit: 'u', offset: start, text, nextOffset: start + text.length, gap: Math.max(0, ringStart - from), endOffset: end, ...override });
            await settle();
          },
        });
      }),
    write: (text, onParsed) => writes.push({ text, parse: onParsed }),
    onGap: (chars, isAtStart) => gaps.push({ chars, isAtStart }),
    onCoreRestart: () => (restarts += 1),
    onError: (error) => errors.push(error.message),
  });
  return {
    feed,
    pulls,
    writes,
    gaps,
    errors,
    restarts: () => restarts,
    print: (text: string) => {
      ring += text;
      return ringStart + ring.length;
    },
    dropOldest: (chars: number) => {
      ring = ring.slice(chars);
      ringStart += chars;
    },
    settle,
  };
}

describe('OutputFeed (pull-based flow control)', () => {
  it('asks once on attach, then only when told that more output exists', async () => {
    const h = harness('hello\n');
    h.feed.resume();
    expect(h.pulls).toHaveLength(1);
    expect(h.pulls[0]).toMatchObject({ from: 0, max: HIGH_WATERMARK_CHARS });
    await h.pulls[0]!.answer();
    expect(h.writes.map((w) => w.text)).toEqual(['hello\n']);
    h.writes[0]!.parse();
    // Nothing new: no second pull.
    expect(h.pulls).toHaveLength(1);
    h.feed.notify(h.print('world\n'));
    expect(h.pulls).toHaveLength(2);
    expect(h.pulls[1]!.from).toBe(6);
  });

  it('never has two pulls in flight, however many notifications arrive', async () => {
    const h = harness('a');
    h.feed.resume();
    for (let i = 0; i < 50; i += 1) h.feed.notify(h.print('x'));
    expect(h.pulls).toHaveLength(1);
  });

  it('holds the next pull until xterm has parsed the backlog below the low watermark', async () => {
    const big = 'y'.repeat(HIGH_WATERMARK_CHARS * 3);
    const h = harness(big);
    h.feed.resume();
    await h.pulls[0]!.answer();
    expect(h.writes).toHaveLength(1);
    expect(h.writes[0]!.text).toHaveLength(HIGH_WATERMARK_CHARS);
    expect(h.feed.stats.unacked).toBe(HIGH_WATERMARK_CHARS);
    // More output is known, but 100k characters are unparsed: wait.
    h.feed.notify(h.print('z'));
    expect(h.pulls).toHaveLength(1);
    h.writes[0]!.parse();
    expect(h.feed.stats.unacked).toBe(0);
    expect(h.pulls).toHaveLength(2);
    expect(h.pulls[1]).toMatchObject({ from: HIGH_WATERMARK_CHARS, max: HIGH_WATERMARK_CHARS });
  });

  it('asks only for what fits under the high watermark when a small backlog remains', async () => {
    const h = harness('q'.repeat(LOW_WATERMARK_CHARS - 1));
    h.feed.resume();
    await h.pulls[0]!.answer();
    // 4999 unparsed characters are under the low watermark: the next pull may go, for the rest of the window.
    h.feed.notify(h.print('r'));
    expect(h.pulls).toHaveLength(2);
    expect(h.pulls[1]!.max).toBe(HIGH_WATERMARK_CHARS - (LOW_WATERMARK_CHARS - 1));
  });

  it('reports what the ring dropped: before anything was shown, and later, between slices', async () => {
    const h = harness('0123456789');
    h.dropOldest(4);
    h.feed.resume();
    await h.pulls[0]!.answer();
    expect(h.gaps).toEqual([{ chars: 4, isAtStart: true }]);
    expect(h.writes[0]!.text).toBe('456789');
    h.writes[0]!.parse();
    h.print('abcdefghij');
    h.dropOldest(10);
    h.feed.notify(20);
    await h.pulls[1]!.answer();
    expect(h.gaps[1]).toEqual({ chars: 4, isAtStart: false });
    expect(h.writes[1]!.text).toBe('efghij');
    expect(h.feed.stats.droppedChars).toBe(8);
  });

  it('starts over when the core restarted (its offsets went backwards)', async () => {
    const h = harness('first run output\n');
    h.feed.resume();
    await h.pulls[0]!.answer();
    h.writes[0]!.parse();
    // A new core: a fresh, shorter ring.
    h.feed.notify(3);
    await h.pulls[1]!.answer({ offset: 3, text: '', nextOffset: 3, gap: 0, endOffset: 3 });
    expect(h.restarts()).toBe(1);
    expect(h.pulls[2]!.from).toBe(0);
  });

  it('reports a failed pull and tries again on the next notification', async () => {
    const errors: string[] = [];
    let calls = 0;
    const feed = new OutputFeed({
      pull: () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('The connection to the Airlock core closed')) : Promise.resolve({ unit: 'u', offset: 0, text: 'ok', nextOffset: 2, gap: 0, endOffset: 2 });
      },
      write: () => undefined,
      onGap: () => undefined,
      onCoreRestart: () => undefined,
      onError: (error) => errors.push(error.message),
    });
    feed.resume();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(errors).toEqual(['The connection to the Airlock core closed']);
    feed.resume();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(calls).toBe(2);
    expect(feed.stats.offset).toBe(2);
  });

  it('does nothing after dispose', async () => {
    const h = harness('late');
    h.feed.resume();
    h.feed.dispose();
    await h.pulls[0]!.answer();
    expect(h.writes).toHaveLength(0);
    h.feed.notify(100);
    expect(h.pulls).toHaveLength(1);
  });
});
