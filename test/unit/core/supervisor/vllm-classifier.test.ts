import { describe, expect, it } from 'vitest';
import {
  classifyVllmLine,
  diagnoseVllmOutput,
  flushOutputLines,
  INITIAL_VLLM_PROGRESS,
  reduceVllmProgress,
  splitOutputLines,
  type VllmMilestone,
} from '../../../../electron/core/supervisor/vllm-classifier';
import { stripAnsi } from '../../../../electron/core/logs/line-splitter';

// Sample lines in the V1 engine's format (../shared/reference/vllm.md §4 table rows 1–9, §5; the KV
// cache message as quoted from vllm/v1/core/kv_cache_utils.py and user reports in §5's sources).
const API = '(APIServer pid=2419) INFO 10-08 20:33:40';
const ENGINE = '(EngineCore_DP0 pid=18799) INFO 10-08 20:33:45';
const ENGINE_ERROR = '(EngineCore_DP0 pid=18799) ERROR 10-08 20:33:48 [core.py:708]';

const STARTUP: Array<[string, VllmMilestone]> = [
  [`${API} [api_server.py:1839] vLLM API server version 0.11.0`, { kind: 'version', version: '0.11.0' }],
  [
    `${API} [utils.py:233] non-default args: {'model_tag': '/models/qwen', 'host': '127.0.0.1', 'port': 8000, 'max_model_len': 32768}`,
    { kind: 'config', nonDefaultArgs: "{'model_tag': '/models/qwen', 'host': '127.0.0.1', 'port': 8000, 'max_model_len': 32768}" },
  ],
  [`${API} [model.py:547] Resolved architecture: Qwen2ForCausalLM`, { kind: 'architecture', architecture: 'Qwen2ForCausalLM' }],
  [`${API} [model.py:1510] Using max model len 32768`, { kind: 'max-model-len', tokens: 32768 }],
  ['Loading safetensors checkpoint shards:  50% Completed | 2/4 [00:01<00:01,  1.52it/s]', { kind: 'weight-shards', done: 2, total: 4 }],
  [`${ENGINE} [default_loader.py:267] Loading weights took 2.31 seconds`, { kind: 'weights-loaded', seconds: 2.31 }],
  [`${ENGINE} [gpu_model_runner.py:2653] Model loading took 15.27 GiB and 3.52 seconds`, { kind: 'model-loaded', gib: 15.27, seconds: 3.52 }],
  [`${ENGINE} [gpu_model_runner.py:1771] Model loading took 14.9945 GiB memory and 2.8 seconds`, { kind: 'model-loaded', gib: 14.9945, seconds: 2.8 }],
  [`${ENGINE} [gpu_worker.py:298] Available KV cache memory: 61.30 GiB`, { kind: 'kv-cache-memory', gib: 61.3 }],
  [`${ENGINE} [kv_cache_utils.py:1087] GPU KV cache size: 573,984 tokens`, { kind: 'kv-cache-size', tokens: 573_984 }],
  [
    `${ENGINE} [kv_cache_utils.py:1091] Maximum concurrency for 32,768 tokens per request: 17.52x`,
    { kind: 'max-concurrency', tokensPerRequest: 32_768, concurrency: 17.52 },
  ],
  ['Capturing CUDA graphs (mixed prefill-decode, PIECEWISE):  76%|███████▌  | 51/67 [00:02<00:00, 25.05it/s]', { kind: 'graph-capture', done: 51, total: 67 }],
  [`${ENGINE} [gpu_model_runner.py:3400] Capturing CUDA graphs for decode`, { kind: 'graph-capture', done: null, total: null }],
  [`${ENGINE} [gpu_model_runner.py:3480] Graph capturing finished in 12 secs, took 0.54 GiB`, { kind: 'graph-capture-finished', seconds: 12, gib: 0.54 }],
  [`${ENGINE} [core.py:210] init engine (profile, create kv cache, warmup model) took 25.31 seconds`, { kind: 'engine-initialized', seconds: 25.31 }],
  [`${API} [launcher.py:44] Starting vLLM API server 0 on http://0.0.0.0:8000`, { kind: 'server-starting', url: 'http://0.0.0.0:8000' }],
  [`${API} [api_server.py:1900] Starting vLLM server on http://127.0.0.1:8001`, { kind: 'server-starting', url: 'http://127.0.0.1:8001' }],
  ['(APIServer pid=2419) INFO:     Application startup complete.', { kind: 'startup-complete' }],
  ['INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)', { kind: 'uvicorn-running', url: 'http://0.0.0.0:8000' }],
];

describe('classifyVllmLine: startup milestones (vllm.md §4)', () => {
  it.each(STARTUP)('%s', (line, milestone) => {
    expect(classifyVllmLine(line)).toEqual({ kind: 'milestone', milestone });
  });

  it('reads a line with ANSI colours (vLLM colours its level on a terminal)', () => {
    expect(classifyVllmLine(`(APIServer pid=1) \u001b[32mINFO\u001b[0m 10-08 20:33:40 [api_server.py:1839] vLLM API server version 0.10.1.1`)).toEqual({
      kind: 'milestone',
      milestone: { kind: 'version', version: '0.10.1.1' },
    });
  });

  it.each([
    `${API} [api_server.py:1640] Supported_tasks: ['generate']`,
    '(APIServer pid=2419) INFO:     127.0.0.1:51234 - "GET /health HTTP/1.1" 200 OK',
    `${ENGINE} [utils.py:99] Port 8104 is already in use, trying port 8105`,
    '',
  ])('says nothing about %j', (line) => {
    expect(classifyVllmLine(line)).toBeNull();
  });
});

describe('classifyVllmLine: fatal patterns (vllm.md §5)', () => {
  it('KV cache too small: suggests the --max-model-len vLLM estimates', () => {
    const line =
      `${ENGINE_ERROR} ValueError: To serve at least one request with the models's max seq len (40960), (5.62 GiB KV cache is needed, ` +
      'which is larger than the available KV cache memory (4.50 GiB). Based on the available memory, the estimated maximum model length ' +
      'is 32768. Try increasing `gpu_memory_utilization` or decreasing `max_model_len` when initializing the engine.';
    const found = classifyVllmLine(line);
    expect(found).toMatchObject({
      kind: 'fatal',
      diagnosis: {
        id: 'kv-cache-too-small',
        isPermanent: true,
        suggestedMaxModelLen: 32768,
        summary: 'The KV cache for one request at the maximum model length (40960 tokens) needs 5.62 GiB, but only 4.50 GiB is left for it after loading the model.',
        action: "Set --max-model-len 32768 (vLLM's estimate of what fits), or raise --gpu-memory-utilization.",
      },
    });
  });

  it('free memory below the requested utilisation (older wording, no device)', () => {
    const found = classifyVllmLine(
      `${ENGINE_ERROR} ValueError: Free memory on device (13.45/79.19 GiB) on startup is less than desired GPU memory utilization (0.9, 71.27 GiB). ` +
        'Decrease GPU memory utilization or reduce GPU memory used by other processes.',
    );
    expect(found).toMatchObject({
      kind: 'fatal',
      diagnosis: { id: 'insufficient-free-memory', isPermanent: false, suggestedGpuMemoryUtilization: 0.15 },
    });
    if (found?.kind !== 'fatal') return;
    expect(found.diagnosis.summary).toBe(
      'Only 13.45 of 79.19 GiB was free on the GPU when vLLM started, but --gpu-memory-utilization 0.9 asks for 71.27 GiB. ' +
        'Another process holds GPU memory, or a previous run has not released it yet.',
    );
    expect(found.diagnosis.action).toBe('Stop the other processes using this GPU (or wait until its memory is released), or lower --gpu-memory-utilization to 0.15.');
  });

  it('free memory below the requested utilisation (newer wording with the device), naming the pid when the line does', () => {
    const found = classifyVllmLine(
      'ValueError: Free memory on device cuda:0 (12.18/23.56 GiB) on startup is less than desired GPU memory utilization (0.92, 21.67 GiB). ' +
        'Process 7781 has 11.02 GiB memory in use.',
    );
    expect(found).toMatchObject({
      kind: 'fatal',
      diagnosis: { id: 'insufficient-free-memory', suggestedGpuMemoryUtilization: 0.5, gpuHolders: [{ pid: 7781, memory: '11.02 GiB' }] },
    });
    if (found?.kind !== 'fatal') return;
    expect(found.diagnosis.summary).toContain('on cuda:0');
    expect(found.diagnosis.summary).toContain('Process 7781 (11.02 GiB) holds GPU memory.');
  });

  it("CUDA out of memory: PyTorch's message, with the process holding the GPU", () => {
    const found = classifyVllmLine(
      `${ENGINE_ERROR} torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 79.19 GiB of which ` +
        '1.06 GiB is free. Process 41235 has 40.00 GiB memory in use. Including non-PyTorch memory, this process has 38.10 GiB memory in use.',
    );
    expect(found).toMatchObject({
      kind: 'fatal',
      diagnosis: {
        id: 'cuda-oom',
        isPermanent: false,
        gpuHolders: [{ pid: 41235, memory: '40.00 GiB' }],
        summary: 'vLLM ran out of GPU memory (CUDA out of memory): it tried to allocate 2.00 GiB; GPU 0 had 1.06 GiB free of 79.19 GiB; process 41235 holds 40.00 GiB.',
        action: 'Lower --gpu-memory-utilization, --max-model-len or --max-num-seqs, or stop other processes using this GPU (pid 41235).',
      },
    });
  });

  it('older OOM wording without details', () => {
    expect(classifyVllmLine('RuntimeError: CUDA out of memory.')).toMatchObject({ kind: 'fatal', diagnosis: { id: 'cuda-oom', summary: 'vLLM ran out of GPU memory (CUDA out of memory).' } });
  });

  it.each([
    [`${ENGINE} [gpu_worker.py:298] Available KV cache memory: -2.35 GiB`, 'negative-kv-cache', true],
    ['ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when initializing the engine.', 'no-kv-cache-memory', true],
    [`${ENGINE_ERROR} EngineCore failed to start.`, 'engine-core-failed', false],
    ['(APIServer pid=1) RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}', 'engine-core-failed', false],
    ['(APIServer pid=1) OSError: [Errno 98] Address already in use', 'port-in-use', false],
  ] as const)('%s → %s', (line, id, isPermanent) => {
    expect(classifyVllmLine(line)).toMatchObject({ kind: 'fatal', diagnosis: { id, isPermanent } });
  });

  it("port in use: reads the port from uvicorn's bind error", () => {
    const found = classifyVllmLine("ERROR:    [Errno 98] error while attempting to bind on address ('0.0.0.0', 8000): address already in use");
    expect(found).toMatchObject({ kind: 'fatal', diagnosis: { id: 'port-in-use', port: 8000 } });
  });

  it('keeps the evidence short and ANSI-free', () => {
    const found = classifyVllmLine(`\u001b[31mERROR\u001b[0m EngineCore failed to start. ${'x'.repeat(1000)}`);
    if (found?.kind !== 'fatal') throw new Error('expected a fatal classification');
    expect(found.diagnosis.evidence.startsWith('ERROR EngineCore failed to start.')).toBe(true);
    expect(found.diagnosis.evidence.length).toBe(500);
  });
});

describe('diagnoseVllmOutput: the best explanation from a failed run', () => {
  const tail = [
    `${ENGINE} [gpu_worker.py:298] Available KV cache memory: 4.50 GiB`,
    `${ENGINE_ERROR} EngineCore failed to start.`,
    `${ENGINE_ERROR} Traceback (most recent call last):`,
    `${ENGINE_ERROR}   File "/opt/vllm/lib/python3.12/site-packages/vllm/v1/core/kv_cache_utils.py", line 699, in check_enough_kv_cache_memory`,
    `${ENGINE_ERROR} ValueError: To serve at least one request with the models's max seq len (131072), (16.00 GiB KV cache is needed, which is larger than the available KV cache memory (9.50 GiB). Based on the available memory, the estimated maximum model length is 77824. Try increasing \`gpu_memory_utilization\` or decreasing \`max_model_len\` when initializing the engine.`,
    '(APIServer pid=2419) RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}',
  ];

  it('prefers the specific cause (KV cache) over "engine core failed", wherever it is', () => {
    expect(diagnoseVllmOutput(tail)).toMatchObject({ id: 'kv-cache-too-small', suggestedMaxModelLen: 77824 });
  });

  it('falls back to "engine core failed" with the error lines before it', () => {
    const lines = [
      `${ENGINE} [core.py:77] Initializing a V1 LLM engine`,
      `${ENGINE_ERROR} ValueError: The checkpoint you are trying to load has model type \`qwen9\` but Transformers does not recognize this architecture.`,
      `${ENGINE_ERROR} EngineCore failed to start.`,
    ];
    expect(diagnoseVllmOutput(lines)).toMatchObject({
      id: 'engine-core-failed',
      precedingErrors: [expect.stringContaining('does not recognize this architecture')],
    });
  });

  it('returns null for a run with no known pattern', () => {
    expect(diagnoseVllmOutput(['Traceback (most recent call last):', 'KeyError: foo'])).toBeNull();
    expect(diagnoseVllmOutput([])).toBeNull();
  });
});

describe('splitOutputLines: partial lines, \\r progress bars, ANSI split across chunks', () => {
  it('carries a partial line to the next chunk', () => {
    const first = splitOutputLines('', `${API} [api_server.py:1839] vLLM API ser`);
    expect(first).toEqual({ lines: [], rest: `${API} [api_server.py:1839] vLLM API ser` });
    const second = splitOutputLines(first.rest, 'ver version 0.11.0\nnext');
    expect(second.lines).toEqual([`${API} [api_server.py:1839] vLLM API server version 0.11.0`]);
    expect(second.rest).toBe('next');
    expect(flushOutputLines(second.rest)).toEqual(['next']);
  });

  it('breaks on \\r (tqdm redraws) and \\r\\n, even when \\r\\n is split across chunks', () => {
    const first = splitOutputLines('', 'shards:  25% Completed | 1/4\rshards:  50% Completed | 2/4\r');
    expect(first.lines).toEqual(['shards:  25% Completed | 1/4']);
    expect(first.rest).toBe('shards:  50% Completed | 2/4\r');
    const second = splitOutputLines(first.rest, '\nok\r\n');
    expect(second).toEqual({ lines: ['shards:  50% Completed | 2/4', 'ok'], rest: '' });
  });

  it('strips an escape sequence split across chunks', () => {
    const first = splitOutputLines('', '(APIServer pid=1) \u001b[3');
    const second = splitOutputLines(first.rest, '2mINFO\u001b[0m Application startup complete.\n');
    expect(second.lines).toEqual(['(APIServer pid=1) INFO Application startup complete.']);
  });

  it('cuts a line with no newline once it reaches the limit', () => {
    const result = splitOutputLines('', 'a'.repeat(25), 10);
    expect(result.lines).toEqual(['a'.repeat(10), 'a'.repeat(10)]);
    expect(result.rest).toBe('a'.repeat(5));
  });

  it('strips CSI, OSC and two-byte escapes', () => {
    expect(stripAnsi('\u001b[1;32mgreen\u001b[0m \u001b]0;title\u0007x \u001bMy \u001b[?25lz')).toBe('green x y z');
  });

  it('an empty flush yields nothing', () => {
    expect(flushOutputLines('')).toEqual([]);
    expect(flushOutputLines('\r')).toEqual([]);
  });
});

describe('reduceVllmProgress: the progress display', () => {
  it('walks a whole start to ready, keeping the figures', () => {
    let progress = INITIAL_VLLM_PROGRESS;
    const phases: string[] = [];
    for (const [line] of STARTUP) {
      progress = reduceVllmProgress(progress, line);
      if (phases.at(-1) !== progress.phase) phases.push(progress.phase);
    }
    expect(phases).toEqual(['launching', 'loading-weights', 'profiling', 'capturing-graphs', 'starting-server', 'ready']);
    expect(progress).toMatchObject({
      phase: 'ready',
      version: '0.11.0',
      architecture: 'Qwen2ForCausalLM',
      maxModelLen: 32768,
      weightShards: { done: 2, total: 4 },
      weightsLoadSeconds: 2.31,
      weightsGiB: 14.9945,
      kvCacheGiB: 61.3,
      kvCacheTokens: 573_984,
      maxConcurrency: { tokensPerRequest: 32_768, concurrency: 17.52 },
      graphCapture: { done: 51, total: 67 },
      graphCaptureSeconds: 12,
      graphGiB: 0.54,
      engineInitSeconds: 25.31,
      failure: null,
    });
    // The last URL seen wins: Uvicorn's line came after vLLM's.
    expect(progress.serverUrl).toBe('http://0.0.0.0:8000');
  });

  it('never moves back a phase', () => {
    const profiling = reduceVllmProgress(INITIAL_VLLM_PROGRESS, `${ENGINE} [gpu_worker.py:298] Available KV cache memory: 61.30 GiB`);
    expect(profiling.phase).toBe('profiling');
    expect(reduceVllmProgress(profiling, 'Loading safetensors checkpoint shards: 100% Completed | 4/4').phase).toBe('profiling');
  });

  it('a fatal line moves to failed, and a more specific cause replaces a generic one', () => {
    let progress = reduceVllmProgress(INITIAL_VLLM_PROGRESS, `${ENGINE_ERROR} EngineCore failed to start.`);
    expect(progress).toMatchObject({ phase: 'failed', failure: { id: 'engine-core-failed' } });
    progress = reduceVllmProgress(progress, 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.');
    expect(progress.failure?.id).toBe('cuda-oom');
    progress = reduceVllmProgress(progress, '(APIServer pid=1) RuntimeError: Engine core initialization failed.');
    expect(progress.failure?.id).toBe('cuda-oom');
    expect(reduceVllmProgress(progress, '(APIServer pid=1) INFO:     Application startup complete.').phase).toBe('failed');
  });
});
