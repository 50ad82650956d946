/**
 * Duo Chat: `/v2/chat/agent` (gitlab-ai-gateway.md §2.6) and the legacy `/v1/chat/{invokable}`
 * (§2.7). Airlock answers from the conversation and the context GitLab attaches to it; it never asks
 * GitLab to run a tool (no `action` events), so the model gets one prompt and writes the final answer.
 */
import type { ChatMessage, UpstreamCall } from '../upstream/types';
import { clampMaxTokens, promptCharBudget, truncateWithMarker } from './budget';
import { formatChatMessages } from './chat-format';
import { languageTag } from './language';
import { promptDefinitions } from './prompt-definitions';
import { fitSections, labelFromName, renderSections, type Section } from './sections';

/** One `additional_context` item: a file, snippet, issue… the user attached (§2.6). */
export interface AgentAdditionalContext {
  category: string;
  id?: string | null;
  content?: string | null;
  metadata?: Readonly<Record<string, unknown>> | null;
}

/** One step of a ReAct scratchpad: the tool the previous answer asked for and what it returned. */
export interface AgentScratchpadStep {
  action: { thought: string; tool: string; tool_input: string };
  observation: string;
}

/** One message of `/v2/chat/agent`'s `messages[]`, with GitLab's wire names so a parsed body passes straight in. */
export interface AgentMessage {
  role: 'user' | 'assistant' | 'system';
  content?: string | null;
  /** The page the user is on (an issue, an epic…). */
  context?: { type?: string | null; content?: string | null } | null;
  /** The file open in the editor; `data` is the selection when `selected_code` is true, else the file. */
  current_file?: { file_path: string; data: string; selected_code: boolean } | null;
  additional_context?: readonly AgentAdditionalContext[] | null;
  /** Only on assistant messages. */
  agent_scratchpad?: readonly AgentScratchpadStep[] | null;
}

/** Output tokens of a chat answer: 2048, about 1,500 words or 200 lines of code. */
export const CHAT_MAX_TOKENS = 2048;

/** Chat temperature: 0.2, answers grounded in the attached context (as the prompt catalog's). */
export const CHAT_TEMPERATURE = 0.2;

/** The user's newest message keeps at least this share of the budget against its attached context. */
const QUESTION_SHARE = 0.25;

function agentSystemPrompt(unavailableResources: readonly string[]): string {
  const unavailable = unavailableResources.map((resource) => resource.trim().slice(0, 200)).filter((resource) => resource !== '');
  return [
    'You are GitLab Duo Chat, an assistant inside GitLab that helps people build software: writing, explaining and fixing code, Git, CI/CD pipelines, and planning and reviewing work.',
    'Answer from the conversation and from the context attached to the user\'s messages (open files, selected code, issues, merge requests, and results of earlier lookups).',
    'You cannot look anything up yourself. When the answer depends on something that was not provided, say what is missing rather than guessing.',
    ...(unavailable.length > 0
      ? [`You have no access to these resources: ${unavailable.join(', ')}. If a question needs them, say that you cannot access them and suggest where in GitLab the user can find the answer.`]
      : []),
    'Be concise and accurate. Format answers in Markdown and put code in fenced code blocks tagged with their language.',
  ].join(' ');
}

/** A user or assistant turn before rendering: its attached context and its text. */
interface Turn {
  role: 'user' | 'assistant';
  sections: Section[];
  content: string;
}

function contextSections(message: AgentMessage): Section[] {
  const sections: Section[] = [];
  for (const item of message.additional_context ?? []) {
    const name = item.id?.trim() ?? '';
    const label = `Attached ${labelFromName(item.category).toLowerCase()}${name ? ` ${name}` : ''}`;
    const metadata = item.metadata && Object.keys(item.metadata).length > 0 ? JSON.stringify(item.metadata) : '';
    const content = item.content ?? '';
    if (content.trim() !== '') sections.push({ label, body: content, isCode: true, tag: languageTag(name, null) });
    if (metadata !== '') sections.push({ label: `${label} (details)`, body: metadata, isCode: true, tag: 'json' });
  }
  const file = message.current_file;
  if (file && file.data.trim() !== '') {
    const label = file.selected_code ? `Code selected in ${file.file_path}` : `File open in the editor: ${file.file_path}`;
    sections.push({ label, body: file.data, isCode: true, tag: languageTag(file.file_path, null) });
  }
  const context = message.context;
  if (context?.content && context.content.trim() !== '') {
    sections.push({ label: `The ${context.type?.trim() || 'page'} the user is viewing`, body: context.content });
  }
  return sections;
}

const scratchpadSections = (steps: readonly AgentScratchpadStep[]): Section[] =>
  steps
    .filter((step) => step.observation.trim() !== '')
    .map((step) => ({ label: `Result of an earlier lookup (${step.action.tool}${step.action.tool_input ? `: ${step.action.tool_input}` : ''})`, body: step.observation }));

/**
 * The conversation as turns, in order. Scratchpad observations go with the user turn they answer
 * (the latest one before them): an assistant message carrying a scratchpad is an unfinished step,
 * often the last message, and the observations are context for the question, not an answer.
 */
function toTurns(messages: readonly AgentMessage[]): { turns: Turn[]; systemTexts: string[] } {
  const turns: Turn[] = [];
  const systemTexts: string[] = [];
  for (const message of messages) {
    const content = message.content ?? '';
    if (message.role === 'system') {
      if (content.trim() !== '') systemTexts.push(content);
      continue;
    }
    if (message.role === 'user') {
      turns.push({ role: 'user', sections: contextSections(message), content });
      continue;
    }
    const observations = scratchpadSections(message.agent_scratchpad ?? []);
    if (observations.length > 0) {
      const target = turns.findLast((turn) => turn.role === 'user');
      if (target) target.sections.push(...observations);
      else turns.push({ role: 'user', sections: observations, content: '' });
    }
    turns.push({ role: 'assistant', sections: [], content });
  }
  return { turns, systemTexts };
}

const renderTurn = (turn: Turn): string => [renderSections(turn.sections), turn.content].filter((part) => part.trim() !== '').join('\n\n');

/**
 * The newest user turn, cut to `budget`: the user's own text keeps at least QUESTION_SHARE of it
 * (cut in the middle if even that is exceeded) and the attached context shares the rest.
 */
function fitNewestTurn(turn: Turn, budget: number): ChatMessage {
  const contextChars = turn.sections.reduce((sum, section) => sum + section.label.length + section.body.length + 16, 0);
  const contentMax = Math.max(budget - contextChars, Math.floor(budget * QUESTION_SHARE));
  const content = truncateWithMarker(turn.content, contentMax, 'middle');
  const sections = fitSections(turn.sections, budget - content.length);
  return { role: 'user', content: renderTurn({ ...turn, sections, content }) };
}

/**
 * Older turns, newest first, while they fit `budget`. A turn whose attached context does not fit
 * is kept without it (and says so); the first turn that does not fit even then ends the history.
 */
function fitHistory(turns: readonly Turn[], budget: number): ChatMessage[] {
  const kept: ChatMessage[] = [];
  let remaining = budget;
  for (let index = turns.length - 1; index >= 0; index -= 1) {
    const turn = turns[index];
    if (!turn) continue;
    const full = renderTurn(turn);
    const bare = turn.sections.length > 0 ? renderTurn({ ...turn, sections: [], content: `${turn.content}\n\n[Context attached to this message was left out for length.]` }) : full;
    const text = full.length <= remaining ? full : bare;
    if (text.length > remaining) break;
    kept.unshift({ role: turn.role, content: text });
    remaining -= text.length;
  }
  return kept;
}

/** The chat call that answers the newest user message of a `/v2/chat/agent` conversation. */
export function buildChatAgentCall(input: { family: string; messages: readonly AgentMessage[]; unavailableResources: readonly string[] }): UpstreamCall {
  const maxTokens = clampMaxTokens(input.family, CHAT_MAX_TOKENS);
  const params = { maxTokens, temperature: CHAT_TEMPERATURE };
  const { turns, systemTexts } = toTurns(input.messages);
  const system = [agentSystemPrompt(input.unavailableResources), ...systemTexts].join('\n\n');

  // The answer is to the newest user turn; assistant turns after it are unfinished steps.
  const newest = turns.findLastIndex((turn) => turn.role === 'user');
  const budget = Math.max(0, promptCharBudget(input.family, maxTokens) - system.length);
  const messages: ChatMessage[] = [{ role: 'system', content: system }];
  const newestTurn = turns[newest];
  if (newestTurn) {
    const question = fitNewestTurn(newestTurn, budget);
    messages.push(...fitHistory(turns.slice(0, newest), budget - question.content.length), question);
  }
  return { kind: 'chat', messages: formatChatMessages(input.family, messages), params };
}

/** Legacy message roles (Anthropic's `human`/`ai` included) as chat roles. */
function legacyRole(role: string): ChatMessage['role'] {
  const normalised = role.trim().toLowerCase();
  if (normalised === 'system') return 'system';
  if (normalised === 'assistant' || normalised === 'ai' || normalised === 'model') return 'assistant';
  return 'user';
}

/**
 * The chat call for `/v1/chat/{invokable}`. The content is a prompt GitLab built itself (one text,
 * or messages), so it goes to the model as it is, without a system prompt of Airlock's; only its
 * length is fitted: system messages and the newest messages are kept, and a single text too long
 * for the model is cut in the middle, keeping its instructions (start) and its question (end).
 */
export function buildLegacyChatCall(input: { family: string; invokable: string; content: string | readonly { role: string; content: string }[] }): UpstreamCall {
  const promptId = `chat/${input.invokable}`;
  const definition = Object.hasOwn(promptDefinitions, promptId) ? promptDefinitions[promptId] : undefined;
  const maxTokens = clampMaxTokens(input.family, definition?.maxTokens ?? CHAT_MAX_TOKENS);
  const params = { maxTokens, temperature: definition?.temperature ?? CHAT_TEMPERATURE };
  const budget = promptCharBudget(input.family, maxTokens);

  if (typeof input.content === 'string') {
    const messages: ChatMessage[] = [{ role: 'user', content: truncateWithMarker(input.content, budget, 'middle') }];
    return { kind: 'chat', messages: formatChatMessages(input.family, messages), params };
  }

  const all = input.content.map((message) => ({ role: legacyRole(message.role), content: message.content }));
  const systems = all.filter((message) => message.role === 'system').map((message) => ({ ...message, content: truncateWithMarker(message.content, Math.floor(budget / 2), 'middle') }));
  const rest = all.filter((message) => message.role !== 'system');
  let remaining = budget - systems.reduce((sum, message) => sum + message.content.length, 0);
  const kept: ChatMessage[] = [];
  for (let index = rest.length - 1; index >= 0; index -= 1) {
    const message = rest[index];
    if (!message) continue;
    // The newest message is always kept, cut if it must be; older ones only whole.
    const content = kept.length === 0 ? truncateWithMarker(message.content, Math.max(0, remaining), 'middle') : message.content;
    if (content.length > remaining && kept.length > 0) break;
    kept.unshift({ role: message.role, content });
    remaining -= content.length;
  }
  return { kind: 'chat', messages: formatChatMessages(input.family, [...systems, ...kept]), params };
}
