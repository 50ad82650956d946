import { describe, expect, it } from 'vitest';
import { unitDefinitionSchema } from '../../../../../electron/shared/services';
import { buildDefinition, emptyUnitForm, parseEnvLines } from '../../../../../renderer/src/features/services/unit-definition-form';

describe('unit-definition-form', () => {
  it('builds a vLLM definition the core accepts, with numbers as numbers and GPU indexes as numbers', () => {
    const built = buildDefinition({
      ...emptyUnitForm,
      name: 'qwen',
      modelPath: '/srv/models/qwen',
      servedNames: 'qwen-coder, qwen',
      port: '8001',
      tensorParallelSize: '2',
      gpuMemoryUtilization: '0.85',
      gpus: '0, 1, GPU-1a2b',
      env: 'FAKE_VLLM_STARTUP_MS=800\nNCCL_DEBUG=INFO=x\n',
    });
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.definition).toMatchObject({ preset: 'vllm', servedModelNames: ['qwen-coder', 'qwen'], port: 8001, tensorParallelSize: 2, gpuMemoryUtilization: 0.85, gpus: [0, 1, 'GPU-1a2b'], env: { FAKE_VLLM_STARTUP_MS: '800', NCCL_DEBUG: 'INFO=x' } });
    expect(built.definition).not.toHaveProperty('maxModelLen');
    expect(unitDefinitionSchema.safeParse(built.definition).success).toBe(true);
  });

  it('names the served model after the unit when no name is given', () => {
    const built = buildDefinition({ ...emptyUnitForm, name: 'mistral', modelPath: '/m' });
    expect(built.ok && built.definition.preset === 'vllm' && built.definition.servedModelNames).toEqual(['mistral']);
  });

  it('leaves a non-number as typed, so the core explains it', () => {
    const built = buildDefinition({ ...emptyUnitForm, name: 'x', modelPath: '/m', port: 'eighty' });
    expect(built.ok && built.definition).toMatchObject({ port: 'eighty' });
  });

  it('builds a custom unit: one argument per line with its spaces, ports, health, restart mode', () => {
    const built = buildDefinition({ ...emptyUnitForm, preset: 'custom', name: 'echo', command: '/bin/sh', args: "-c\necho hello; exit 2\n", ports: '9000 9001', healthUrl: 'http://127.0.0.1:9000/health', restart: 'on-failure' });
    expect(built.ok && built.definition).toEqual({ preset: 'custom', name: 'echo', command: '/bin/sh', args: ['-c', 'echo hello; exit 2'], ports: [9000, 9001], health: { url: 'http://127.0.0.1:9000/health' }, restart: 'on-failure', env: {}, autoStart: true });
  });

  it('builds a GitLab gateway unit', () => {
    const built = buildDefinition({ ...emptyUnitForm, preset: 'gitlab-gateway', name: 'aigw', command: '/opt/aigw/run', port: '5052', env: 'AIGW_LOGGING__LEVEL=debug' });
    expect(built.ok && unitDefinitionSchema.safeParse(built.definition).success).toBe(true);
  });

  it('refuses an environment line that is not KEY=VALUE, and skips blanks and comments', () => {
    expect(parseEnvLines('A=1\n\n# note\nB=2')).toEqual({ ok: true, env: { A: '1', B: '2' } });
    const bad = parseEnvLines('A=1\nnonsense');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.message).toContain('line 2');
  });
});
