import type { UnitDefinitionInput } from '../../../../electron/shared/services';

export type Preset = UnitDefinitionInput['preset'];

/** The Add-unit form as typed: strings, as the inputs hold them. */
export interface UnitForm {
  preset: Preset;
  name: string;
  autoStart: boolean;
  // vllm
  modelPath: string;
  servedNames: string;
  port: string;
  tensorParallelSize: string;
  maxModelLen: string;
  gpuMemoryUtilization: string;
  gpus: string;
  // custom and gitlab-gateway
  command: string;
  args: string;
  ports: string;
  healthUrl: string;
  restart: 'always' | 'on-failure' | 'never';
  // all
  env: string;
}

export const emptyUnitForm: UnitForm = {
  preset: 'vllm',
  name: '',
  autoStart: true,
  modelPath: '',
  servedNames: '',
  port: '',
  tensorParallelSize: '',
  maxModelLen: '',
  gpuMemoryUtilization: '',
  gpus: '',
  command: '',
  args: '',
  ports: '',
  healthUrl: '',
  restart: 'always',
  env: '',
};

/** The form's result: a definition for `services.add`, or what to fix before sending. */
export type BuiltDefinition = { ok: true; definition: UnitDefinitionInput } | { ok: false; message: string };

/**
 * A number field: empty is "not given" (the core's default applies); anything else is sent as a
 * number when it reads as one, and as typed otherwise, so the core's own message explains the
 * problem (the page shows it verbatim rather than second-guessing the schema).
 */
function numberField(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : trimmed;
}

/** "8000, 8001" or "8000 8001" → [8000, 8001]. */
function listField(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter(Boolean);
}

/** One argument per line; blank lines are dropped, spaces inside a line kept (no shell splitting). */
export function linesField(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '');
}

/** `KEY=VALUE` lines → a record; the first "=" splits, so values may contain "=". */
export function parseEnvLines(text: string): { ok: true; env: Record<string, string> } | { ok: false; message: string } {
  const env: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { ok: false, message: `Environment line ${i + 1} ("${line.slice(0, 60)}") is not KEY=VALUE.` };
    env[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return { ok: true, env };
}

/** Builds the definition the core validates; only what a form cannot say as-is is checked here. */
export function buildDefinition(form: UnitForm): BuiltDefinition {
  const env = parseEnvLines(form.env);
  if (!env.ok) return env;
  const name = form.name.trim();
  const optional = <T>(key: string, value: T | undefined) => (value === undefined ? {} : { [key]: value });

  if (form.preset === 'vllm') {
    const gpus = listField(form.gpus).map((gpu) => (/^\d+$/.test(gpu) ? Number(gpu) : gpu));
    const servedNames = listField(form.servedNames);
    return {
      ok: true,
      definition: {
        preset: 'vllm',
        name,
        modelPath: form.modelPath.trim(),
        // vLLM serves under the model path when no name is given; a unit always names it.
        servedModelNames: servedNames.length > 0 ? servedNames : [name],
        ...optional('port', numberField(form.port)),
        ...optional('tensorParallelSize', numberField(form.tensorParallelSize)),
        ...optional('maxModelLen', numberField(form.maxModelLen)),
        ...optional('gpuMemoryUtilization', numberField(form.gpuMemoryUtilization)),
        ...(gpus.length > 0 ? { gpus } : {}),
        env: env.env,
        autoStart: form.autoStart,
      } as UnitDefinitionInput,
    };
  }
  if (form.preset === 'airlock-gateway') {
    // Its address, TLS and the rest are gateway.* settings; the unit has only a name.
    return { ok: true, definition: { preset: 'airlock-gateway', name, autoStart: form.autoStart } };
  }
  if (form.preset === 'gitlab-gateway') {
    return {
      ok: true,
      definition: {
        preset: 'gitlab-gateway',
        name,
        command: form.command.trim(),
        args: linesField(form.args),
        ...optional('port', numberField(form.port)),
        env: env.env,
        autoStart: form.autoStart,
      } as UnitDefinitionInput,
    };
  }
  const healthUrl = form.healthUrl.trim();
  return {
    ok: true,
    definition: {
      preset: 'custom',
      name,
      command: form.command.trim(),
      args: linesField(form.args),
      ports: listField(form.ports).map((port) => numberField(port)),
      health: healthUrl === '' ? null : { url: healthUrl },
      restart: form.restart,
      env: env.env,
      autoStart: form.autoStart,
    } as UnitDefinitionInput,
  };
}
