/**
 * The prompts Airlock serves at `/v1|v2/prompts/{id}` (gitlab-ai-gateway.md §2.8, §6.2), one per
 * id of `promptRoutes`: what the model is told, which inputs each prompt looks for first, and its
 * output length and temperature. The texts are Airlock's own.
 *
 * GitLab's input names per prompt are not confirmed (gitlab-ai-gateway.md §11), so each slot lists
 * the names a caller is likely to use, first match wins, and the catalog renders every other input
 * too (prompt-catalog.ts): a guess that misses costs a label, not the content.
 */
import type { KeepPart } from './budget';

/** A place in the prompt for one input, under the first of `names` the caller sent. */
export interface InputSlot {
  names: readonly string[];
  label: string;
  /** Code (or a diff, or a log): always fenced. */
  isCode?: boolean;
  /** Fence tag for code slots; by default the language of the file the inputs name. */
  tag?: string;
  /** What survives when the input must be cut (default: the start). */
  keep?: KeepPart;
  /** The user's own words: shown last, after every other input, right before the task. */
  isRequest?: boolean;
}

export interface PromptDefinition {
  /** The system prompt. */
  system: string;
  /** The inputs this prompt expects, in the order they are shown. */
  slots: readonly InputSlot[];
  /** The request, after the inputs in the user turn. */
  task: string;
  maxTokens: number;
  temperature: number;
}

/**
 * Temperature for the catalog's prompts: 0.2. The answers explain, fix or summarise material the
 * model is given, so they should stay close to it; a little randomness keeps small models out of
 * the repetition loops of pure greedy decoding.
 */
const GROUNDED = 0.2;

/** Output tokens of answers that are mostly prose (≈1,500 words): explanations, analyses. */
const PROSE_ANSWER = 2048;
/** Output tokens of answers that carry whole files of code: tests, refactorings, fixes, reviews. */
const CODE_ANSWER = 4096;
/** Output tokens of summaries: a few paragraphs. */
const SUMMARY = 1024;

const PERSONA = 'You are an assistant built into GitLab that helps software developers.';
const MARKDOWN = 'Format the answer in Markdown and put code in fenced code blocks tagged with their language.';
const GROUNDING = 'Rely on the material given; where the answer depends on something you cannot see, say so instead of guessing.';

const FILE_NAME: InputSlot = { names: ['file_name', 'file_path', 'filename', 'path'], label: 'File' };
const LANGUAGE: InputSlot = { names: ['language', 'language_info', 'language_name'], label: 'Language' };
const SELECTED_CODE: InputSlot = { names: ['selected_text', 'code', 'selected_code', 'snippet'], label: 'Selected code', isCode: true };
const FILE_CONTENT: InputSlot = { names: ['file_content', 'file_contents', 'full_file'], label: 'Whole file, for context', isCode: true };
const USER_REQUEST: InputSlot = { names: ['user_input', 'input', 'question', 'instruction', 'prompt'], label: "The user's request", isRequest: true };
const DIFF: InputSlot = { names: ['diff', 'diffs', 'diff_content', 'extracted_diff', 'source_diff', 'diff_lines', 'changes'], label: 'Changes (diff)', isCode: true, tag: 'diff' };
const MR_TITLE: InputSlot = { names: ['merge_request_title', 'mr_title', 'title'], label: 'Merge request title' };
const MR_DESCRIPTION: InputSlot = { names: ['merge_request_description', 'mr_description', 'description'], label: 'Merge request description' };
const VULNERABILITY: readonly InputSlot[] = [
  { names: ['vulnerability_name', 'name', 'title'], label: 'Vulnerability' },
  { names: ['vulnerability_description', 'description'], label: 'Description' },
  { names: ['severity'], label: 'Severity' },
  { names: ['identifiers', 'vulnerability_identifiers', 'cwe'], label: 'Identifiers' },
  { names: ['report_type', 'scanner'], label: 'Found by' },
  FILE_NAME,
  { names: ['line', 'start_line', 'location'], label: 'Location' },
  LANGUAGE,
  { names: ['vulnerable_code', 'code', 'source_code', 'snippet', 'selected_text'], label: 'Affected code', isCode: true },
  FILE_CONTENT,
];

/** The code-focused slash commands share their inputs: a selection in a file, and what the user asked. */
const codeCommand = (system: string, task: string, maxTokens: number): PromptDefinition => ({
  system,
  slots: [FILE_NAME, LANGUAGE, FILE_CONTENT, SELECTED_CODE, USER_REQUEST],
  task,
  maxTokens,
  temperature: GROUNDED,
});

/** The prompt definitions by prompt id; the keys are exactly those of `promptRoutes`. */
export const promptDefinitions: Readonly<Record<string, PromptDefinition>> = {
  // Test connection (§2.9): proves the model answers. 16 tokens: room for the word, and for a model
  // that opens with a token or two of preamble; greedy, so that the answer is the same every time.
  'model_configuration/check': {
    system: '',
    slots: [],
    task: 'This is a connectivity check. Reply with the single word: ready',
    maxTokens: 16,
    temperature: 0,
  },

  'chat/explain_code': codeCommand(
    `${PERSONA} You explain code to a developer who is reading it for the first time: what it does, how it does it, and what is easy to miss (side effects, edge cases, error handling, performance). ${GROUNDING} ${MARKDOWN}`,
    'Explain the selected code. If the user asked something specific about it, answer that first.',
    PROSE_ANSWER,
  ),

  'chat/write_tests': codeCommand(
    `${PERSONA} You write unit tests: clear, independent tests that cover the main behaviour, the edge cases and the error paths, using the test framework and conventions that suit the language and the project (or the ones the user names). ${GROUNDING} ${MARKDOWN}`,
    'Write tests for the selected code. Give the tests in one code block, then say briefly what they cover.',
    CODE_ANSWER,
  ),

  'chat/refactor_code': codeCommand(
    `${PERSONA} You refactor code so that it is easier to read, change and test, without changing what it does. ${GROUNDING} ${MARKDOWN}`,
    'Refactor the selected code, following the user\'s request if there is one. Give the new code in one code block, then list the changes and what each one improves.',
    CODE_ANSWER,
  ),

  'chat/fix_code': codeCommand(
    `${PERSONA} You find and fix bugs: logic errors, wrong edge cases, misuse of APIs, resource leaks, unsafe input handling. ${GROUNDING} ${MARKDOWN}`,
    'Find the problems in the selected code and fix them. Describe each problem in a sentence or two, then give the corrected code in one code block. If you find no bug, say so and point out anything risky instead.',
    CODE_ANSWER,
  ),

  'chat/troubleshoot_job': {
    system: `${PERSONA} You diagnose failed CI/CD jobs from their logs. ${GROUNDING} ${MARKDOWN}`,
    slots: [
      { names: ['job_name', 'name'], label: 'Job' },
      { names: ['job_stage', 'stage'], label: 'Stage' },
      { names: ['job_id', 'id'], label: 'Job ID' },
      { names: ['ci_config', 'gitlab_ci_yml', 'config'], label: 'CI configuration', isCode: true, tag: 'yaml' },
      // The cause of a failure is near the end of its log.
      { names: ['job_log', 'log', 'logs', 'trace', 'job_trace', 'content'], label: 'Job log', isCode: true, tag: 'text', keep: 'end' },
      USER_REQUEST,
    ],
    task: 'Find the root cause of the job\'s failure. Quote the log lines that show it, explain what went wrong, and give a concrete fix (a command, a configuration change or a code change). If the log is incomplete or the cause unclear, say what further information would settle it.',
    maxTokens: PROSE_ANSWER,
    temperature: GROUNDED,
  },

  'chat/explain_vulnerability': {
    system: `${PERSONA} You are an application security specialist who explains findings of security scanners to developers. ${GROUNDING} ${MARKDOWN}`,
    slots: [...VULNERABILITY, USER_REQUEST],
    task: 'Explain this vulnerability: what it is, why the affected code is exposed to it, how an attacker could exploit it, and how to fix it, with corrected code when the code is given. If the finding looks like a false positive, say why.',
    maxTokens: PROSE_ANSWER,
    temperature: GROUNDED,
  },

  'chat/summarize_comments': {
    system: `${PERSONA} You summarise discussions on issues, epics and merge requests for people who did not follow them. ${GROUNDING}`,
    slots: [
      { names: ['title', 'issuable_title', 'noteable_title'], label: 'Title' },
      { names: ['notes', 'comments', 'notes_content', 'discussion', 'content'], label: 'Comments', isCode: true, tag: 'text' },
      USER_REQUEST,
    ],
    task: 'Summarise the discussion as a short bulleted list: the main points, the decisions taken, any disagreement, and the open questions or next steps, naming who raised them where that matters.',
    maxTokens: SUMMARY,
    temperature: GROUNDED,
  },

  generate_commit_message: {
    system: `${PERSONA} You write Git commit messages that explain a change to someone reading the history later.`,
    slots: [MR_TITLE, MR_DESCRIPTION, DIFF, USER_REQUEST],
    task: 'Write the commit message for these changes. First line: a summary of at most 72 characters in the imperative mood ("Add…", "Fix…"). Then a blank line and a short body, wrapped at 72 characters, saying what changed and why. Reply with the commit message only.',
    maxTokens: 512,
    temperature: GROUNDED,
  },

  generate_description: {
    system: `${PERSONA} You write merge request descriptions that let reviewers understand a change quickly. ${GROUNDING}`,
    slots: [MR_TITLE, MR_DESCRIPTION, { names: ['template', 'description_template'], label: 'Description template', isCode: true, tag: 'markdown' }, DIFF, USER_REQUEST],
    task: 'Write a description for this merge request in Markdown: a short summary of what it changes and why, a list of the notable changes, and anything reviewers should look at closely. If a description template is given, fill it in. Reply with the description only.',
    maxTokens: PROSE_ANSWER,
    temperature: GROUNDED,
  },

  summarize_new_merge_request: {
    system: `${PERSONA} You summarise merge requests for their reviewers. ${GROUNDING}`,
    slots: [MR_TITLE, MR_DESCRIPTION, DIFF, USER_REQUEST],
    task: 'Summarise this merge request: one short paragraph on what it changes and why, then a bulleted list of the main changes. Reply with the summary only.',
    maxTokens: SUMMARY,
    temperature: GROUNDED,
  },

  glab_ask_git_command: {
    system: `${PERSONA} You answer questions about using Git and the GitLab CLI (glab) in a terminal.`,
    slots: [{ names: ['prompt', 'question', 'input', 'user_input', 'query'], label: 'Question', isRequest: true }],
    task: 'Give the command or commands that do what the user asks, in one shell code block with one command per line, then explain briefly what each does. Prefer safe commands, and warn before any command that rewrites history or deletes data.',
    maxTokens: 512,
    temperature: GROUNDED,
  },

  resolve_vulnerability: {
    system: `${PERSONA} You are an application security specialist who fixes vulnerabilities found by security scanners. ${GROUNDING}`,
    slots: [...VULNERABILITY, USER_REQUEST],
    task: 'Fix this vulnerability. Give the corrected version of the affected code in one code block, changing only what the fix needs and keeping everything else as it is, then explain the fix in a few sentences.',
    maxTokens: CODE_ANSWER,
    temperature: GROUNDED,
  },

  review_merge_request: {
    system: `${PERSONA} You review merge requests as an experienced colleague would. ${GROUNDING} ${MARKDOWN}`,
    slots: [MR_TITLE, MR_DESCRIPTION, DIFF, { names: ['full_file', 'file_content', 'files_content', 'files'], label: 'Files as they are after the change', isCode: true }, USER_REQUEST],
    task: 'Review the changes. For each real problem (a bug, a security issue, a performance problem, missing error handling, code that is hard to follow) name the file and line, say why it matters and suggest a fix. Leave out praise and the style points a linter would catch. If the changes look good, say so in one sentence.',
    maxTokens: CODE_ANSWER,
    temperature: GROUNDED,
  },

  summarize_review: {
    system: `${PERSONA} You summarise code reviews for the author of a merge request. ${GROUNDING}`,
    slots: [MR_TITLE, { names: ['draft_notes', 'review_notes', 'notes', 'comments', 'content'], label: 'Review comments', isCode: true, tag: 'text' }, USER_REQUEST],
    task: 'Summarise the review: the main points raised, grouped by theme, and what must be done before the merge request can be merged. Keep it short.',
    maxTokens: SUMMARY,
    temperature: GROUNDED,
  },
};
