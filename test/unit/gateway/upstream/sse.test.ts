/**
 * The incremental SSE parser (WHATWG HTML §9.2.6): line endings, fields, comments, and input
 * split at every possible place, multibyte characters included (decoded with a streaming
 * TextDecoder, as the adapters do).
 */
import { describe, expect, it } from 'vitest';
import { createSseParser, type SseEvent, SseOverflowError } from '../../../../electron/gateway/upstream/sse';

/** Events parsed from `chunks`, pushed one by one, then `end()`. */
function parse(chunks: readonly string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createSseParser((event) => events.push(event));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return events;
}

/** Events parsed from `bytes` delivered in pieces cut at `cuts`, decoded with a streaming TextDecoder. */
function parseBytes(bytes: Uint8Array, cuts: readonly number[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createSseParser((event) => events.push(event));
  const decoder = new TextDecoder();
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    parser.push(decoder.decode(bytes.subarray(start, cut), { stream: true }));
    start = cut;
  }
  parser.push(decoder.decode());
  parser.end();
  return events;
}

const message = (data: string, event: string | null = null): SseEvent => ({ event, data });

describe('createSseParser', () => {
  it('dispatches an event at its blank line, with LF, CRLF or CR endings', () => {
    expect(parse(['data: a\n\n'])).toEqual([message('a')]);
    expect(parse(['data: a\r\n\r\n'])).toEqual([message('a')]);
    expect(parse(['data: a\r\rdata: b\n\n'])).toEqual([message('a'), message('b')]);
    expect(parse(['data: a\r\n\ndata: b\r\r'])).toEqual([message('a'), message('b')]);
  });

  it('joins multi-line data with LF and keeps the event type', () => {
    expect(parse(['event: delta\ndata: one\ndata:two\ndata:  three\n\n'])).toEqual([message('one\ntwo\n three', 'delta')]);
  });

  it('ignores comments, id, retry and unknown fields; a field without a colon has an empty value', () => {
    expect(parse([': keep-alive\n\nid: 7\nretry: 100\nfoo: bar\ndata: x\n\n'])).toEqual([message('x')]);
    expect(parse(['data\n\n'])).toEqual([message('')]);
    expect(parse(['data:\ndata:\n\n'])).toEqual([message('\n')]);
  });

  it('does not dispatch a blank-line block without data, and resets the type after each event', () => {
    expect(parse(['event: ping\n\n', 'data: a\n\n'])).toEqual([message('a')]);
    expect(parse(['event: x\ndata: 1\n\ndata: 2\n\n'])).toEqual([message('1', 'x'), message('2')]);
  });

  it('a CR at the end of one chunk and an LF at the start of the next are one line ending', () => {
    expect(parse(['data: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual([message('a\nb')]);
  });

  it('strips a leading BOM, only at the very start', () => {
    expect(parse(['\ufeffdata: a\n\n'])).toEqual([message('a')]);
    // Later, U+FEFF is part of the field name: "\ufeffdata" is an unknown field, ignored.
    expect(parse(['data: a\n\n', '\ufeffdata: b\n\n'])).toEqual([message('a')]);
  });

  it('dispatches what is left at the end when the last blank line never came', () => {
    expect(parse(['data: {"a":1}\n'])).toEqual([message('{"a":1}')]);
    expect(parse(['data: [DONE]'])).toEqual([message('[DONE]')]);
    expect(parse([': only a comment'])).toEqual([]);
  });

  it('gives the same events however the bytes are split, inside CRLF and multibyte characters too', () => {
    const wire = ': hi\r\n\r\nevent: t\r\ndata: héllo\r\ndata: 😀 wörld\r\n\r\ndata: {"x":"日本"}\n\ndata: last\r\r';
    const bytes = new TextEncoder().encode(wire);
    const expected = [message('héllo\n😀 wörld', 't'), message('{"x":"日本"}'), message('last')];
    expect(parseBytes(bytes, [])).toEqual(expected);
    for (let cut = 1; cut < bytes.length; cut += 1) expect(parseBytes(bytes, [cut]), `cut at ${cut}`).toEqual(expected);
    // And one byte at a time.
    expect(parseBytes(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1))).toEqual(expected);
  });

  it('refuses a line or an event longer than the limit', () => {
    const parser = createSseParser(() => undefined, { maxEventChars: 100 });
    expect(() => parser.push('data: ' + 'x'.repeat(200))).toThrow(SseOverflowError);
    const many = createSseParser(() => undefined, { maxEventChars: 100 });
    expect(() => {
      for (let i = 0; i < 30; i += 1) many.push('data: 12345\n');
    }).toThrow(SseOverflowError);
  });

  it('handles many events in one chunk', () => {
    const chunk = Array.from({ length: 1000 }, (_, i) => `data: ${i}\n\n`).join('');
    expect(parse([chunk]).map((e) => e.data)).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
  });
});
