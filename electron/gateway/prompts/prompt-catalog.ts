/**
 * `/v1/prompts/{id}` and `/v2/prompts/{id}` (gitlab-ai-gateway.md §2.8, §2.9): the request's
 * `inputs` checked and rendered into the prompt the id names, shaped for the model's family.
 * Refusals carry the status GitLab's gateway uses: 404 for an unknown id, 422 for a bad version
 * constraint or unusable inputs.
 */
import type { ChatMessage, UpstreamCall } from '../upstream/types';
import { clampMaxTokens, promptCharBudget } from './budget';
import { formatChatMessages } from './chat-format';
import { languageTag } from './language';
import { promptDefinitions, type InputSlot, type PromptDefinition } from './prompt-definitions';
import { inputProblem, inputsSize, inputText } from './prompt-inputs';
import { isPromptVersion } from './prompt-version';
import { fitSections, labelFromName, renderSections, type Section } from './sections';

/** A prompt ready to send, or why not. */
export type PromptBuild = { ok: true; call: UpstreamCall } | { ok: false; status: 404 | 422; detail: string };

/**
 * Inputs of one request hold at most this many characters: GitLab's gateway caps a chat prompt's
 * content at 400k (gitlab-ai-gateway.md §2.7), and nothing larger fits a model's context anyway.
 */
export const MAX_INPUT_CHARS = 400_000;

/** The prompt id that only checks that the model answers; it ignores its inputs. */
const CHECK_PROMPT_ID = 'model_configuration/check';

/** A value quoted in an error message, shortened: ids and versions come from the caller. */
const quote = (value: string): string => `'${value.length > 100 ? `${value.slice(0, 100)}…` : value}'`;

/** The first of the slot's names the inputs hold a non-empty value for. */
const slotInput = (slot: InputSlot, inputs: Readonly<Record<string, unknown>>): string | undefined =>
  slot.names.find((name) => Object.hasOwn(inputs, name) && inputText(inputs[name]) !== null);

/** A language input usable as a fence tag: one word such as `python`, not a sentence about the language. */
const isLanguageWord = (text: string): boolean => /^[\w+#.-]{1,30}$/.test(text.trim());

/** The fence tag for code inputs: from a one-word language input, else from the file name input. */
function codeTag(inputs: Readonly<Record<string, unknown>>): string {
  const languageName = ['language', 'language_name', 'language_info'].map((name) => inputText(inputs[name])).find((text) => text !== null && isLanguageWord(text));
  const fileName = ['file_name', 'file_path', 'filename', 'path'].map((name) => inputText(inputs[name])).find((text) => text !== null);
  return languageTag(fileName ?? '', languageName ?? null);
}

/**
 * The inputs as sections: first those the prompt has slots for, in its order, then every other
 * input under a label made from its name (so that nothing the caller sent is lost), and last the
 * user's own request, nearest the task.
 */
function inputSections(definition: PromptDefinition, inputs: Readonly<Record<string, unknown>>): Section[] {
  const used = new Set<string>();
  const tag = codeTag(inputs);
  const slotSection = (slot: InputSlot): Section[] => {
    const name = slotInput(slot, inputs);
    if (name === undefined) return [];
    used.add(name);
    return [
      {
        label: slot.label,
        body: inputText(inputs[name]) ?? '',
        ...(slot.isCode ? { isCode: true, tag: slot.tag ?? tag } : {}),
        ...(slot.keep ? { keep: slot.keep } : {}),
      },
    ];
  };
  const material = definition.slots.filter((slot) => !slot.isRequest).flatMap(slotSection);
  const requests = definition.slots.filter((slot) => slot.isRequest).flatMap(slotSection);
  const others: Section[] = [];
  for (const [name, value] of Object.entries(inputs)) {
    const text = inputText(value);
    if (used.has(name) || text === null) continue;
    // Objects and arrays arrive as compact JSON: tag them so the model reads them as data.
    others.push(typeof value === 'object' ? { label: labelFromName(name), body: text, isCode: true, tag: 'json' } : { label: labelFromName(name), body: text });
  }
  return [...material, ...others, ...requests];
}

/** The call for prompt `promptId` with `inputs`, for a model of `family`, or the refusal. */
export function buildPrompt(promptId: string, inputs: Readonly<Record<string, unknown>>, family: string, promptVersion?: string | null): PromptBuild {
  const definition = Object.hasOwn(promptDefinitions, promptId) ? promptDefinitions[promptId] : undefined;
  if (!definition) return { ok: false, status: 404, detail: `Prompt ${quote(promptId)} not found.` };

  if (promptVersion !== undefined && promptVersion !== null && !isPromptVersion(promptVersion)) {
    return { ok: false, status: 422, detail: `Prompt version ${quote(promptVersion)} is not valid: send a version such as 1.0.0 or a range such as ^1.0.0 or ~1.2.` };
  }
  for (const [name, value] of Object.entries(inputs)) {
    const problem = inputProblem(name, value);
    if (problem) return { ok: false, status: 422, detail: problem };
  }
  const size = inputsSize(inputs);
  if (size > MAX_INPUT_CHARS) {
    return { ok: false, status: 422, detail: `The inputs hold ${size} characters; at most ${MAX_INPUT_CHARS} are accepted. Send less context.` };
  }

  const isCheck = promptId === CHECK_PROMPT_ID;
  const sections = isCheck ? [] : inputSections(definition, inputs);
  if (!isCheck && sections.length === 0) {
    return { ok: false, status: 422, detail: `Prompt ${quote(promptId)} needs inputs to work on; none were sent (or all were empty).` };
  }

  const maxTokens = clampMaxTokens(family, definition.maxTokens);
  const fixed = definition.system.length + definition.task.length + 16;
  const fitted = fitSections(sections, Math.max(0, promptCharBudget(family, maxTokens) - fixed));
  const user = fitted.length > 0 ? `${renderSections(fitted)}\n\n${definition.task}` : definition.task;
  const messages: ChatMessage[] = [
    { role: 'system', content: definition.system },
    { role: 'user', content: user },
  ];
  return {
    ok: true,
    call: { kind: 'chat', messages: formatChatMessages(family, messages), params: { maxTokens, temperature: definition.temperature } },
  };
}
