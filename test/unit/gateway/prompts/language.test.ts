import { describe, expect, it } from 'vitest';
import { describeLanguage, languageTag } from '../../../../electron/gateway/prompts/language';

describe('describeLanguage', () => {
  it.each([
    ['app.py', 'Python', 'python'],
    ['src/index.js', 'JavaScript', 'javascript'],
    ['src/index.ts', 'TypeScript', 'typescript'],
    ['main.go', 'Go', 'go'],
    ['lib/user.rb', 'Ruby', 'ruby'],
    ['Main.java', 'Java', 'java'],
    ['lib.rs', 'Rust', 'rust'],
    ['x.c', 'C', 'c'],
    ['x.cpp', 'C++', 'cpp'],
    ['Program.cs', 'C#', 'csharp'],
    ['index.php', 'PHP', 'php'],
    ['App.kt', 'Kotlin', 'kotlin'],
    ['View.swift', 'Swift', 'swift'],
    ['Job.scala', 'Scala', 'scala'],
    ['run.sh', 'Shell', 'sh'],
    ['q.sql', 'SQL', 'sql'],
    ['.gitlab-ci.yml', 'YAML', 'yaml'],
    ['config.yaml', 'YAML', 'yaml'],
    ['package.json', 'JSON', 'json'],
    ['README.md', 'Markdown', 'markdown'],
    ['C:\\src\\APP.PY', 'Python', 'python'],
    ['Dockerfile', 'Dockerfile', 'dockerfile'],
  ])('knows %s from its name', (fileName, name, tag) => {
    expect(describeLanguage(fileName, null)).toEqual({ name, tag });
  });

  it('prefers the language the editor sent', () => {
    expect(describeLanguage('x.txt', 'python')).toEqual({ name: 'Python', tag: 'python' });
    expect(describeLanguage('x.tsx', 'typescriptreact')).toEqual({ name: 'TypeScript (TSX)', tag: 'tsx' });
    expect(describeLanguage('x', 'Elm')).toEqual({ name: 'Elm', tag: 'elm' });
    expect(describeLanguage('x.py', '  ')).toEqual({ name: 'Python', tag: 'python' });
  });

  it('returns null when nothing tells', () => {
    expect(describeLanguage('LICENSE', null)).toBeNull();
    expect(describeLanguage('notes.unknownext', null)).toBeNull();
    expect(describeLanguage('x.constructor', null)).toBeNull();
    expect(describeLanguage('', null)).toBeNull();
  });

  it('gives an empty tag for unknown files', () => {
    expect(languageTag('LICENSE', null)).toBe('');
    expect(languageTag('a.go', null)).toBe('go');
  });
});
