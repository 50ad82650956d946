import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localModelDirProblem, readLocalModelDir } from '../../../../electron/core/models/local-model-dir';
import { writeSmallQwenModel } from '../../../helpers/model-dir';
import { useTempDir } from '../../../helpers/temp-dir';

describe('local model directory', () => {
  const tempDir = useTempDir();

  it('reads a complete directory: its architecture, weights from disk and tokenizer', async () => {
    const dir = writeSmallQwenModel(tempDir());
    expect(localModelDirProblem(dir)).toBeNull();
    const model = await readLocalModelDir(dir);
    expect(model).toMatchObject({ path: dir, weightBytes: 1024 ** 3, tokenizerFiles: ['tokenizer.json'], architectures: ['Qwen2ForCausalLM'] });
    expect(model.spec.architecture.layers).toBe(24);
  });

  it('says what is wrong before a vLLM unit is spawned: missing, a file, no config.json', () => {
    const parent = tempDir();
    expect(localModelDirProblem(join(parent, 'gone'))).toBe(
      `the model directory ${join(parent, 'gone')} does not exist: copy the model there, or change the unit's model directory`,
    );
    writeFileSync(join(parent, 'weights.bin'), 'x');
    expect(localModelDirProblem(join(parent, 'weights.bin'))).toBe(
      `the model directory ${join(parent, 'weights.bin')} is not a directory: give the directory that holds config.json and the weights`,
    );
    expect(localModelDirProblem(parent)).toBe(`the model directory ${parent} has no config.json: it is not a Hugging Face model directory (config.json, tokenizer, weights)`);
    mkdirSync(join(parent, 'config.json'));
    expect(localModelDirProblem(parent)).toMatch(/has no config.json/);
  });

  it('refuses, with MODEL_DIR_INVALID and the reason, each part that is missing or wrong', async () => {
    const reasonOf = async (dir: string) => {
      try {
        await readLocalModelDir(dir);
        return 'read';
      } catch (error) {
        const { code, data } = error as { code: string; data: { reason: string } };
        return `${code}: ${data.reason}`;
      }
    };
    const dir = writeSmallQwenModel(tempDir());
    rmSync(join(dir, 'tokenizer.json'));
    expect(await reasonOf(dir)).toMatch(/^MODEL_DIR_INVALID: no tokenizer \(tokenizer.json/);
    writeFileSync(join(dir, 'tokenizer.json'), '{}');
    writeFileSync(join(dir, 'model.safetensors'), '');
    expect(await reasonOf(dir)).toBe('MODEL_DIR_INVALID: the weight files are empty');
    rmSync(join(dir, 'model.safetensors'));
    expect(await reasonOf(dir)).toBe('MODEL_DIR_INVALID: no weight files (*.safetensors, pytorch_model*.bin) were found');
    writeFileSync(join(dir, 'config.json'), '{ not json');
    expect(await reasonOf(dir)).toBe('MODEL_DIR_INVALID: config.json is not valid JSON');
    rmSync(join(dir, 'config.json'));
    expect(await reasonOf(dir)).toBe('MODEL_DIR_INVALID: config.json is missing (a Hugging Face model directory has one)');
    expect(await reasonOf(join(dir, 'tokenizer.json'))).toBe('MODEL_DIR_INVALID: it is not a directory');
  });
});
