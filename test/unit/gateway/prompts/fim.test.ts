import { describe, expect, it } from 'vitest';
import { fimTemplateFor } from '../../../../electron/gateway/prompts/fim';

const PREFIX = 'def add(a, b):\n    ';
const SUFFIX = '\n\nprint(add(1, 2))\n';

/** Goldens written from each vendor's published format (sources in fim.ts). */
const goldens: readonly { family: string; prompt: string; stop: readonly string[] }[] = [
  {
    family: 'mistral',
    prompt: '[SUFFIX]\n\nprint(add(1, 2))\n[PREFIX]def add(a, b):\n    ',
    stop: ['[INST]', '[/INST]', '[PREFIX]', '[MIDDLE]', '[SUFFIX]'],
  },
  {
    family: 'codestral',
    prompt: '[SUFFIX]\n\nprint(add(1, 2))\n[PREFIX]def add(a, b):\n    ',
    stop: ['[INST]', '[/INST]', '[PREFIX]', '[MIDDLE]', '[SUFFIX]'],
  },
  {
    family: 'codellama',
    prompt: '<PRE> def add(a, b):\n     <SUF>\n\nprint(add(1, 2))\n <MID>',
    stop: ['<EOT>', '<PRE>', '<SUF>', '<MID>'],
  },
  {
    family: 'deepseekcoder',
    prompt: '<｜fim▁begin｜>def add(a, b):\n    <｜fim▁hole｜>\n\nprint(add(1, 2))\n<｜fim▁end｜>',
    stop: ['<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>', '<｜end▁of▁sentence｜>', '<|EOT|>'],
  },
  {
    family: 'codegemma',
    prompt: '<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>',
    stop: ['<|file_separator|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>'],
  },
  {
    family: 'qwen',
    prompt: '<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>',
    stop: ['<|endoftext|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>', '<|im_end|>'],
  },
];

describe('fimTemplateFor', () => {
  it.each(goldens)('formats $family in its vendor format', ({ family, prompt, stop }) => {
    const template = fimTemplateFor(family);
    expect(template?.family).toBe(family);
    expect(template?.format(PREFIX, SUFFIX)).toBe(prompt);
    expect(template?.stop).toEqual(stop);
  });

  it('uses the full-width bars (U+FF5C) and U+2581 of the DeepSeek vocabulary', () => {
    const prompt = fimTemplateFor('deepseekcoder')?.format('a', 'b') ?? '';
    expect(prompt).toBe('<\uff5cfim\u2581begin\uff5c>a<\uff5cfim\u2581hole\uff5c>b<\uff5cfim\u2581end\uff5c>');
  });

  it.each(['llama3', 'mixtral', 'gpt', 'claude_3', 'gemini', 'general', 'embedding', 'starcoder', ''])('has no FIM format for %j', (family) => {
    expect(fimTemplateFor(family)).toBeNull();
  });

  it('does not take prototype members for families', () => {
    expect(fimTemplateFor('toString')).toBeNull();
    expect(fimTemplateFor('__proto__')).toBeNull();
  });

  it('reads the family case- and space-insensitively', () => {
    expect(fimTemplateFor(' Codestral ')?.family).toBe('codestral');
  });

  it('never writes a BOS token: the server adds it', () => {
    for (const { family } of goldens) {
      const prompt = fimTemplateFor(family)?.format('x', 'y') ?? '';
      expect(prompt.startsWith('<s>') || prompt.startsWith('<bos>') || prompt.includes('begin▁of▁sentence')).toBe(false);
    }
  });

  it('formats an empty suffix with the markers still in place', () => {
    expect(fimTemplateFor('codestral')?.format('x = ', '')).toBe('[SUFFIX][PREFIX]x = ');
    expect(fimTemplateFor('codellama')?.format('x = ', '')).toBe('<PRE> x =  <SUF> <MID>');
    expect(fimTemplateFor('qwen')?.format('x = ', '')).toBe('<|fim_prefix|>x = <|fim_suffix|><|fim_middle|>');
    expect(fimTemplateFor('deepseekcoder')?.format('', '')).toBe('<｜fim▁begin｜><｜fim▁hole｜><｜fim▁end｜>');
  });

  it('takes control strings out of the code, also those that removal would join', () => {
    expect(fimTemplateFor('qwen')?.format('a<|fim_middle|>b', 'c<|file_sep|>d')).toBe('<|fim_prefix|>ab<|fim_suffix|>cd<|fim_middle|>');
    expect(fimTemplateFor('mistral')?.format('x[SUF[SUFFIX]FIX]y', '[INST]z')).toBe('[SUFFIX]z[PREFIX]xy');
    expect(fimTemplateFor('codellama')?.format('a <EOT> b', '')).toBe('<PRE> a  b <SUF> <MID>');
  });

  it('leaves other families\' markers alone: they are plain text to this tokenizer', () => {
    expect(fimTemplateFor('codestral')?.format('s = "<|fim_prefix|>"', '')).toBe('[SUFFIX][PREFIX]s = "<|fim_prefix|>"');
  });
});
