/**
 * The messages that carry the contract over a text channel (WebSocket frames, NDJSON lines on the
 * control socket, Electron MessagePort). Both ends parse with these schemas; nothing is trusted.
 */
import { z } from './zod';
import type { WireError } from './errors';
import { isErrorCode } from './errors';

/** Largest message accepted on any channel. A bigger one is refused before it is parsed. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

const callMessage = z.object({
  t: z.literal('call'),
  id: z.number().int().nonnegative(),
  name: z.string().max(200),
  input: z.unknown(),
});
const subMessage = z.object({ t: z.enum(['sub', 'unsub']), name: z.string().max(200) });
export const clientMessageSchema = z.discriminatedUnion('t', [callMessage, subMessage]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

const wireErrorSchema = z.object({
  code: z.string().refine(isErrorCode, 'unknown error code'),
  message: z.string(),
  data: z.record(z.string(), z.unknown()),
}) as unknown as z.ZodType<WireError>;

const resultMessage = z.union([
  z.object({ t: z.literal('result'), id: z.number().int(), ok: z.literal(true), value: z.unknown() }),
  z.object({ t: z.literal('result'), id: z.number().int(), ok: z.literal(false), error: wireErrorSchema }),
]);
const eventMessage = z.object({ t: z.literal('event'), name: z.string(), payload: z.unknown() });
/** A message the core sends that answers no particular call, e.g. a malformed-frame notice. */
const noticeMessage = z.object({ t: z.literal('notice'), error: wireErrorSchema });
export const serverMessageSchema = z.union([resultMessage, eventMessage, noticeMessage]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

export type ParseOutcome<T> = { ok: true; message: T } | { ok: false; reason: string };

/** Parses one text frame with `schema`: size first, then JSON, then shape. */
export function parseFrame<T>(text: string, schema: z.ZodType<T>): ParseOutcome<T> {
  if (text.length > MAX_MESSAGE_BYTES) {
    return { ok: false, reason: `message of ${text.length} bytes is over the ${MAX_MESSAGE_BYTES}-byte limit` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error).join('; ') };
  return { ok: true, message: parsed.data };
}

/** Turns zod issues into short "path: problem" strings for error messages. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.slice(0, 10).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(input)';
    return `${path}: ${issue.message}`;
  });
}
