import { describe, expect, it } from 'vitest';
import { buildChatAgentCall, buildLegacyChatCall, type AgentMessage } from '../../../../electron/gateway/prompts/chat-agent';
import type { ChatMessage, UpstreamCall } from '../../../../electron/gateway/upstream/types';

const SYSTEM_HEAD =
  'You are GitLab Duo Chat, an assistant inside GitLab that helps people build software: writing, explaining and fixing code, Git, CI/CD pipelines, and planning and reviewing work. ' +
  "Answer from the conversation and from the context attached to the user's messages (open files, selected code, issues, merge requests, and results of earlier lookups). " +
  'You cannot look anything up yourself. When the answer depends on something that was not provided, say what is missing rather than guessing.';
const SYSTEM_UNAVAILABLE =
  ' You have no access to these resources: Merge Requests, Pipelines, Vulnerabilities. If a question needs them, say that you cannot access them and suggest where in GitLab the user can find the answer.';
const SYSTEM_TAIL = ' Be concise and accurate. Format answers in Markdown and put code in fenced code blocks tagged with their language.';
const SYSTEM = SYSTEM_HEAD + SYSTEM_UNAVAILABLE + SYSTEM_TAIL;
const UNAVAILABLE = ['Merge Requests, Pipelines, Vulnerabilities'];

const conversation: AgentMessage[] = [
  {
    role: 'user',
    content: 'How do I run the tests?',
    additional_context: [{ category: 'file', id: 'package.json', content: '{"scripts":{"test":"vitest"}}' }],
    current_file: { file_path: 'src/a.ts', data: 'export const a = 1;', selected_code: true },
    context: { type: 'issue', content: 'Tests are flaky' },
  },
  { role: 'assistant', content: 'Run npm test.' },
  { role: 'user', content: 'And only one file?', context: null, current_file: null, additional_context: null },
];

const FIRST_USER =
  'Attached file package.json:\n```json\n{"scripts":{"test":"vitest"}}\n```\n\n' +
  'Code selected in src/a.ts:\n```typescript\nexport const a = 1;\n```\n\n' +
  'The issue the user is viewing: Tests are flaky\n\n' +
  'How do I run the tests?';

function messagesOf(call: UpstreamCall): readonly ChatMessage[] {
  if (call.kind !== 'chat') throw new Error('expected a chat call');
  return call.messages;
}

const totalChars = (messages: readonly ChatMessage[]): number => messages.reduce((sum, message) => sum + message.content.length, 0);

describe('buildChatAgentCall', () => {
  it('renders the conversation with its context for a template with a system role', () => {
    expect(buildChatAgentCall({ family: 'llama3', messages: conversation, unavailableResources: UNAVAILABLE })).toEqual({
      kind: 'chat',
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: FIRST_USER },
        { role: 'assistant', content: 'Run npm test.' },
        { role: 'user', content: 'And only one file?' },
      ],
      params: { maxTokens: 2048, temperature: 0.2 },
    });
  });

  it('folds the system prompt into the first user turn for Mistral templates', () => {
    expect(messagesOf(buildChatAgentCall({ family: 'mixtral', messages: conversation, unavailableResources: UNAVAILABLE }))).toEqual([
      { role: 'user', content: `${SYSTEM}\n\n${FIRST_USER}` },
      { role: 'assistant', content: 'Run npm test.' },
      { role: 'user', content: 'And only one file?' },
    ]);
  });

  it('says nothing about unavailable resources when there are none, and adds GitLab\'s system messages', () => {
    const messages: AgentMessage[] = [
      { role: 'system', content: 'Answer in French.' },
      { role: 'user', content: 'Hi' },
    ];
    expect(messagesOf(buildChatAgentCall({ family: 'gpt', messages, unavailableResources: [' ', ''] }))).toEqual([
      { role: 'system', content: `${SYSTEM_HEAD}${SYSTEM_TAIL}\n\nAnswer in French.` },
      { role: 'user', content: 'Hi' },
    ]);
  });

  it('renders a whole open file and attached items without content or with metadata', () => {
    const messages: AgentMessage[] = [
      {
        role: 'user',
        content: 'Explain',
        current_file: { file_path: 'main.go', data: 'package main', selected_code: false },
        additional_context: [
          { category: 'merge_request', id: '!12', content: null, metadata: { state: 'opened' } },
          { category: 'snippet', content: '   ' },
        ],
      },
    ];
    expect(messagesOf(buildChatAgentCall({ family: 'llama3', messages, unavailableResources: [] }))[1]).toEqual({
      role: 'user',
      content: 'Attached merge request !12 (details):\n```json\n{"state":"opened"}\n```\n\nFile open in the editor: main.go:\n```go\npackage main\n```\n\nExplain',
    });
  });

  it('gives earlier lookups to the question they answer, and drops the unfinished step', () => {
    const messages: AgentMessage[] = [
      { role: 'user', content: 'What does issue 5 say?' },
      { role: 'assistant', content: null, agent_scratchpad: [{ action: { thought: 'I should read it.', tool: 'issue_reader', tool_input: '5' }, observation: 'Issue 5: Fix login' }] },
    ];
    expect(messagesOf(buildChatAgentCall({ family: 'llama3', messages, unavailableResources: [] }))).toEqual([
      { role: 'system', content: `${SYSTEM_HEAD}${SYSTEM_TAIL}` },
      { role: 'user', content: 'Result of an earlier lookup (issue_reader: 5): Issue 5: Fix login\n\nWhat does issue 5 say?' },
    ]);
  });

  it('keeps the newest turns within the family\'s context', () => {
    const messages: AgentMessage[] = [];
    for (let turn = 0; turn < 200; turn += 1) {
      messages.push({ role: 'user', content: `question ${turn} ${'q'.repeat(1000)}` });
      messages.push({ role: 'assistant', content: `answer ${turn} ${'a'.repeat(1000)}` });
    }
    messages.push({ role: 'user', content: 'the newest question' });
    const result = messagesOf(buildChatAgentCall({ family: 'mixtral', messages, unavailableResources: UNAVAILABLE }));
    // mixtral: 32,768 tokens, 2048 of them for the answer, at 3 characters per token.
    expect(totalChars(result)).toBeLessThanOrEqual((32_768 - 2048 - 256) * 3);
    expect(result.at(-1)).toEqual({ role: 'user', content: 'the newest question' });
    expect(result.at(-2)?.content.startsWith('answer 199 ')).toBe(true);
    expect(result.some((message) => message.content.includes('question 0 '))).toBe(false);
    expect(result[0]?.role).toBe('user');
    expect(result[0]?.content.startsWith(SYSTEM)).toBe(true);
  });

  it('cuts a huge attachment of the newest turn, keeping the question', () => {
    const messages: AgentMessage[] = [{ role: 'user', content: 'Why does this fail?', current_file: { file_path: 'big.py', data: 'x = 1\n'.repeat(100_000), selected_code: false } }];
    const result = messagesOf(buildChatAgentCall({ family: 'codegemma', messages, unavailableResources: [] }));
    expect(totalChars(result)).toBeLessThanOrEqual((8192 - 2048 - 256) * 3);
    expect(result.at(-1)?.content.endsWith('Why does this fail?')).toBe(true);
    expect(result.at(-1)?.content).toContain('characters left out');
  });

  it('keeps an older turn without its attachment when only that does not fit', () => {
    const messages: AgentMessage[] = [
      { role: 'user', content: 'Look at this', current_file: { file_path: 'big.py', data: 'y = 2\n'.repeat(100_000), selected_code: false } },
      { role: 'assistant', content: 'It sets y.' },
      { role: 'user', content: 'Thanks, and now?' },
    ];
    const result = messagesOf(buildChatAgentCall({ family: 'llama3', messages, unavailableResources: [] }));
    expect(result.slice(1)).toEqual([
      { role: 'user', content: 'Look at this\n\n[Context attached to this message was left out for length.]' },
      { role: 'assistant', content: 'It sets y.' },
      { role: 'user', content: 'Thanks, and now?' },
    ]);
  });
});

describe('buildLegacyChatCall', () => {
  it('sends a prompt text as one user turn, without a system prompt of its own', () => {
    expect(buildLegacyChatCall({ family: 'llama3', invokable: 'explain_code', content: 'Explain: x = 1' })).toEqual({
      kind: 'chat',
      messages: [{ role: 'user', content: 'Explain: x = 1' }],
      params: { maxTokens: 2048, temperature: 0.2 },
    });
  });

  it('takes the output length of the matching catalog prompt, or the chat default', () => {
    expect(buildLegacyChatCall({ family: 'llama3', invokable: 'write_tests', content: 'x' }).params.maxTokens).toBe(4096);
    expect(buildLegacyChatCall({ family: 'llama3', invokable: 'agent', content: 'x' }).params).toEqual({ maxTokens: 2048, temperature: 0.2 });
    expect(buildLegacyChatCall({ family: 'llama3', invokable: 'constructor', content: 'x' }).params.maxTokens).toBe(2048);
  });

  it('maps message roles, Anthropic\'s human and ai included', () => {
    const content = [
      { role: 'system', content: 'S' },
      { role: 'human', content: 'Q1' },
      { role: 'ai', content: 'A1' },
      { role: 'user', content: 'Q2' },
    ];
    expect(messagesOf(buildLegacyChatCall({ family: 'gpt', invokable: 'agent', content }))).toEqual([
      { role: 'system', content: 'S' },
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'A1' },
      { role: 'user', content: 'Q2' },
    ]);
    expect(messagesOf(buildLegacyChatCall({ family: 'mistral', invokable: 'agent', content }))).toEqual([
      { role: 'user', content: 'S\n\nQ1' },
      { role: 'assistant', content: 'A1' },
      { role: 'user', content: 'Q2' },
    ]);
  });

  it('cuts a prompt text too long for the model in the middle', () => {
    const content = `INSTRUCTIONS ${'x'.repeat(400_000)} QUESTION`;
    const message = messagesOf(buildLegacyChatCall({ family: 'mixtral', invokable: 'agent', content }))[0]?.content ?? '';
    expect(message.length).toBeLessThanOrEqual((32_768 - 2048 - 256) * 3);
    expect(message.startsWith('INSTRUCTIONS')).toBe(true);
    expect(message.endsWith('QUESTION')).toBe(true);
  });

  it('keeps the system messages and the newest messages that fit', () => {
    const content = [{ role: 'system', content: 'S' }, ...Array.from({ length: 100 }, (_, index) => ({ role: index % 2 === 0 ? 'user' : 'assistant', content: `${index} ${'m'.repeat(3000)}` })), { role: 'user', content: 'last' }];
    const result = messagesOf(buildLegacyChatCall({ family: 'codegemma', invokable: 'agent', content }));
    expect(totalChars(result)).toBeLessThanOrEqual((8192 - 2048 - 256) * 3);
    expect(result[0]?.content.startsWith('S\n\n')).toBe(true);
    expect(result.at(-1)).toEqual({ role: 'user', content: 'last' });
  });
});
