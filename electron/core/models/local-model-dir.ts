import { statSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { AirlockError } from '../../shared/errors';
import { parseHfConfig } from '../../shared/fit/hf-config';
import { type ModelSpec, modelSpecFromHfConfig } from '../../shared/fit/model-spec';

/** Files vLLM loads weights from. Safetensors first: vLLM prefers them when both are present. */
const WEIGHT_PATTERNS = [/\.safetensors$/, /^pytorch_model.*\.bin$/, /\.pt$/];
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer.model', 'tokenizer_config.json', 'tiktoken.model', 'tekken.json'];
/** A config.json is a few KB; anything this large is not one. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export interface LocalModelDir {
  path: string;
  spec: ModelSpec;
  weightFiles: { name: string; bytes: number }[];
  weightBytes: number;
  tokenizerFiles: string[];
  architectures: string[];
}

/**
 * Why vLLM could not load `dir` as a local model, or null when it looks loadable: checked before a
 * vLLM unit is spawned, so a wrong path is refused at once, with the path, instead of after
 * vLLM's start-up and a crash loop (offline, vLLM would otherwise take it for a hub repository id).
 */
export function localModelDirProblem(dir: string): string | null {
  const statOf = (path: string) => {
    try {
      return statSync(path);
    } catch (error) {
      return (error as NodeJS.ErrnoException).code ?? 'error';
    }
  };
  const directory = statOf(dir);
  if (directory === 'ENOENT') return `the model directory ${dir} does not exist: copy the model there, or change the unit's model directory`;
  if (typeof directory === 'string') return `the model directory ${dir} cannot be read (${directory}): check its permissions`;
  if (!directory.isDirectory()) return `the model directory ${dir} is not a directory: give the directory that holds config.json and the weights`;
  const config = statOf(join(dir, 'config.json'));
  if (typeof config === 'string' || !config.isFile()) return `the model directory ${dir} has no config.json: it is not a Hugging Face model directory (config.json, tokenizer, weights)`;
  return null;
}

/**
 * Reads and validates a local model directory: config.json (architecture), weight files (size read
 * from disk) and a tokenizer. Throws MODEL_DIR_INVALID saying what is missing.
 */
export async function readLocalModelDir(dir: string): Promise<LocalModelDir> {
  const path = resolve(dir);
  const fail = (reason: string): never => {
    throw new AirlockError('MODEL_DIR_INVALID', { path, reason });
  };
  let entries: string[];
  try {
    entries = await readdir(path);
  } catch (error) {
    return fail((error as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'it is not a directory' : `it cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
  if (!entries.includes('config.json')) fail('config.json is missing (a Hugging Face model directory has one)');
  const configStat = await stat(join(path, 'config.json'));
  if (configStat.size > MAX_CONFIG_BYTES) fail(`config.json is ${configStat.size} bytes, far larger than a model config`);
  let configJson: unknown;
  try {
    configJson = JSON.parse(await readFile(join(path, 'config.json'), 'utf8'));
  } catch {
    fail('config.json is not valid JSON');
  }
  const config = parseHfConfig(configJson);
  if (!config.ok) return fail(`config.json: ${config.errors.join('; ')}`);

  const pattern = WEIGHT_PATTERNS.find((p) => entries.some((name) => p.test(name)));
  if (!pattern) fail('no weight files (*.safetensors, pytorch_model*.bin) were found');
  const weightFiles = await Promise.all(
    entries.filter((name) => pattern!.test(name)).map(async (name) => ({ name, bytes: (await stat(join(path, name))).size })),
  );
  const weightBytes = weightFiles.reduce((sum, file) => sum + file.bytes, 0);
  if (weightBytes === 0) fail('the weight files are empty');
  const tokenizerFiles = TOKENIZER_FILES.filter((name) => entries.includes(name));
  if (tokenizerFiles.length === 0) fail(`no tokenizer (${TOKENIZER_FILES.join(', ')}) was found`);

  const name = basename(path);
  return {
    path,
    spec: modelSpecFromHfConfig(config, { id: name, name, weightFileBytes: weightBytes }),
    weightFiles,
    weightBytes,
    tokenizerFiles,
    architectures: config.architectures,
  };
}
