import { describe, expect, it } from 'vitest';
import { fitSections, labelFromName, renderSection, renderSections } from '../../../../electron/gateway/prompts/sections';

describe('renderSection', () => {
  it('writes short one-line values inline and fences the rest', () => {
    expect(renderSection({ label: 'File', body: 'a.py' })).toBe('File: a.py');
    expect(renderSection({ label: 'Log', body: 'one\ntwo' })).toBe('Log:\n```\none\ntwo\n```');
    expect(renderSection({ label: 'Code', body: 'x()', isCode: true, tag: 'js' })).toBe('Code:\n```js\nx()\n```');
    expect(renderSection({ label: 'Long', body: 'x'.repeat(201) })).toBe(`Long:\n\`\`\`\n${'x'.repeat(201)}\n\`\`\``);
  });

  it('separates sections with a blank line', () => {
    expect(renderSections([{ label: 'A', body: '1' }, { label: 'B', body: '2' }])).toBe('A: 1\n\nB: 2');
  });
});

describe('fitSections', () => {
  it('leaves sections that fit alone', () => {
    const sections = [{ label: 'A', body: 'short' }];
    expect(fitSections(sections, 1000)).toEqual(sections);
  });

  it('cuts the long sections, each keeping its part', () => {
    const fitted = fitSections(
      [
        { label: 'Log', body: 'old\n'.repeat(1000) + 'NEW', keep: 'end' },
        { label: 'Code', body: 'START' + 'c'.repeat(4000) },
        { label: 'Name', body: 'x' },
      ],
      1000,
    );
    expect(renderSections(fitted).length).toBeLessThanOrEqual(1000);
    expect(fitted[0]?.body.endsWith('NEW')).toBe(true);
    expect(fitted[1]?.body.startsWith('START')).toBe(true);
    expect(fitted[2]?.body).toBe('x');
  });
});

describe('labelFromName', () => {
  it('turns input names into labels', () => {
    expect(labelFromName('file_path')).toBe('File path');
    expect(labelFromName('shellName')).toBe('Shell name');
    expect(labelFromName('x')).toBe('X');
    expect(labelFromName('__')).toBe('__');
  });
});
