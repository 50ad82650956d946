/**
 * How much text a prompt may hold, and how to cut text down to it. Budgets are in characters, not
 * tokens: the gateway has no tokenizer for the model behind a deployment, so it converts the family's
 * context length with a conservative ratio and cuts on that.
 */
import { contextTokensFor } from './families';

/**
 * Characters per token assumed when turning a context length into a character budget. English
 * prose and typical source code run at about 3.5–4 characters per token on Llama, Mistral and Qwen
 * tokenizers (OpenAI's "1 token ≈ 4 characters" rule of thumb); 3 leaves room for denser text
 * (symbols, non-Latin scripts) so that a prompt that fits here also fits the model.
 */
export const CHARS_PER_TOKEN = 3;

/** Tokens kept free for what the builders add around the content: chat-template markup, labels, control tokens. */
export const TEMPLATE_RESERVE_TOKENS = 256;

export interface BudgetOptions {
  /** Use at most this many tokens of the context even when the family has more (latency-bound prompts). */
  capTokens?: number;
}

/** The output never takes more than half the context: a prompt always has room for its input. */
export function clampMaxTokens(family: string, maxTokens: number): number {
  return Math.max(1, Math.min(Math.floor(maxTokens), Math.floor(contextTokensFor(family) / 2)));
}

/** Characters of prompt text the family's context leaves once `maxTokens` of output are reserved. */
export function promptCharBudget(family: string, maxTokens: number, options: BudgetOptions = {}): number {
  const context = Math.min(contextTokensFor(family), options.capTokens ?? Number.POSITIVE_INFINITY);
  return Math.max(0, (context - maxTokens - TEMPLATE_RESERVE_TOKENS) * CHARS_PER_TOKEN);
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/**
 * The first `max` characters of `text`, never ending inside a surrogate pair. With `atLineEnd`, a
 * cut line at the far end is dropped when that costs less than half of what is kept, so the model
 * does not see half a statement (one long line, e.g. minified code, is kept as it is).
 */
export function takeHead(text: string, max: number, atLineEnd = false): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let end = max;
  if (isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  const kept = text.slice(0, end);
  if (!atLineEnd || text[end] === '\n') return kept;
  const lastBreak = kept.lastIndexOf('\n');
  return lastBreak >= kept.length / 2 ? kept.slice(0, lastBreak + 1) : kept;
}

/** The last `max` characters of `text`, never starting inside a surrogate pair; `atLineStart` as `takeHead`'s `atLineEnd`. */
export function takeTail(text: string, max: number, atLineStart = false): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let start = text.length - max;
  if (isLowSurrogate(text.charCodeAt(start))) start += 1;
  const kept = text.slice(start);
  if (!atLineStart || text[start - 1] === '\n') return kept;
  const firstBreak = kept.indexOf('\n');
  return firstBreak !== -1 && firstBreak < kept.length / 2 ? kept.slice(firstBreak + 1) : kept;
}

/**
 * Share at least this part of a cursor budget goes to the text before the cursor: completions
 * continue the prefix, so it predicts more than the suffix does (the suffix mostly tells the
 * model where to stop).
 */
const PREFIX_SHARE = 0.75;

/**
 * Cuts the text around a cursor to `budget` characters in all, keeping what is nearest the cursor:
 * the end of the prefix and the start of the suffix. The prefix gets at least PREFIX_SHARE of the
 * budget, the suffix what the prefix leaves.
 */
export function trimAroundCursor(prefix: string, suffix: string, budget: number): { prefix: string; suffix: string } {
  if (prefix.length + suffix.length <= budget) return { prefix, suffix };
  const suffixMax = Math.max(budget - prefix.length, Math.floor(budget * (1 - PREFIX_SHARE)));
  const keptSuffix = takeHead(suffix, Math.min(suffix.length, suffixMax), true);
  const keptPrefix = takeTail(prefix, Math.max(0, budget - keptSuffix.length), true);
  return { prefix: keptPrefix, suffix: keptSuffix };
}

/**
 * The largest length each item may keep so that all of them together fit `budget`: short items
 * keep everything, long ones are cut to one common cap ("water filling"). Returns the lengths.
 */
export function fitLengths(lengths: readonly number[], budget: number): number[] {
  const total = lengths.reduce((sum, length) => sum + length, 0);
  if (total <= budget) return [...lengths];
  const ascending = [...lengths].sort((a, b) => a - b);
  let remaining = Math.max(0, budget);
  let cap = 0;
  for (let index = 0; index < ascending.length; index += 1) {
    const length = ascending[index] ?? 0;
    const left = ascending.length - index;
    if (length * left > remaining) {
      cap = Math.floor(remaining / left);
      break;
    }
    remaining -= length;
  }
  return lengths.map((length) => Math.min(length, cap));
}

/** Which part of a text to keep when it is cut: logs keep their end (where the error is), prompts their start and end. */
export type KeepPart = 'start' | 'end' | 'middle';

const omissionMarker = (omitted: number): string => `\n[… ${omitted} characters left out …]\n`;

/**
 * `text` cut to at most `max` characters, with a marker saying how much was left out where the cut
 * is, so the model knows the text is incomplete.
 */
export function truncateWithMarker(text: string, max: number, keep: KeepPart): string {
  if (text.length <= max) return text;
  // The marker is sized for the longest possible count, so the result never exceeds `max`.
  const room = max - omissionMarker(text.length).length;
  if (room <= 0) return keep === 'end' ? takeTail(text, max) : takeHead(text, max);
  if (keep === 'start') {
    const head = takeHead(text, room);
    return head + omissionMarker(text.length - head.length);
  }
  if (keep === 'end') {
    const tail = takeTail(text, room);
    return omissionMarker(text.length - tail.length) + tail;
  }
  const head = takeHead(text, Math.ceil(room / 2));
  const tail = takeTail(text, room - head.length);
  return head + omissionMarker(text.length - head.length - tail.length) + tail;
}
