import { describe, expect, it } from 'vitest';
import { buildCodeCompletion, cleanCompletion, type CodeCompletionInput } from '../../../../electron/gateway/prompts/code-completion';

const input = (overrides: Partial<CodeCompletionInput> = {}): CodeCompletionInput => ({
  family: 'codestral',
  fileName: 'src/math.py',
  language: null,
  prefix: 'def add(a, b):\n    ',
  suffix: '\n\nprint(add(1, 2))\n',
  ...overrides,
});

const SYSTEM =
  'You are a code completion engine inside a code editor. You receive the file the developer is editing, with <CURSOR> where the cursor is. ' +
  'Reply with exactly the text to insert at <CURSOR>, so that the file reads correctly with it in place. ' +
  'Write only that text: no explanation, no Markdown fences, and no code that is already before or after the cursor. ' +
  'Complete the current line or statement, or the block it opens; keep it short. If nothing should be inserted, reply with nothing.';

const USER = 'File: src/math.py\nLanguage: Python\n\n```python\ndef add(a, b):\n    <CURSOR>\n\nprint(add(1, 2))\n\n```';

describe('buildCodeCompletion', () => {
  it('builds a FIM prompt for FIM families', () => {
    expect(buildCodeCompletion(input())).toEqual({
      kind: 'completion',
      prompt: '[SUFFIX]\n\nprint(add(1, 2))\n[PREFIX]def add(a, b):\n    ',
      params: { maxTokens: 64, temperature: 0.2, stop: ['[INST]', '[/INST]', '[PREFIX]', '[MIDDLE]', '[SUFFIX]'] },
    });
    expect(buildCodeCompletion(input({ family: 'qwen' }))).toMatchObject({
      kind: 'completion',
      prompt: '<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>',
    });
  });

  it('takes the caller\'s max tokens', () => {
    expect(buildCodeCompletion(input({ maxTokens: 16 })).params.maxTokens).toBe(16);
    expect(buildCodeCompletion(input({ family: 'gpt', maxTokens: 16 })).params.maxTokens).toBe(16);
    // Never more than half of the context: codegemma has 8192 tokens.
    expect(buildCodeCompletion(input({ family: 'codegemma', maxTokens: 100_000 })).params.maxTokens).toBe(4096);
  });

  it('asks chat families through a system and a user turn', () => {
    expect(buildCodeCompletion(input({ family: 'llama3' }))).toEqual({
      kind: 'chat',
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: USER },
      ],
      params: { maxTokens: 128, temperature: 0.2 },
    });
  });

  it('folds the instruction into the user turn for chat templates without a system role', () => {
    expect(buildCodeCompletion(input({ family: 'mixtral' }))).toEqual({
      kind: 'chat',
      messages: [{ role: 'user', content: `${SYSTEM}\n\n${USER}` }],
      params: { maxTokens: 128, temperature: 0.2 },
    });
  });

  it('names the language the editor sent, and leaves it out when unknown', () => {
    const named = buildCodeCompletion(input({ family: 'gpt', language: 'ruby', fileName: 'x' }));
    expect(named.kind === 'chat' && named.messages[1]?.content).toBe('File: x\nLanguage: Ruby\n\n```ruby\ndef add(a, b):\n    <CURSOR>\n\nprint(add(1, 2))\n\n```');
    const unknown = buildCodeCompletion(input({ family: 'gpt', fileName: 'notes.unknownext', prefix: 'a', suffix: 'b' }));
    expect(unknown.kind === 'chat' && unknown.messages[1]?.content).toBe('File: notes.unknownext\n\n```\na<CURSOR>b\n```');
  });

  it('uses a fence the file cannot close', () => {
    const call = buildCodeCompletion(input({ family: 'gpt', fileName: 'README.md', prefix: '```sh\nls\n```\n', suffix: '' }));
    expect(call.kind === 'chat' && call.messages[1]?.content).toBe('File: README.md\nLanguage: Markdown\n\n````markdown\n```sh\nls\n```\n<CURSOR>\n````');
  });

  it('keeps a FIM prompt within the family\'s context, nearest the cursor', () => {
    const prefix = 'a'.repeat(100_000) + 'BEFORE_CURSOR';
    const suffix = 'AFTER_CURSOR' + 'b'.repeat(100_000);
    const call = buildCodeCompletion(input({ family: 'codegemma', prefix, suffix }));
    if (call.kind !== 'completion') throw new Error('expected a completion');
    const markers = '<|fim_prefix|><|fim_suffix|><|fim_middle|>'.length;
    expect(call.prompt.length - markers).toBeLessThanOrEqual((8192 - 64 - 256) * 3);
    expect(call.prompt).toContain('BEFORE_CURSOR<|fim_suffix|>AFTER_CURSOR');
  });

  it('caps the context of large-context families for latency', () => {
    const call = buildCodeCompletion(input({ family: 'qwen', prefix: 'a'.repeat(100_000), suffix: 'b'.repeat(100_000) }));
    expect(call.kind === 'completion' && call.prompt.length).toBeLessThanOrEqual((8192 - 64 - 256) * 3 + 50);
    const chat = buildCodeCompletion(input({ family: 'claude_3', prefix: 'a'.repeat(100_000), suffix: 'b'.repeat(100_000) }));
    const total = chat.kind === 'chat' ? chat.messages.reduce((sum, message) => sum + message.content.length, 0) : 0;
    expect(total).toBeLessThanOrEqual((8192 - 128 - 256) * 3);
  });
});

describe('cleanCompletion', () => {
  it('cuts a FIM answer at a stop sequence that slipped through', () => {
    expect(cleanCompletion('return a + b<|file_sep|>other_file.py', input({ family: 'qwen' }))).toBe('return a + b');
    expect(cleanCompletion('return a + b<EOT>', input({ family: 'codellama' }))).toBe('return a + b');
  });

  it('leaves FIM answers otherwise alone: a fence may be the real completion', () => {
    expect(cleanCompletion('```sh\nls\n```', input({ family: 'codestral' }))).toBe('```sh\nls\n```');
    expect(cleanCompletion('    return a + b\n', input({ family: 'codestral' }))).toBe('    return a + b\n');
  });

  it('takes a chat answer out of its fence and drops what follows the fence', () => {
    expect(cleanCompletion('```python\nreturn a + b\n```\nThis returns the sum.', input({ family: 'llama3' }))).toBe('return a + b');
    expect(cleanCompletion('\n```\nreturn a + b\n```', input({ family: 'llama3' }))).toBe('return a + b');
  });

  it('takes off the opening fence of an answer cut before it closed', () => {
    expect(cleanCompletion('```python\nreturn a +', input({ family: 'gpt' }))).toBe('return a +');
  });

  it('cuts a chat answer at a leaked end-of-turn marker', () => {
    expect(cleanCompletion('return a + b<|eot_id|>', input({ family: 'llama3' }))).toBe('return a + b');
    expect(cleanCompletion('return a + b<|im_end|>\n', input({ family: 'general' }))).toBe('return a + b');
  });

  it('keeps </s>, which is also HTML', () => {
    expect(cleanCompletion('<s>old</s> price', input({ family: 'gpt', suffix: ' here' }))).toBe('<s>old</s> price');
  });

  it('removes a repeat of the cursor line, with or without its indentation', () => {
    const partial = input({ family: 'llama3', prefix: 'def add(a, b):\n    return a', suffix: '' });
    expect(cleanCompletion('    return a + b', partial)).toBe(' + b');
    expect(cleanCompletion('return a + b', partial)).toBe(' + b');
  });

  it('removes indentation the cursor line already has', () => {
    expect(cleanCompletion('    return a + b', input({ family: 'llama3' }))).toBe('return a + b');
  });

  it('leaves answers that only look like an echo alone', () => {
    // Two characters on the cursor line: too short to tell an echo from real code.
    expect(cleanCompletion('ab + 1', input({ family: 'llama3', prefix: 'x = ab', suffix: '' }))).toBe('ab + 1');
    expect(cleanCompletion('b)', input({ family: 'llama3', prefix: 'foo(a, ', suffix: '' }))).toBe('b)');
    expect(cleanCompletion('  y = 2', input({ family: 'llama3', prefix: 'x = 1\n', suffix: '' }))).toBe('  y = 2');
  });

  it('drops the closing newline only when the rest of the cursor line is empty', () => {
    expect(cleanCompletion('return a + b\n', input({ family: 'llama3', suffix: '\nnext()' }))).toBe('return a + b');
    expect(cleanCompletion('x\n', input({ family: 'llama3', prefix: '', suffix: 'y = 1' }))).toBe('x\n');
  });
});
