/**
 * Shapes a conversation so that the family's own chat template accepts it. The server (vLLM's
 * `/v1/chat/completions`, Bedrock, Azure) renders the messages with the model's template; several
 * templates raise an error on a system role or on two turns of the same role in a row, which the
 * client would see as a failed request.
 */
import type { ChatMessage } from '../upstream/types';
import { normaliseFamily } from './families';

interface TemplateRules {
  /** The template renders a `system` message; false: its text goes at the head of the first user turn. */
  hasSystemRole: boolean;
  /** The template (or API) needs the turns to start with `user`, and generation needs one to end the list. */
  needsUserFirstAndLast: boolean;
}

/**
 * Mistral-7B-Instruct v0.1/v0.2 and Mixtral-8x7B-Instruct v0.1 templates raise "Conversation roles
 * must alternate user/assistant/user/assistant/..." and accept only user and assistant roles
 * (their tokenizer_config.json `chat_template`); mistral-common's v1 tokenizer likewise puts the
 * system prompt at the head of the first user message. Codestral ships the same template.
 */
const mistralRules: TemplateRules = { hasSystemRole: false, needsUserFirstAndLast: true };

/** Rules per family; families not listed get `permissiveRules`. */
const rulesByFamily: Readonly<Record<string, TemplateRules>> = {
  mistral: mistralRules,
  mixtral: mistralRules,
  codestral: mistralRules,
  // Gemma's template raises "System role not supported" and checks the same alternation (google/codegemma-7b-it).
  codegemma: { hasSystemRole: false, needsUserFirstAndLast: true },
  // Llama 2's template, which Code Llama Instruct uses: `<<SYS>>` inside the first [INST], strict alternation.
  codellama: { hasSystemRole: true, needsUserFirstAndLast: true },
  // Anthropic's Messages API and Bedrock Converse want the first message from the user; the system prompt is separate.
  claude_3: { hasSystemRole: true, needsUserFirstAndLast: true },
  // Gemini takes a separate system instruction and answers the last user turn.
  gemini: { hasSystemRole: true, needsUserFirstAndLast: true },
};

/** Llama 3, Qwen (ChatML), DeepSeek Coder Instruct, GPT and OpenAI-compatible `general` servers take any order and a system role. */
const permissiveRules: TemplateRules = { hasSystemRole: true, needsUserFirstAndLast: false };

const joinTurns = (first: string, second: string): string => `${first}\n\n${second}`;

/**
 * The messages as the family's chat template accepts them. For every family: empty messages are
 * dropped, system messages are joined into one at the start, and consecutive messages of the same
 * role are merged (no template needs them apart, several refuse them). Then, per family: the system
 * text goes into the first user turn when the template has no system role, and assistant turns
 * before the first or after the last user turn are dropped where the template needs user turns
 * at both ends.
 */
export function formatChatMessages(family: string, messages: readonly ChatMessage[]): ChatMessage[] {
  const id = normaliseFamily(family);
  const rules = Object.hasOwn(rulesByFamily, id) ? (rulesByFamily[id] ?? permissiveRules) : permissiveRules;

  const nonEmpty = messages.filter((message) => message.content.trim() !== '');
  const systemText = nonEmpty
    .filter((message) => message.role === 'system')
    .map((message) => message.content)
    .join('\n\n');

  const turns: ChatMessage[] = [];
  for (const message of nonEmpty) {
    if (message.role === 'system') continue;
    const last = turns.at(-1);
    if (last && last.role === message.role) turns[turns.length - 1] = { role: last.role, content: joinTurns(last.content, message.content) };
    else turns.push({ role: message.role, content: message.content });
  }

  if (rules.needsUserFirstAndLast) {
    while (turns[0]?.role === 'assistant') turns.shift();
    while (turns.at(-1)?.role === 'assistant') turns.pop();
  }

  if (systemText === '') return turns;
  if (rules.hasSystemRole) return [{ role: 'system', content: systemText }, ...turns];
  const firstUser = turns.findIndex((message) => message.role === 'user');
  if (firstUser === -1) return [{ role: 'user', content: systemText }, ...turns];
  const target = turns[firstUser];
  if (target) turns[firstUser] = { role: 'user', content: joinTurns(systemText, target.content) };
  return turns;
}
