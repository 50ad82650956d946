/**
 * Fill-in-the-middle prompts, one per model family that was trained for them, each in the format
 * its vendor publishes. The prompt goes to an OpenAI-compatible `/v1/completions` as a string, so
 * the server's tokenizer must turn the marker strings back into their control tokens: Hugging Face
 * tokenizers do that for added special tokens, which is how vLLM serves these models by default.
 *
 * No template starts with the BOS token (`<s>`, `<bos>`, `<｜begin▁of▁sentence｜>`) although the
 * vendors' examples show one: vLLM's `/v1/completions` tokenizes with `add_special_tokens=true` by
 * default (vLLM `CompletionRequest.add_special_tokens`), and the Llama, Mistral, Gemma and
 * DeepSeek tokenizers set `add_bos_token`, so the server already puts it there. A literal `<s>` in
 * the text would be parsed as a second BOS. Qwen's tokenizer adds none and its format has none.
 *
 * Families without a format here (llama3, mixtral, gpt, claude_3, gemini, general) complete code
 * through a chat instruction (code-completion.ts).
 */
import { normaliseFamily } from './families';

/** How one family fills in the middle. */
export interface FimTemplate {
  family: string;
  /** The prompt for the text before (`prefix`) and after (`suffix`) the cursor; either may be empty. */
  format(prefix: string, suffix: string): string;
  /** Sequences that end the middle; the model's own end-of-sequence token ends it too. */
  stop: readonly string[];
}

interface TemplateSpec {
  render(prefix: string, suffix: string): string;
  stop: readonly string[];
  /**
   * Strings the tokenizer turns into control tokens. Taken out of the code before it goes into
   * the prompt: a file that contains one (a prompt builder like this one, a tokenizer test) would
   * otherwise break the prompt's structure.
   */
  control: readonly string[];
}

/**
 * Mistral's FIM as mistral-common encodes a `FIMRequest` (tokenizer v2/v3 `encode_fim`):
 * `<s>[SUFFIX]{suffix}[PREFIX]{prefix}`, the suffix first; the model writes the middle right
 * after the prefix (mistral-common docs "FIM"; Mistral cookbook, "Demystifying Mistral's Instruct
 * Tokenization"). Codestral is the model trained for it; GitLab also uses it for the mistral
 * family (gitlab-ai-gateway.md §2.4). The stops are Mistral's instruct and FIM control tokens.
 */
const mistralFim: TemplateSpec = {
  render: (prefix, suffix) => `[SUFFIX]${suffix}[PREFIX]${prefix}`,
  stop: ['[INST]', '[/INST]', '[PREFIX]', '[MIDDLE]', '[SUFFIX]'],
  control: ['[INST]', '[/INST]', '[PREFIX]', '[MIDDLE]', '[SUFFIX]'],
};

/**
 * Code Llama prefix-suffix-middle infilling: `<PRE> {prefix} <SUF>{suffix} <MID>`, ending with
 * `<EOT>` (Rozière et al. 2023, "Code Llama", §2.3; `infilling_prompt_tokens` in Meta's
 * codellama/llama/generation.py; Hugging Face blog "Code Llama: Llama 2 learns to code"). The
 * spaces are part of the format: the tokens are `▁<PRE>`, `▁<SUF>`, `▁<MID>` and the prefix is
 * encoded with SentencePiece's leading space. Meta trained infilling into the 7B and 13B models.
 */
const codeLlamaFim: TemplateSpec = {
  render: (prefix, suffix) => `<PRE> ${prefix} <SUF>${suffix} <MID>`,
  stop: ['<EOT>', '<PRE>', '<SUF>', '<MID>'],
  control: ['<EOT>', '<PRE>', '<SUF>', '<MID>'],
};

/**
 * DeepSeek Coder "Code Insertion": `<｜fim▁begin｜>{prefix}<｜fim▁hole｜>{suffix}<｜fim▁end｜>`
 * (deepseek-ai/DeepSeek-Coder README). The bars are U+FF5C (full-width vertical line) and the
 * word separator U+2581, as in the tokenizer's vocabulary. `<|EOT|>` (ASCII bars) ends the
 * instruct models' turns.
 */
const deepSeekFim: TemplateSpec = {
  render: (prefix, suffix) => `<｜fim▁begin｜>${prefix}<｜fim▁hole｜>${suffix}<｜fim▁end｜>`,
  stop: ['<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>', '<｜end▁of▁sentence｜>', '<|EOT|>'],
  control: ['<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>', '<｜end▁of▁sentence｜>', '<｜begin▁of▁sentence｜>', '<|EOT|>'],
};

/**
 * CodeGemma: `<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>`, no spaces or newlines
 * added around the tokens; the model may end with `<|file_separator|>` (google/codegemma-7b model
 * card; ai.google.dev/gemma/docs/codegemma/prompt-structure).
 */
const codeGemmaFim: TemplateSpec = {
  render: (prefix, suffix) => `<|fim_prefix|>${prefix}<|fim_suffix|>${suffix}<|fim_middle|>`,
  stop: ['<|file_separator|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>'],
  control: ['<|file_separator|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<bos>', '<eos>'],
};

/**
 * Qwen2.5-Coder (and Qwen3-Coder): `<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>`.
 * QwenLM's README and examples/Qwen2.5-Coder-fim.py end generation on the ids of
 * `<|endoftext|>`, `<|fim_prefix|>`, `<|fim_suffix|>`, `<|fim_pad|>`, `<|repo_name|>`,
 * `<|file_sep|>` and `<|im_end|>`; `<|fim_middle|>` is added here as it can only be a misstep.
 */
const qwenFim: TemplateSpec = {
  render: (prefix, suffix) => `<|fim_prefix|>${prefix}<|fim_suffix|>${suffix}<|fim_middle|>`,
  stop: ['<|endoftext|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>', '<|im_end|>'],
  control: ['<|endoftext|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>', '<|im_start|>', '<|im_end|>'],
};

const specs: Readonly<Record<string, TemplateSpec>> = {
  mistral: mistralFim,
  codestral: mistralFim,
  codellama: codeLlamaFim,
  deepseekcoder: deepSeekFim,
  codegemma: codeGemmaFim,
  qwen: qwenFim,
};

/** `text` without any of `control`; repeated, because taking one out can join the halves of another. */
function withoutControlStrings(text: string, control: readonly string[]): string {
  let current = text;
  for (;;) {
    let next = current;
    for (const token of control) next = next.split(token).join('');
    if (next === current) return current;
    current = next;
  }
}

/** The family's FIM template, or null when the family has none and completes through chat. */
export function fimTemplateFor(family: string): FimTemplate | null {
  const id = normaliseFamily(family);
  const spec = Object.hasOwn(specs, id) ? specs[id] : undefined;
  if (!spec) return null;
  return {
    family: id,
    format: (prefix, suffix) => spec.render(withoutControlStrings(prefix, spec.control), withoutControlStrings(suffix, spec.control)),
    stop: spec.stop,
  };
}
