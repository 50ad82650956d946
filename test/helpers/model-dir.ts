import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A small Qwen2-style model directory under `parent` for "Serve on this host": config.json from the
 * model's published architecture, a tokenizer, and the weights as a sparse 1 GiB file.
 */
export function writeSmallQwenModel(parent: string): string {
  const modelDir = join(parent, 'Qwen2.5-0.5B-Instruct');
  mkdirSync(modelDir);
  writeFileSync(
    join(modelDir, 'config.json'),
    JSON.stringify({ architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', hidden_size: 896, intermediate_size: 4864, num_hidden_layers: 24, num_attention_heads: 14, num_key_value_heads: 2, max_position_embeddings: 32768, vocab_size: 151936, torch_dtype: 'bfloat16', tie_word_embeddings: true }),
  );
  writeFileSync(join(modelDir, 'tokenizer.json'), '{}');
  writeFileSync(join(modelDir, 'model.safetensors'), '');
  truncateSync(join(modelDir, 'model.safetensors'), 1024 ** 3);
  return modelDir;
}
