import { describe, expect, it } from 'vitest';
import { buildPrompt, MAX_INPUT_CHARS, type PromptBuild } from '../../../../electron/gateway/prompts/prompt-catalog';
import { promptRoutes } from '../../../../electron/shared/gateway/scopes';
import type { ChatMessage } from '../../../../electron/gateway/upstream/types';

const PERSONA = 'You are an assistant built into GitLab that helps software developers.';
const GROUNDING = 'Rely on the material given; where the answer depends on something you cannot see, say so instead of guessing.';
const MARKDOWN = 'Format the answer in Markdown and put code in fenced code blocks tagged with their language.';
const DIFF = '--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b';

interface Golden {
  id: string;
  inputs: Record<string, unknown>;
  system: string;
  user: string;
  maxTokens: number;
}

/** One golden per prompt id, for llama3 (a template with a system role). Written by hand. */
const goldens: readonly Golden[] = [
  {
    id: 'chat/explain_code',
    inputs: { selected_text: 'def add(a, b):\n    return a + b', file_name: 'math.py', language: 'python', user_input: 'Why no type hints?', project_id: 7 },
    system: `${PERSONA} You explain code to a developer who is reading it for the first time: what it does, how it does it, and what is easy to miss (side effects, edge cases, error handling, performance). ${GROUNDING} ${MARKDOWN}`,
    user:
      'File: math.py\n\nLanguage: python\n\nSelected code:\n```python\ndef add(a, b):\n    return a + b\n```\n\nProject id: 7\n\n' +
      "The user's request: Why no type hints?\n\n" +
      'Explain the selected code. If the user asked something specific about it, answer that first.',
    maxTokens: 2048,
  },
  {
    id: 'chat/write_tests',
    inputs: { code: 'export const add = (a: number, b: number) => a + b;', file_path: 'src/add.ts' },
    system: `${PERSONA} You write unit tests: clear, independent tests that cover the main behaviour, the edge cases and the error paths, using the test framework and conventions that suit the language and the project (or the ones the user names). ${GROUNDING} ${MARKDOWN}`,
    user:
      'File: src/add.ts\n\nSelected code:\n```typescript\nexport const add = (a: number, b: number) => a + b;\n```\n\n' +
      'Write tests for the selected code. Give the tests in one code block, then say briefly what they cover.',
    maxTokens: 4096,
  },
  {
    id: 'chat/refactor_code',
    inputs: { selected_text: 'x=1;y=2', file_name: 'a.js', file_content: 'x=1;y=2\nconsole.log(x+y)' },
    system: `${PERSONA} You refactor code so that it is easier to read, change and test, without changing what it does. ${GROUNDING} ${MARKDOWN}`,
    user:
      'File: a.js\n\nWhole file, for context:\n```javascript\nx=1;y=2\nconsole.log(x+y)\n```\n\nSelected code:\n```javascript\nx=1;y=2\n```\n\n' +
      "Refactor the selected code, following the user's request if there is one. Give the new code in one code block, then list the changes and what each one improves.",
    maxTokens: 4096,
  },
  {
    id: 'chat/fix_code',
    inputs: { selected_text: 'for i in range(len(xs)+1): print(xs[i])', language_info: 'The code is written in Python.' },
    system: `${PERSONA} You find and fix bugs: logic errors, wrong edge cases, misuse of APIs, resource leaks, unsafe input handling. ${GROUNDING} ${MARKDOWN}`,
    user:
      'Language: The code is written in Python.\n\nSelected code:\n```\nfor i in range(len(xs)+1): print(xs[i])\n```\n\n' +
      'Find the problems in the selected code and fix them. Describe each problem in a sentence or two, then give the corrected code in one code block. If you find no bug, say so and point out anything risky instead.',
    maxTokens: 4096,
  },
  {
    id: 'chat/troubleshoot_job',
    inputs: { job_log: 'Step 1\nnpm ERR! missing script: test', job_name: 'unit', job_stage: 'test' },
    system: `${PERSONA} You diagnose failed CI/CD jobs from their logs. ${GROUNDING} ${MARKDOWN}`,
    user:
      'Job: unit\n\nStage: test\n\nJob log:\n```text\nStep 1\nnpm ERR! missing script: test\n```\n\n' +
      "Find the root cause of the job's failure. Quote the log lines that show it, explain what went wrong, and give a concrete fix (a command, a configuration change or a code change). If the log is incomplete or the cause unclear, say what further information would settle it.",
    maxTokens: 2048,
  },
  {
    id: 'chat/explain_vulnerability',
    inputs: {
      name: 'SQL injection',
      description: 'User input reaches a SQL query.',
      severity: 'high',
      identifiers: ['CWE-89'],
      file_name: 'app/db.py',
      line: 12,
      vulnerable_code: 'cur.execute("SELECT * FROM t WHERE id=" + id)',
    },
    system: `${PERSONA} You are an application security specialist who explains findings of security scanners to developers. ${GROUNDING} ${MARKDOWN}`,
    user:
      'Vulnerability: SQL injection\n\nDescription: User input reaches a SQL query.\n\nSeverity: high\n\nIdentifiers: ["CWE-89"]\n\nFile: app/db.py\n\nLocation: 12\n\n' +
      'Affected code:\n```python\ncur.execute("SELECT * FROM t WHERE id=" + id)\n```\n\n' +
      'Explain this vulnerability: what it is, why the affected code is exposed to it, how an attacker could exploit it, and how to fix it, with corrected code when the code is given. If the finding looks like a false positive, say why.',
    maxTokens: 2048,
  },
  {
    id: 'chat/summarize_comments',
    inputs: { notes: 'alice: ship it\nbob: wait for QA', title: 'Release 2.0' },
    system: `${PERSONA} You summarise discussions on issues, epics and merge requests for people who did not follow them. ${GROUNDING}`,
    user:
      'Title: Release 2.0\n\nComments:\n```text\nalice: ship it\nbob: wait for QA\n```\n\n' +
      'Summarise the discussion as a short bulleted list: the main points, the decisions taken, any disagreement, and the open questions or next steps, naming who raised them where that matters.',
    maxTokens: 1024,
  },
  {
    id: 'generate_commit_message',
    inputs: { diff: DIFF, merge_request_title: 'Change x' },
    system: `${PERSONA} You write Git commit messages that explain a change to someone reading the history later.`,
    user:
      `Merge request title: Change x\n\nChanges (diff):\n\`\`\`diff\n${DIFF}\n\`\`\`\n\n` +
      'Write the commit message for these changes. First line: a summary of at most 72 characters in the imperative mood ("Add…", "Fix…"). Then a blank line and a short body, wrapped at 72 characters, saying what changed and why. Reply with the commit message only.',
    maxTokens: 512,
  },
  {
    id: 'generate_description',
    inputs: { diff: DIFF, title: 'Add login', template: '## What\n\n## Why' },
    system: `${PERSONA} You write merge request descriptions that let reviewers understand a change quickly. ${GROUNDING}`,
    user:
      `Merge request title: Add login\n\nDescription template:\n\`\`\`markdown\n## What\n\n## Why\n\`\`\`\n\nChanges (diff):\n\`\`\`diff\n${DIFF}\n\`\`\`\n\n` +
      'Write a description for this merge request in Markdown: a short summary of what it changes and why, a list of the notable changes, and anything reviewers should look at closely. If a description template is given, fill it in. Reply with the description only.',
    maxTokens: 2048,
  },
  {
    id: 'summarize_new_merge_request',
    inputs: { extracted_diff: DIFF, title: 'Fix bug' },
    system: `${PERSONA} You summarise merge requests for their reviewers. ${GROUNDING}`,
    user:
      `Merge request title: Fix bug\n\nChanges (diff):\n\`\`\`diff\n${DIFF}\n\`\`\`\n\n` +
      'Summarise this merge request: one short paragraph on what it changes and why, then a bulleted list of the main changes. Reply with the summary only.',
    maxTokens: 1024,
  },
  {
    id: 'glab_ask_git_command',
    inputs: { prompt: 'undo my last commit but keep the changes' },
    system: `${PERSONA} You answer questions about using Git and the GitLab CLI (glab) in a terminal.`,
    user:
      'Question: undo my last commit but keep the changes\n\n' +
      'Give the command or commands that do what the user asks, in one shell code block with one command per line, then explain briefly what each does. Prefer safe commands, and warn before any command that rewrites history or deletes data.',
    maxTokens: 512,
  },
  {
    id: 'resolve_vulnerability',
    inputs: { name: 'Cross-site scripting', vulnerable_code: '<div>{{{ html }}}</div>', file_name: 'view.hbs' },
    system: `${PERSONA} You are an application security specialist who fixes vulnerabilities found by security scanners. ${GROUNDING}`,
    user:
      'Vulnerability: Cross-site scripting\n\nFile: view.hbs\n\nAffected code:\n```\n<div>{{{ html }}}</div>\n```\n\n' +
      'Fix this vulnerability. Give the corrected version of the affected code in one code block, changing only what the fix needs and keeping everything else as it is, then explain the fix in a few sentences.',
    maxTokens: 4096,
  },
  {
    id: 'review_merge_request',
    inputs: { mr_title: 'Add cache', diff_lines: '+cache = {}' },
    system: `${PERSONA} You review merge requests as an experienced colleague would. ${GROUNDING} ${MARKDOWN}`,
    user:
      'Merge request title: Add cache\n\nChanges (diff):\n```diff\n+cache = {}\n```\n\n' +
      'Review the changes. For each real problem (a bug, a security issue, a performance problem, missing error handling, code that is hard to follow) name the file and line, say why it matters and suggest a fix. Leave out praise and the style points a linter would catch. If the changes look good, say so in one sentence.',
    maxTokens: 4096,
  },
  {
    id: 'summarize_review',
    inputs: { draft_notes: 'Missing test for cache eviction.', mr_title: 'Add cache' },
    system: `${PERSONA} You summarise code reviews for the author of a merge request. ${GROUNDING}`,
    user:
      'Merge request title: Add cache\n\nReview comments:\n```text\nMissing test for cache eviction.\n```\n\n' +
      'Summarise the review: the main points raised, grouped by theme, and what must be done before the merge request can be merged. Keep it short.',
    maxTokens: 1024,
  },
];

const CHECK_TASK = 'This is a connectivity check. Reply with the single word: ready';

function messagesOf(build: PromptBuild): readonly ChatMessage[] {
  if (!build.ok || build.call.kind !== 'chat') throw new Error(`expected a chat call, got ${JSON.stringify(build)}`);
  return build.call.messages;
}

describe('buildPrompt goldens', () => {
  it('has a golden for every prompt id except the check', () => {
    expect(goldens.map((golden) => golden.id).sort()).toEqual(Object.keys(promptRoutes).filter((id) => id !== 'model_configuration/check').sort());
  });

  it.each(goldens)('renders $id', ({ id, inputs, system, user, maxTokens }) => {
    expect(buildPrompt(id, inputs, 'llama3', '^1.0.0')).toEqual({
      ok: true,
      call: {
        kind: 'chat',
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: user },
        ],
        params: { maxTokens, temperature: 0.2 },
      },
    });
  });

  it.each(goldens)('folds the system prompt of $id into the user turn for mistral', ({ id, inputs, system, user }) => {
    expect(messagesOf(buildPrompt(id, inputs, 'mistral'))).toEqual([{ role: 'user', content: `${system}\n\n${user}` }]);
  });

  it('asks the check for one word, greedily and briefly, whatever the inputs', () => {
    const expected: PromptBuild = { ok: true, call: { kind: 'chat', messages: [{ role: 'user', content: CHECK_TASK }], params: { maxTokens: 16, temperature: 0 } } };
    expect(buildPrompt('model_configuration/check', {}, 'codestral')).toEqual(expected);
    expect(buildPrompt('model_configuration/check', { anything: 'x' }, 'gpt', null)).toEqual(expected);
  });
});

describe('buildPrompt refusals', () => {
  it('answers 404 for an unknown prompt id, naming it', () => {
    expect(buildPrompt('chat/no_such_prompt', {}, 'llama3')).toEqual({ ok: false, status: 404, detail: "Prompt 'chat/no_such_prompt' not found." });
    expect(buildPrompt('toString', {}, 'llama3')).toMatchObject({ ok: false, status: 404 });
    expect(buildPrompt('x'.repeat(500), {}, 'llama3')).toMatchObject({ ok: false, status: 404, detail: `Prompt '${'x'.repeat(100)}…' not found.` });
  });

  it.each(['^1.0.0', '1.2.3', '~2.0', '^2', '1.0.0-rc.1', '~1.2.3+build.5'])('accepts prompt version %s', (version) => {
    expect(buildPrompt('glab_ask_git_command', { prompt: 'q' }, 'llama3', version).ok).toBe(true);
  });

  it.each(['', 'latest', '1.0', '01.2.3', '>=1.0.0', '^', '1.2.3.4', ' ^1.0.0'])('answers 422 for prompt version %j', (version) => {
    const build = buildPrompt('glab_ask_git_command', { prompt: 'q' }, 'llama3', version);
    expect(build).toMatchObject({ ok: false, status: 422 });
    expect(!build.ok && build.detail).toContain(`'${version}'`);
  });

  it('answers 422 for an input that is not plain JSON, naming it', () => {
    const cases: Record<string, unknown> = {
      callback: () => 1,
      count: Number.NaN,
      big: 10n,
      when: new Date(0),
      nested: { list: [1, { deep: Symbol('x') }] },
    };
    for (const [name, value] of Object.entries(cases)) {
      const build = buildPrompt('chat/explain_code', { selected_text: 'x', [name]: value }, 'llama3');
      expect(build).toMatchObject({ ok: false, status: 422 });
      expect(!build.ok && build.detail).toContain(`'${name}'`);
    }
  });

  it('answers 422 for inputs over the total budget', () => {
    const build = buildPrompt('chat/explain_code', { selected_text: 'x'.repeat(MAX_INPUT_CHARS) }, 'llama3');
    expect(build).toMatchObject({ ok: false, status: 422 });
    expect(!build.ok && build.detail).toContain('400000');
  });

  it('answers 422 when a prompt gets nothing to work on', () => {
    expect(buildPrompt('chat/explain_code', {}, 'llama3')).toMatchObject({ ok: false, status: 422 });
    expect(buildPrompt('chat/explain_code', { selected_text: '  ', file_name: null }, 'llama3')).toMatchObject({ ok: false, status: 422 });
  });
});

describe('buildPrompt inputs', () => {
  it('renders inputs it has no slot for under labels, JSON compactly, and skips null ones', () => {
    const messages = messagesOf(
      buildPrompt('glab_ask_git_command', { prompt: 'list branches', shellName: 'zsh', context: { cwd: '/repo', branches: ['main', 'dev'] }, gone: null }, 'llama3'),
    );
    expect(messages[1]?.content).toBe(
      'Shell name: zsh\n\nContext:\n```json\n{"cwd":"/repo","branches":["main","dev"]}\n```\n\nQuestion: list branches\n\n' +
        'Give the command or commands that do what the user asks, in one shell code block with one command per line, then explain briefly what each does. Prefer safe commands, and warn before any command that rewrites history or deletes data.',
    );
  });

  it('keeps a second input of the same slot as its own section', () => {
    const user = messagesOf(buildPrompt('chat/explain_code', { selected_text: 'a()', code: 'b()' }, 'llama3'))[1]?.content ?? '';
    expect(user).toContain('Selected code:\n```\na()\n```');
    expect(user).toContain('Code: b()');
  });

  it('cuts inputs to the family\'s context, keeping the end of a job log', () => {
    const log = 'early line\n'.repeat(10_000) + 'ERROR: the real cause';
    const messages = messagesOf(buildPrompt('chat/troubleshoot_job', { job_log: log, job_name: 'build' }, 'codegemma'));
    const total = messages.reduce((sum, message) => sum + message.content.length, 0);
    // codegemma: 8192 tokens, 2048 of them for the output, at 3 characters per token.
    expect(total).toBeLessThanOrEqual((8192 - 2048 - 256) * 3);
    const user = messages.at(-1)?.content ?? '';
    expect(user).toContain('ERROR: the real cause\n```');
    expect(user).toContain('characters left out');
    expect(user).toContain('Job: build');
  });

  it('keeps output within half of a small context', () => {
    const build = buildPrompt('chat/write_tests', { code: 'x' }, 'codegemma');
    expect(build.ok && build.call.params.maxTokens).toBe(4096);
  });
});
