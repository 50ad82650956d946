/**
 * Which feature each gateway request serves and which scopes (GitLab's unit primitives) authorise
 * it (gitlab-ai-gateway.md §3.5, §6.1, §6.2). Pure data: the gateway authorises with it, the core
 * offers the same names when an operator mints an Airlock token.
 */

/** Unit primitives of each GitLab Duo feature Airlock serves (§6.1, "Unit primitives" column). */
export const featureUnitPrimitives: Readonly<Record<string, readonly string[]>> = {
  code_generations: ['generate_code'],
  code_completions: ['complete_code', 'code_suggestions'],
  duo_chat: ['duo_classic_chat', 'duo_chat', 'chat'],
  duo_chat_explain_code: ['explain_code'],
  duo_chat_write_tests: ['write_tests'],
  duo_chat_refactor_code: ['refactor_code'],
  duo_chat_fix_code: ['fix_code'],
  duo_chat_troubleshoot_job: ['troubleshoot_job'],
  generate_commit_message: ['generate_commit_message'],
  summarize_new_merge_request: ['summarize_new_merge_request'],
  duo_chat_explain_vulnerability: ['explain_vulnerability'],
  resolve_vulnerability: ['resolve_vulnerability'],
  summarize_review: ['summarize_review'],
  glab_ask_git_command: ['glab_ask_git_command'],
  duo_chat_summarize_comments: ['summarize_comments'],
  review_merge_request: ['review_merge_request'],
};

/** The scope an Airlock token needs for the OpenAI-compatible door (/v1/chat/completions, /v1/completions, /v1/models). */
export const OPENAI_SCOPE = 'openai';

/** Every scope an Airlock token can carry: the OpenAI door plus GitLab's unit primitives. */
export const airlockTokenScopes: readonly string[] = [OPENAI_SCOPE, ...new Set(Object.values(featureUnitPrimitives).flat())];

/** What a prompt id of `/v1/prompts/{id}` serves: its feature (null: none, e.g. the model check). */
export interface PromptRoute {
  featureId: string | null;
  /** Scopes of which the token needs one; empty: any authenticated caller. */
  scopes: readonly string[];
}

const chatPrompt = (featureId: string): PromptRoute => ({ featureId, scopes: featureUnitPrimitives[featureId] ?? [] });

/**
 * Prompt ids the gateway knows (§2.8, §6.2). `model_configuration/check` is GitLab's Test
 * connection; its unit primitive is undocumented ([I] §3.5), so any valid token may call it.
 */
export const promptRoutes: Readonly<Record<string, PromptRoute>> = {
  'model_configuration/check': { featureId: null, scopes: [] },
  'chat/explain_code': chatPrompt('duo_chat_explain_code'),
  'chat/write_tests': chatPrompt('duo_chat_write_tests'),
  'chat/refactor_code': chatPrompt('duo_chat_refactor_code'),
  'chat/fix_code': chatPrompt('duo_chat_fix_code'),
  'chat/troubleshoot_job': chatPrompt('duo_chat_troubleshoot_job'),
  'chat/explain_vulnerability': chatPrompt('duo_chat_explain_vulnerability'),
  'chat/summarize_comments': chatPrompt('duo_chat_summarize_comments'),
  generate_commit_message: chatPrompt('generate_commit_message'),
  // GitLab's "Merge Request Summary" calls the generate_description prompt [I] (§6.2).
  generate_description: chatPrompt('summarize_new_merge_request'),
  summarize_new_merge_request: chatPrompt('summarize_new_merge_request'),
  glab_ask_git_command: chatPrompt('glab_ask_git_command'),
  resolve_vulnerability: chatPrompt('resolve_vulnerability'),
  review_merge_request: chatPrompt('review_merge_request'),
  summarize_review: chatPrompt('summarize_review'),
};

/** `POST /v1/chat/{invokable}` (§2.7): the feature behind each invokable. */
export const legacyChatRoutes: Readonly<Record<string, PromptRoute>> = {
  agent: chatPrompt('duo_chat'),
  explain_code: chatPrompt('duo_chat_explain_code'),
  write_tests: chatPrompt('duo_chat_write_tests'),
  refactor_code: chatPrompt('duo_chat_refactor_code'),
  explain_vulnerability: chatPrompt('duo_chat_explain_vulnerability'),
  summarize_comments: chatPrompt('duo_chat_summarize_comments'),
  troubleshoot_job: chatPrompt('duo_chat_troubleshoot_job'),
};

/** True when `granted` holds at least one of `required` (an empty `required` needs nothing). */
export function hasAnyScope(granted: ReadonlySet<string>, required: readonly string[]): boolean {
  return required.length === 0 || required.some((scope) => granted.has(scope));
}
