import { describe, expect, it } from 'vitest';
import { formatChatMessages } from '../../../../electron/gateway/prompts/chat-format';
import type { ChatMessage } from '../../../../electron/gateway/upstream/types';

const conversation: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'What is Git?' },
  { role: 'assistant', content: 'A version control system.' },
  { role: 'user', content: 'And GitLab?' },
];

/** Templates without a system role (Mistral v0.1 family, Gemma): the system text heads the first user turn. */
const folded: ChatMessage[] = [
  { role: 'user', content: 'Be brief.\n\nWhat is Git?' },
  { role: 'assistant', content: 'A version control system.' },
  { role: 'user', content: 'And GitLab?' },
];

describe('formatChatMessages', () => {
  it.each(['mistral', 'mixtral', 'codestral', 'codegemma'])('folds the system prompt into the first user turn for %s', (family) => {
    expect(formatChatMessages(family, conversation)).toEqual(folded);
  });

  it.each(['llama3', 'qwen', 'gpt', 'claude_3', 'gemini', 'general', 'codellama', 'deepseekcoder', 'unknown-family'])('keeps the system role for %s', (family) => {
    expect(formatChatMessages(family, conversation)).toEqual(conversation);
  });

  it('drops empty and blank messages', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: '  ' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: '' },
      { role: 'user', content: 'There?' },
    ];
    expect(formatChatMessages('llama3', messages)).toEqual([{ role: 'user', content: 'Hi\n\nThere?' }]);
  });

  it('merges consecutive turns of one role for every family', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'One' },
      { role: 'user', content: 'Two' },
      { role: 'assistant', content: 'A' },
      { role: 'assistant', content: 'B' },
      { role: 'user', content: 'Three' },
    ];
    const merged: ChatMessage[] = [
      { role: 'user', content: 'One\n\nTwo' },
      { role: 'assistant', content: 'A\n\nB' },
      { role: 'user', content: 'Three' },
    ];
    expect(formatChatMessages('mistral', messages)).toEqual(merged);
    expect(formatChatMessages('gpt', messages)).toEqual(merged);
  });

  it('joins every system message into one at the start', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Q' },
      { role: 'system', content: 'Rule 1' },
      { role: 'system', content: 'Rule 2' },
    ];
    expect(formatChatMessages('llama3', messages)).toEqual([
      { role: 'system', content: 'Rule 1\n\nRule 2' },
      { role: 'user', content: 'Q' },
    ]);
    expect(formatChatMessages('mixtral', messages)).toEqual([{ role: 'user', content: 'Rule 1\n\nRule 2\n\nQ' }]);
  });

  it('drops assistant turns before the first and after the last user turn where the template needs user turns at both ends', () => {
    const messages: ChatMessage[] = [
      { role: 'assistant', content: 'Hello, how can I help?' },
      { role: 'user', content: 'Q' },
      { role: 'assistant', content: 'Partial answer' },
    ];
    expect(formatChatMessages('mistral', messages)).toEqual([{ role: 'user', content: 'Q' }]);
    expect(formatChatMessages('claude_3', messages)).toEqual([{ role: 'user', content: 'Q' }]);
    expect(formatChatMessages('codellama', messages)).toEqual([{ role: 'user', content: 'Q' }]);
    expect(formatChatMessages('llama3', messages)).toEqual(messages);
  });

  it('turns a lone system prompt into a user turn where there is no system role', () => {
    const messages: ChatMessage[] = [{ role: 'system', content: 'Say hi.' }];
    expect(formatChatMessages('codegemma', messages)).toEqual([{ role: 'user', content: 'Say hi.' }]);
    expect(formatChatMessages('llama3', messages)).toEqual(messages);
  });

  it('returns nothing for nothing, and does not change its input', () => {
    expect(formatChatMessages('mistral', [])).toEqual([]);
    const copy = structuredClone(conversation);
    formatChatMessages('mistral', conversation);
    expect(conversation).toEqual(copy);
  });
});
