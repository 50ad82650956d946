/**
 * Code generation (`/v4/code/suggestions` and `/v3/code/completions` with a
 * `code_editor_generation` component; gitlab-ai-gateway.md §2.5): a larger piece of code written
 * at the cursor, following the developer's instruction (usually a comment) or what the surrounding
 * code calls for. Always a chat call; the answer comes back in one fenced block that `extractCode`
 * (whole answers) or `createFenceStripper` (streams) takes off.
 */
import type { ChatMessage, UpstreamCall } from '../upstream/types';
import { clampMaxTokens, promptCharBudget, trimAroundCursor, truncateWithMarker } from './budget';
import { formatChatMessages } from './chat-format';
import { describeLanguage, languageTag } from './language';
import { fenced, isClosingFence, parseOpeningFence } from './markdown-fence';
import { fitSections, labelFromName, renderSection, renderSections, type Section } from './sections';

export { createFenceStripper, type FenceStripper } from './fence-stripper';

/** One generation request as the routes parse it. */
export interface CodeGenerationInput {
  family: string;
  fileName: string;
  language: string | null;
  /** `content_above_cursor`. */
  above: string;
  /** `content_below_cursor`. */
  below: string;
  /** `user_instruction`, or the comment the generation was triggered by; null: none. */
  instruction: string | null;
  /** Related files and snippets (`related_files`, `related_snippets`, `context`). */
  context: readonly { type: string; name: string; content: string }[];
  libraries?: readonly string[];
}

/**
 * Output tokens of a generation: 2048, about 200 lines of code: room for a whole function or class,
 * which is what generation is for, while bounding how long the developer waits.
 */
export const GENERATION_MAX_TOKENS = 2048;

/** Sampling temperature: 0.2, low because the code must fit the file it goes into (as COMPLETION_TEMPERATURE). */
export const GENERATION_TEMPERATURE = 0.2;

/** The file around the cursor gets at least this share of the budget; related code gets the rest. */
const FILE_SHARE = 0.6;

/** The instruction takes at most this share of the budget. */
const INSTRUCTION_SHARE = 0.25;

/** Where the new code goes in the file shown to the model. */
export const GENERATION_MARKER = '<CURSOR>';

/** Libraries listed at most (names cut to 100 characters): they orient the model but should not crowd out code. */
const MAX_LIBRARIES = 100;

function systemPrompt(languageName: string | null): string {
  return [
    `You are an experienced ${languageName ?? 'software'} developer writing code directly into a file open in the developer's editor.`,
    `The file is shown with ${GENERATION_MARKER} where the new code goes.`,
    'Write the code the instruction asks for; without an instruction, write what the comments and the code around the cursor call for.',
    'The code must fit where it goes: match the file\'s language, style and indentation, use what the file already defines and imports, and do not repeat code that is already above or below the cursor.',
    'Answer with a single Markdown code block holding only the code to insert, and nothing before or after it.',
  ].join(' ');
}

/** The chat call that generates code at the cursor. */
export function buildCodeGeneration(input: CodeGenerationInput): UpstreamCall {
  const maxTokens = clampMaxTokens(input.family, GENERATION_MAX_TOKENS);
  const language = describeLanguage(input.fileName, input.language);
  const system = systemPrompt(language?.name ?? null);

  const header = [`File: ${input.fileName}`, ...(language ? [`Language: ${language.name}`] : [])].join('\n');
  const libraries = (input.libraries ?? []).map((name) => name.trim().slice(0, 100)).filter((name) => name !== '').slice(0, MAX_LIBRARIES);
  const librariesLine = libraries.length > 0 ? `Libraries the project uses: ${libraries.join(', ')}` : '';
  const totalBudget = promptCharBudget(input.family, maxTokens);
  // An instruction is a few lines; one pasted at length still leaves three quarters to the code.
  const instruction = truncateWithMarker(input.instruction?.trim() ?? '', Math.floor(totalBudget * INSTRUCTION_SHARE), 'start');
  const task =
    instruction !== ''
      ? `${renderSection({ label: 'Instruction', body: instruction })}\n\nWrite the code for this instruction at ${GENERATION_MARKER}.`
      : `There is no separate instruction: write the code that belongs at ${GENERATION_MARKER}, as the comments and the code around it ask for.`;
  const fileLead = `The file, with ${GENERATION_MARKER} where the new code goes:`;

  const fixed = system.length + header.length + librariesLine.length + task.length + fileLead.length + GENERATION_MARKER.length + 64;
  const budget = Math.max(0, totalBudget - fixed);

  const related: Section[] = input.context
    .filter((item) => item.content.trim() !== '')
    .map((item) => ({ label: `${labelFromName(item.type)} ${item.name}`, body: item.content, isCode: true, tag: languageTag(item.name, null) }));
  const relatedChars = related.reduce((sum, section) => sum + section.body.length + section.label.length + 16, 0);
  // The file gets what the related code leaves, and never less than FILE_SHARE of the budget.
  const fileBudget = Math.max(budget - relatedChars, Math.floor(budget * FILE_SHARE));
  const { prefix, suffix } = trimAroundCursor(input.above, input.below, fileBudget);
  const fitted = fitSections(related, budget - prefix.length - suffix.length);

  const parts = [
    header,
    ...(librariesLine ? [librariesLine] : []),
    ...(fitted.length > 0 ? [`Code from other files of the project, for reference:\n\n${renderSections(fitted)}`] : []),
    `${fileLead}\n${fenced(`${prefix}${GENERATION_MARKER}${suffix}`, language?.tag ?? '')}`,
    task,
  ];
  const messages: ChatMessage[] = [
    { role: 'system', content: system },
    { role: 'user', content: parts.join('\n\n') },
  ];
  return { kind: 'chat', messages: formatChatMessages(input.family, messages), params: { maxTokens, temperature: GENERATION_TEMPERATURE } };
}

const isBlank = (line: string): boolean => line.trim() === '';

/** `lines` without blank lines at either end. */
function trimBlankLines(lines: readonly string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && isBlank(lines[start] ?? '')) start += 1;
  while (end > start && isBlank(lines[end - 1] ?? '')) end -= 1;
  return lines.slice(start, end);
}

/** The lines of the block a fence opens at `openingIndex`, up to its closing fence or the end. */
function blockFrom(lines: readonly string[], openingIndex: number): string[] | null {
  const opening = parseOpeningFence(lines[openingIndex] ?? '');
  if (!opening) return null;
  const body = lines.slice(openingIndex + 1);
  const closing = body.findIndex((line) => isClosingFence(line, opening));
  return closing === -1 ? body : body.slice(0, closing);
}

/**
 * A line of prose that introduces code ("Here is the updated function:"): at least three words,
 * ending with a colon, without the brackets and operators that a line of code ending with a colon
 * (`def f():`, `else:`) has.
 */
const isIntroLine = (line: string): boolean => /^[\p{L}][\p{L}\p{N}'’ ,.!-]*:\s*$/u.test(line.trim()) && line.trim().split(/\s+/).length >= 3;

/**
 * The code in a model's answer. An answer that opens with a fence: the block's content (what follows
 * the closing fence is commentary). An answer of one or two lines of introduction and then a fenced
 * block: that block. Anything else: the text. In every case without blank lines at either end.
 */
export function extractCode(text: string): string {
  const lines = text.split('\n');
  const first = lines.findIndex((line) => !isBlank(line));
  if (first === -1) return '';
  const block = blockFrom(lines, first);
  if (block) return trimBlankLines(block).join('\n');

  const fenceIndex = lines.findIndex((line) => parseOpeningFence(line) !== null);
  if (fenceIndex > first) {
    const intro = lines.slice(first, fenceIndex).filter((line) => !isBlank(line));
    const lastIntro = intro.at(-1);
    const introBlock = intro.length <= 2 && lastIntro !== undefined && isIntroLine(lastIntro) ? blockFrom(lines, fenceIndex) : null;
    if (introBlock) return trimBlankLines(introBlock).join('\n');
  }
  return trimBlankLines(lines).join('\n');
}
