import { describe, expect, it } from 'vitest';
import {
  buildVllmCommand,
  VLLM_OFFLINE_ENV,
  type VllmLaunchSpec,
  vllmHealthUrl,
  validateVllmLaunchSpec,
} from '../../../../electron/core/supervisor/vllm-command';

const SPEC: VllmLaunchSpec = {
  executable: '/opt/vllm/bin/vllm',
  modelPath: '/srv/models/Qwen2.5-Coder-32B-Instruct',
  port: 8001,
  servedModelNames: ['qwen-coder'],
};

describe('buildVllmCommand', () => {
  it('builds the minimal command: loopback, the port, the served name, the offline environment', () => {
    expect(buildVllmCommand(SPEC)).toEqual({
      ok: true,
      command: {
        command: '/opt/vllm/bin/vllm',
        args: ['serve', '/srv/models/Qwen2.5-Coder-32B-Instruct', '--host', '127.0.0.1', '--port', '8001', '--served-model-name', 'qwen-coder'],
        env: { HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', VLLM_NO_USAGE_STATS: '1', DO_NOT_TRACK: '1' },
      },
    });
  });

  it('adds every sizing flag, the GPUs in PCI bus order, and the API key in the environment only', () => {
    const result = buildVllmCommand({
      ...SPEC,
      servedModelNames: ['qwen-coder', 'Qwen/Qwen2.5-Coder-32B-Instruct'],
      tensorParallelSize: 2,
      maxModelLen: 32768,
      gpuMemoryUtilization: 0.92,
      maxNumSeqs: 16,
      apiKey: 's3cret-KEY_value',
      gpus: [2, 3],
      extraArgs: ['--enforce-eager', '--dtype=bfloat16'],
    });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.command.args).toEqual([
      'serve',
      '/srv/models/Qwen2.5-Coder-32B-Instruct',
      '--host',
      '127.0.0.1',
      '--port',
      '8001',
      '--served-model-name',
      'qwen-coder',
      'Qwen/Qwen2.5-Coder-32B-Instruct',
      '--tensor-parallel-size',
      '2',
      '--max-model-len',
      '32768',
      '--gpu-memory-utilization',
      '0.92',
      '--max-num-seqs',
      '16',
      '--enforce-eager',
      '--dtype=bfloat16',
    ]);
    expect(result.command.env).toEqual({ ...VLLM_OFFLINE_ENV, CUDA_DEVICE_ORDER: 'PCI_BUS_ID', CUDA_VISIBLE_DEVICES: '2,3', VLLM_API_KEY: 's3cret-KEY_value' });
    // argv is world-readable (ps, /proc/<pid>/cmdline): the key must not be in it.
    expect(result.command.args.join(' ')).not.toContain('s3cret');
    expect(result.command.args).not.toContain('--api-key');
  });

  it('accepts GPU and MIG UUIDs', () => {
    const result = buildVllmCommand({ ...SPEC, gpus: ['GPU-5a3f1c2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b', 'MIG-1f2e3d4c-5b6a-7980-a1b2-c3d4e5f6a7b8'] });
    expect(result.ok && result.command.env['CUDA_VISIBLE_DEVICES']).toBe('GPU-5a3f1c2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b,MIG-1f2e3d4c-5b6a-7980-a1b2-c3d4e5f6a7b8');
  });

  it('a null API key means none', () => {
    const result = buildVllmCommand({ ...SPEC, apiKey: null });
    expect(result.ok && 'VLLM_API_KEY' in result.command.env).toBe(false);
  });

  it('an explicit host (a private interface) is used as given', () => {
    const result = buildVllmCommand({ ...SPEC, host: '10.0.4.17' });
    expect(result.ok && result.command.args.slice(2, 4)).toEqual(['--host', '10.0.4.17']);
  });

  it('refuses an invalid spec with every issue and no command', () => {
    const result = buildVllmCommand({ ...SPEC, port: 80, modelPath: 'Qwen/Qwen2.5-Coder-32B-Instruct' });
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          field: 'modelPath',
          message: 'The model path must be an absolute local path (got "Qwen/Qwen2.5-Coder-32B-Instruct"); a relative path or a hub id would make vLLM look online.',
        },
        { field: 'port', message: 'The port must be a whole number from 1024 to 65535 (got 80).' },
      ],
    });
  });
});

describe('validateVllmLaunchSpec: one row per rule', () => {
  it.each<[string, Partial<VllmLaunchSpec>, keyof VllmLaunchSpec, RegExp]>([
    ['a relative executable', { executable: 'vllm' }, 'executable', /absolute path/],
    ['a model path with ..', { modelPath: '/srv/models/../etc' }, 'modelPath', /absolute local path/],
    ['a model path with a NUL', { modelPath: '/srv/models/a\0b' }, 'modelPath', /a\?b/],
    ['the root as model path', { modelPath: '/' }, 'modelPath', /absolute local path/],
    ['a host name instead of an address', { host: 'localhost' }, 'host', /IP address/],
    ['port 0', { port: 0 }, 'port', /1024 to 65535/],
    ['port 65536', { port: 65536 }, 'port', /1024 to 65535/],
    ['a fractional port', { port: 8000.5 }, 'port', /whole number/],
    ['no served name', { servedModelNames: [] }, 'servedModelNames', /at least one/],
    ['a served name with a space', { servedModelNames: ['qwen coder'] }, 'servedModelNames', /letters, digits/],
    ['a served name that reads as a flag', { servedModelNames: ['--api-key'] }, 'servedModelNames', /starting with a letter or digit/],
    ['a served name with a quote', { servedModelNames: ['qwen"'] }, 'servedModelNames', /letters, digits/],
    ['a 129-character served name', { servedModelNames: ['a'.repeat(129)] }, 'servedModelNames', /up to 128/],
    ['a duplicate served name', { servedModelNames: ['a', 'a'] }, 'servedModelNames', /different/],
    ['tensor parallel 0', { tensorParallelSize: 0 }, 'tensorParallelSize', /≥ 1/],
    ['max model len 1.5', { maxModelLen: 1.5 }, 'maxModelLen', /whole number/],
    ['max num seqs -1', { maxNumSeqs: -1 }, 'maxNumSeqs', /whole number/],
    ['utilisation 0', { gpuMemoryUtilization: 0 }, 'gpuMemoryUtilization', /above 0 and at most 1/],
    ['utilisation 1.2', { gpuMemoryUtilization: 1.2 }, 'gpuMemoryUtilization', /above 0 and at most 1/],
    ['utilisation NaN', { gpuMemoryUtilization: Number.NaN }, 'gpuMemoryUtilization', /above 0/],
    ['an API key with a space', { apiKey: 'two words' }, 'apiKey', /printable characters without spaces/],
    ['an empty API key', { apiKey: '' }, 'apiKey', /1 to 512/],
    ['an empty GPU list', { gpus: [] }, 'gpus', /empty/],
    ['a negative GPU index', { gpus: [-1] }, 'gpus', /not a GPU index/],
    ['a GPU name instead of a UUID', { gpus: ['NVIDIA H100'] }, 'gpus', /not a GPU index/],
    ['a GPU listed twice', { gpus: [0, 0] }, 'gpus', /twice/],
    ['more tensor-parallel ranks than GPUs', { gpus: [0], tensorParallelSize: 2 }, 'tensorParallelSize', /needs that many GPUs/],
    ['--api-key in the extra arguments', { extraArgs: ['--api-key', 'k'] }, 'extraArgs', /--api-key is set from its own field/],
    ['--port=9000 in the extra arguments', { extraArgs: ['--port=9000'] }, 'extraArgs', /--port is set from its own field/],
  ])('refuses %s', (_label, change, field, message) => {
    const issues = validateVllmLaunchSpec({ ...SPEC, ...change });
    expect(issues.map((issue) => issue.field)).toContain(field);
    expect(issues.find((issue) => issue.field === field)?.message).toMatch(message);
  });

  it('never echoes the API key in a message', () => {
    const issues = validateVllmLaunchSpec({ ...SPEC, apiKey: 'very secret' });
    expect(JSON.stringify(issues)).not.toContain('very secret');
  });

  it.each<[string, Partial<VllmLaunchSpec>]>([
    ['port 1024', { port: 1024 }],
    ['port 65535', { port: 65535 }],
    ['utilisation 1', { gpuMemoryUtilization: 1 }],
    ['an IPv6 loopback', { host: '::1' }],
    ['a served name with an org prefix and a tag', { servedModelNames: ['mistralai/Codestral-22B-v0.1:latest'] }],
    ['tensor parallel equal to the GPU count', { gpus: [0, 1], tensorParallelSize: 2 }],
  ])('accepts %s', (_label, change) => {
    expect(validateVllmLaunchSpec({ ...SPEC, ...change })).toEqual([]);
  });
});

describe('vllmHealthUrl', () => {
  it('points at /health on the listen address', () => {
    expect(vllmHealthUrl({ port: 8001 })).toBe('http://127.0.0.1:8001/health');
    expect(vllmHealthUrl({ host: '::1', port: 8001 })).toBe('http://[::1]:8001/health');
  });
});
