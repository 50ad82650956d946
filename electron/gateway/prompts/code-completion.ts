/**
 * Code completion (`/v2/code/completions`, `/v2/completions`, and `code_editor_completion` through
 * `/v3/code/completions`; gitlab-ai-gateway.md §2.4, §2.5): the text to insert at the cursor while
 * the developer types. FIM families get their raw fill-in-the-middle prompt; the others get a chat
 * instruction, and `cleanCompletion` takes off what chat models add around the code.
 */
import type { ChatMessage, GenerationParams, UpstreamCall } from '../upstream/types';
import { clampMaxTokens, promptCharBudget, trimAroundCursor } from './budget';
import { formatChatMessages } from './chat-format';
import { fimTemplateFor } from './fim';
import { describeLanguage } from './language';
import { fenced, isClosingFence, parseOpeningFence } from './markdown-fence';

/** One completion request as the routes parse it. */
export interface CodeCompletionInput {
  /** The model family (`model_name` / `model_metadata.name`). */
  family: string;
  fileName: string;
  /** `language_identifier` when the editor sent one. */
  language: string | null;
  /** `content_above_cursor`. */
  prefix: string;
  /** `content_below_cursor`. */
  suffix: string;
  maxTokens?: number;
}

/**
 * Output tokens of a FIM completion: 64, GitLab's own figure for its FIM families (gitlab-ai-gateway.md
 * §2.4). About three lines of code: completions are shown while the developer types, so latency
 * matters more than length; code generation (code-generation.ts) writes the longer pieces.
 */
export const FIM_MAX_TOKENS = 64;

/**
 * Output tokens of a completion through chat: 128. Chat models spend a few tokens on a fence the
 * gateway strips and end less tightly than FIM models; GitLab's base completion prompt also allows
 * 128 (§2.4).
 */
export const CHAT_COMPLETION_MAX_TOKENS = 128;

/**
 * Sampling temperature for completions: 0.2. Close to greedy, because a completion should be the
 * most likely code, not a creative one; not 0, because pure greedy decoding of small code models
 * falls into repeating lines. GitLab uses 0 to 0.32 across families (§2.3, §2.4).
 */
export const COMPLETION_TEMPERATURE = 0.2;

/**
 * At most this many tokens of context go into a completion prompt, whatever the family allows:
 * the server reads the whole prompt before the first token comes back, and 8k tokens (about 24,000
 * characters, some 600 lines around the cursor) already hold the surrounding code. It also keeps
 * the prompt within vLLM deployments started with a shorter `--max-model-len` than the family's.
 */
export const COMPLETION_CONTEXT_CAP_TOKENS = 8192;

/** Where the cursor is in the file shown to a chat model. */
export const CURSOR_MARKER = '<CURSOR>';

const CHAT_COMPLETION_SYSTEM = [
  'You are a code completion engine inside a code editor.',
  `You receive the file the developer is editing, with ${CURSOR_MARKER} where the cursor is.`,
  `Reply with exactly the text to insert at ${CURSOR_MARKER}, so that the file reads correctly with it in place.`,
  'Write only that text: no explanation, no Markdown fences, and no code that is already before or after the cursor.',
  'Complete the current line or statement, or the block it opens; keep it short.',
  'If nothing should be inserted, reply with nothing.',
].join(' ');

/** The upstream call for a completion: a FIM prompt for FIM families, a chat instruction for the others. */
export function buildCodeCompletion(input: CodeCompletionInput): UpstreamCall {
  const template = fimTemplateFor(input.family);
  if (template) {
    const maxTokens = clampMaxTokens(input.family, input.maxTokens ?? FIM_MAX_TOKENS);
    // The control tokens take a handful of tokens; the budget's template reserve covers them.
    const budget = promptCharBudget(input.family, maxTokens, { capTokens: COMPLETION_CONTEXT_CAP_TOKENS });
    const { prefix, suffix } = trimAroundCursor(input.prefix, input.suffix, budget);
    // Only the template's stops, no blank line: a block with a blank line inside is a normal
    // completion, and a stop on "\n\n" would cut it after its first paragraph. FIM models end the
    // middle with their end-of-sequence token where the suffix takes over; maxTokens bounds the rest.
    const params: GenerationParams = { maxTokens, temperature: COMPLETION_TEMPERATURE, stop: template.stop };
    return { kind: 'completion', prompt: template.format(prefix, suffix), params };
  }

  const maxTokens = clampMaxTokens(input.family, input.maxTokens ?? CHAT_COMPLETION_MAX_TOKENS);
  const language = describeLanguage(input.fileName, input.language);
  const header = [`File: ${input.fileName}`, ...(language ? [`Language: ${language.name}`] : [])].join('\n');
  const fixedChars = CHAT_COMPLETION_SYSTEM.length + header.length + CURSOR_MARKER.length + 32;
  const budget = Math.max(0, promptCharBudget(input.family, maxTokens, { capTokens: COMPLETION_CONTEXT_CAP_TOKENS }) - fixedChars);
  const { prefix, suffix } = trimAroundCursor(input.prefix, input.suffix, budget);
  const messages: ChatMessage[] = [
    { role: 'system', content: CHAT_COMPLETION_SYSTEM },
    { role: 'user', content: `${header}\n\n${fenced(`${prefix}${CURSOR_MARKER}${suffix}`, language?.tag ?? '')}` },
  ];
  return { kind: 'chat', messages: formatChatMessages(input.family, messages), params: { maxTokens, temperature: COMPLETION_TEMPERATURE } };
}

/**
 * End-of-turn markers of chat templates that can leak into a chat completion's text when a server
 * does not treat them as special (Llama 3 `<|eot_id|>`, ChatML `<|im_end|>`, Gemma `<end_of_turn>`).
 * `</s>` is not here: it is also an HTML end tag.
 */
const CHAT_LEAK_MARKERS = ['<|eot_id|>', '<|im_end|>', '<end_of_turn>'];

/** `text` up to the first of `markers`. */
function cutAtFirst(text: string, markers: readonly string[]): string {
  let end = text.length;
  for (const marker of markers) {
    const index = text.indexOf(marker);
    if (index !== -1 && index < end) end = index;
  }
  return text.slice(0, end);
}

/**
 * The code inside a fence that opens the text: from after the opening line to the closing fence
 * (what follows it is the model talking), or to the end when the answer was cut before closing.
 * Text that does not start with a fence is returned as it is.
 */
function stripLeadingFence(text: string): string {
  const lines = text.split('\n');
  let first = 0;
  while (first < lines.length && (lines[first] ?? '').trim() === '') first += 1;
  const opening = first < lines.length ? parseOpeningFence(lines[first] ?? '') : null;
  if (!opening) return text;
  const body = lines.slice(first + 1);
  const closing = body.findIndex((line) => isClosingFence(line, opening));
  return (closing === -1 ? body : body.slice(0, closing)).join('\n');
}

/** Echoes shorter than this many non-blank characters are left alone: too likely to be real code. */
const MIN_ECHO_CHARS = 3;

/**
 * The answer without a repeat of the prefix's last line, which chat models often write again before
 * the new code. Two cases only: the answer starts with the cursor line's text exactly as the prefix
 * has it (or with its indentation dropped), or the cursor is on a line holding only indentation and
 * the answer starts with that same indentation.
 */
function stripPrefixEcho(text: string, prefix: string): string {
  const cursorLine = prefix.slice(prefix.lastIndexOf('\n') + 1);
  if (cursorLine === '') return text;
  if (cursorLine.trim() === '') return text.startsWith(cursorLine) ? text.slice(cursorLine.length) : text;
  if (cursorLine.replace(/\s/g, '').length < MIN_ECHO_CHARS) return text;
  if (text.startsWith(cursorLine)) return text.slice(cursorLine.length);
  const unindented = cursorLine.trimStart();
  if (unindented !== cursorLine && text.startsWith(unindented)) return text.slice(unindented.length);
  return text;
}

/**
 * The model's answer made ready to insert at the cursor. For every family: cut at the first stop
 * sequence that slipped through (servers do not always cut at control tokens). For chat families
 * only, since FIM models neither fence nor echo and a FIM answer may legitimately contain a fence
 * (completing a Markdown file): the wrapping fence is taken off, a repeat of the cursor line is
 * taken off, and trailing newlines are dropped when the rest of the line after the cursor is empty
 * (the model's closing newline would otherwise add a blank line).
 */
export function cleanCompletion(text: string, input: CodeCompletionInput): string {
  const template = fimTemplateFor(input.family);
  if (template) return cutAtFirst(text, template.stop);
  let cleaned = stripLeadingFence(cutAtFirst(text, CHAT_LEAK_MARKERS));
  cleaned = stripPrefixEcho(cleaned, input.prefix);
  const restOfLine = input.suffix.split('\n', 1)[0] ?? '';
  if (restOfLine.trim() === '') cleaned = cleaned.replace(/\n+$/, '');
  return cleaned;
}
