import { describe, expect, it } from 'vitest';
import { buildCodeGeneration, createFenceStripper, extractCode, type CodeGenerationInput } from '../../../../electron/gateway/prompts/code-generation';

const input = (overrides: Partial<CodeGenerationInput> = {}): CodeGenerationInput => ({
  family: 'llama3',
  fileName: 'app/models/user.rb',
  language: null,
  above: 'class User\n  # Return the full name\n',
  below: 'end\n',
  instruction: null,
  context: [{ type: 'file', name: 'app/models/account.rb', content: 'class Account\nend' }],
  libraries: ['rails', 'pg'],
  ...overrides,
});

const SYSTEM =
  "You are an experienced Ruby developer writing code directly into a file open in the developer's editor. " +
  'The file is shown with <CURSOR> where the new code goes. ' +
  'Write the code the instruction asks for; without an instruction, write what the comments and the code around the cursor call for. ' +
  "The code must fit where it goes: match the file's language, style and indentation, use what the file already defines and imports, and do not repeat code that is already above or below the cursor. " +
  'Answer with a single Markdown code block holding only the code to insert, and nothing before or after it.';

const USER_HEAD =
  'File: app/models/user.rb\nLanguage: Ruby\n\n' +
  'Libraries the project uses: rails, pg\n\n' +
  'Code from other files of the project, for reference:\n\n' +
  'File app/models/account.rb:\n```ruby\nclass Account\nend\n```\n\n' +
  'The file, with <CURSOR> where the new code goes:\n```ruby\nclass User\n  # Return the full name\n<CURSOR>end\n\n```\n\n';

describe('buildCodeGeneration', () => {
  it('asks for the code the comments call for when there is no instruction', () => {
    expect(buildCodeGeneration(input())).toEqual({
      kind: 'chat',
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: `${USER_HEAD}There is no separate instruction: write the code that belongs at <CURSOR>, as the comments and the code around it ask for.` },
      ],
      params: { maxTokens: 2048, temperature: 0.2 },
    });
  });

  it('passes an instruction on', () => {
    const call = buildCodeGeneration(input({ instruction: '  Add a full_name method  ' }));
    expect(call.kind === 'chat' && call.messages[1]?.content).toBe(`${USER_HEAD}Instruction: Add a full_name method\n\nWrite the code for this instruction at <CURSOR>.`);
  });

  it('fences a multi-line instruction', () => {
    const call = buildCodeGeneration(input({ instruction: 'Add a method\nthat joins names' }));
    expect(call.kind === 'chat' && call.messages[1]?.content).toBe(`${USER_HEAD}Instruction:\n\`\`\`\nAdd a method\nthat joins names\n\`\`\`\n\nWrite the code for this instruction at <CURSOR>.`);
  });

  it('leaves out empty context, libraries and an unknown language', () => {
    const call = buildCodeGeneration(input({ family: 'gpt', fileName: 'script', context: [{ type: 'snippet', name: 'x', content: '  ' }], libraries: [' '], above: 'a', below: 'b' }));
    expect(call.kind === 'chat' && call.messages).toEqual([
      { role: 'system', content: SYSTEM.replace('experienced Ruby developer', 'experienced software developer') },
      {
        role: 'user',
        content:
          'File: script\n\nThe file, with <CURSOR> where the new code goes:\n```\na<CURSOR>b\n```\n\n' +
          'There is no separate instruction: write the code that belongs at <CURSOR>, as the comments and the code around it ask for.',
      },
    ]);
  });

  it('folds the system prompt into the user turn for Mistral-family templates', () => {
    const call = buildCodeGeneration(input({ family: 'codestral' }));
    expect(call.kind === 'chat' && call.messages.map((message) => message.role)).toEqual(['user']);
    expect(call.kind === 'chat' && call.messages[0]?.content.startsWith(`${SYSTEM}\n\nFile: app/models/user.rb`)).toBe(true);
  });

  it('fits a large file and large context into a small family\'s budget, keeping the code at the cursor', () => {
    const call = buildCodeGeneration(
      input({
        family: 'codegemma',
        above: 'a'.repeat(50_000) + 'NEAR_ABOVE\n',
        below: 'NEAR_BELOW\n' + 'b'.repeat(50_000),
        context: [
          { type: 'file', name: 'one.rb', content: 'c'.repeat(50_000) },
          { type: 'snippet', name: 'two.rb', content: 'small snippet' },
        ],
        instruction: 'i'.repeat(50_000),
      }),
    );
    if (call.kind !== 'chat') throw new Error('expected chat');
    // codegemma: 8192 tokens of context, 2048 of them for the output.
    expect(call.params.maxTokens).toBe(2048);
    const total = call.messages.reduce((sum, message) => sum + message.content.length, 0);
    expect(total).toBeLessThanOrEqual((8192 - 2048 - 256) * 3);
    const user = call.messages.at(-1)?.content ?? '';
    expect(user).toContain('NEAR_ABOVE\n<CURSOR>NEAR_BELOW');
    expect(user).toContain('small snippet');
    expect(user).toContain('characters left out');
  });

  it('exports the stream stripper for generations', () => {
    const stripper = createFenceStripper();
    expect(stripper.push('```rb\ndef x; end\n```') + stripper.end()).toBe('def x; end');
  });
});

describe('extractCode', () => {
  it('takes the block out of an answer that opens with a fence', () => {
    expect(extractCode('```ruby\ndef full_name\n  "#{first} #{last}"\nend\n```\nThis joins the names.')).toBe('def full_name\n  "#{first} #{last}"\nend');
  });

  it('takes the block after a line or two of introduction', () => {
    expect(extractCode('Here is the code:\n```py\nx = 1\n```\nHope it helps')).toBe('x = 1');
    expect(extractCode("Sure! Here's the updated function:\n\n```go\nfunc f() {}\n```")).toBe('func f() {}');
  });

  it('does not take code ending with a colon for an introduction', () => {
    expect(extractCode('def f():\n```\nx\n```')).toBe('def f():\n```\nx\n```');
    expect(extractCode('else:\n```\nx\n```')).toBe('else:\n```\nx\n```');
  });

  it('leaves text with a longer introduction as it is', () => {
    const text = 'First line of prose.\nSecond line.\nThird, the intro:\n```\nx\n```';
    expect(extractCode(text)).toBe(text);
  });

  it('trims blank lines, not indentation', () => {
    expect(extractCode('\n\n    indented()\n\n')).toBe('    indented()');
  });
});
