/**
 * What the prompt builders need to know about a model family (the `name` GitLab sends in
 * `model_metadata`, or `model_name` in Shape A requests; gitlab-ai-gateway.md §2.3): its context
 * length. Family ids are GitLab's `Ai::SelfHostedModel` enum, lower case.
 */

/**
 * Context length per family in tokens: GitLab's gateway `models.yml` `max_context_tokens`
 * (gitlab-ai-gateway.md §2.3), the same figures as `families[].maxContextTokens` in
 * resources/catalog/models.json (a unit test keeps the two equal).
 */
const contextTokensByFamily: Readonly<Record<string, number>> = {
  mistral: 131_072,
  mixtral: 32_768,
  codestral: 131_072,
  llama3: 131_072,
  codegemma: 8_192,
  codellama: 16_384,
  deepseekcoder: 16_384,
  qwen: 262_144,
  claude_3: 200_000,
  general: 200_000,
};

/**
 * Families the catalog gives no figure (gpt, gemini) and families Airlock does not know: 128k,
 * the context of GPT-4 Turbo, GPT-4o and gpt-oss (OpenAI model pages), and less than Gemini's.
 */
export const DEFAULT_CONTEXT_TOKENS = 131_072;

/** The family id as the tables here spell it: trimmed, lower case. */
export function normaliseFamily(family: string): string {
  return family.trim().toLowerCase();
}

/** The family's context length in tokens (DEFAULT_CONTEXT_TOKENS when unknown). */
export function contextTokensFor(family: string): number {
  const id = normaliseFamily(family);
  return Object.hasOwn(contextTokensByFamily, id) ? (contextTokensByFamily[id] ?? DEFAULT_CONTEXT_TOKENS) : DEFAULT_CONTEXT_TOKENS;
}

/** The table above, for the test that compares it with the model catalog. */
export const familyContextTokens = contextTokensByFamily;
