import { AirlockError } from '../../shared/errors';
import type { UnitView } from '../../shared/services';
import { connectToCore } from '../core-client';
import { printResult } from '../output';

export interface AddOptions {
  preset: string;
  command?: string;
  arg?: string[];
  port?: number[];
  model?: string;
  servedName?: string[];
  tensorParallel?: number;
  maxModelLen?: number;
  gpuMemoryUtilization?: number;
  gpus?: string;
  env?: string[];
  healthUrl?: string;
  restart?: string;
  stopTimeout?: number;
  autoStart: boolean;
}

/** The definition the core validates (shared/services.ts); the CLI only shapes the flags. */
export function definitionFromFlags(name: string, options: AddOptions): Record<string, unknown> {
  const env = Object.fromEntries(
    (options.env ?? []).map((pair) => {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new AirlockError('CLI_INVALID_ARGUMENT', { argument: '--env', reason: `"${pair}" is not NAME=VALUE` });
      return [pair.slice(0, eq), pair.slice(eq + 1)];
    }),
  );
  const base = { name, autoStart: options.autoStart };
  switch (options.preset) {
    case 'vllm':
      return {
        ...base,
        preset: 'vllm',
        modelPath: options.model,
        ...(options.port?.[0] !== undefined ? { port: options.port[0] } : {}),
        servedModelNames: options.servedName ?? (options.model ? [options.model.split('/').filter(Boolean).pop()] : []),
        ...(options.tensorParallel !== undefined ? { tensorParallelSize: options.tensorParallel } : {}),
        ...(options.maxModelLen !== undefined ? { maxModelLen: options.maxModelLen } : {}),
        ...(options.gpuMemoryUtilization !== undefined ? { gpuMemoryUtilization: options.gpuMemoryUtilization } : {}),
        ...(options.gpus ? { gpus: options.gpus.split(',').map((g) => (/^\d+$/.test(g) ? Number(g) : g)) } : {}),
        extraArgs: options.arg ?? [],
        env,
        ...(options.stopTimeout !== undefined ? { stopTimeoutMs: options.stopTimeout } : {}),
      };
    case 'gitlab-gateway':
      return { ...base, preset: 'gitlab-gateway', command: options.command, args: options.arg ?? [], ...(options.port?.[0] !== undefined ? { port: options.port[0] } : {}), env };
    case 'custom':
      return {
        ...base,
        preset: 'custom',
        command: options.command,
        args: options.arg ?? [],
        env,
        ports: options.port ?? [],
        health: options.healthUrl ? { url: options.healthUrl, expectStatus: 200 } : null,
        ...(options.restart ? { restart: options.restart } : {}),
        ...(options.stopTimeout !== undefined ? { stopTimeoutMs: options.stopTimeout } : {}),
      };
    case 'airlock-gateway':
      // Address, TLS and everything else are gateway.* settings ("airlock settings list").
      return { ...base, preset: 'airlock-gateway' };
    default:
      throw new AirlockError('CLI_INVALID_ARGUMENT', { argument: '--preset', reason: `"${options.preset}" is not one of vllm, airlock-gateway, gitlab-gateway, custom` });
  }
}

const since = (iso: string | null, now = Date.now()) => {
  if (!iso) return '—';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
};

/** One line per unit, then its problem if it has one. */
export function renderUnits(units: UnitView[]): string {
  if (units.length === 0) return 'No units. Add one with "airlock services add NAME --preset vllm|airlock-gateway|gitlab-gateway|custom …".';
  const rows = [['NAME', 'PRESET', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'LAST EXIT']];
  for (const u of units) {
    const exit = u.lastExit ? (u.lastExit.isExpected ? 'stopped on request' : (u.lastExit.signal ?? `code ${u.lastExit.code}`)) + (u.lastExit.reason ? ` (${u.lastExit.reason.slice(0, 60)})` : '') : '—';
    rows.push([u.name, u.preset, u.state + (u.nextStartAt ? ` (retry in ${Math.max(0, Math.round((Date.parse(u.nextStartAt) - Date.now()) / 1000))}s)` : ''), u.pid === null ? '—' : String(u.pid), u.state === 'running' ? since(u.readyAt) : '—', String(u.restarts), exit]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  for (const u of units) {
    if (u.cannotStart) lines.push(`${u.name}: cannot start — ${u.cannotStart.reason}`);
    if (u.fatal) lines.push(`${u.name}: FATAL — ${u.fatal.summary}`);
    else if (u.lastProblem && u.state !== 'running') lines.push(`${u.name}: ${u.lastProblem.summary}${u.lastProblem.action ? ` → ${u.lastProblem.action}` : ''}`);
  }
  return lines.join('\n');
}

async function withCore<T>(dataDir: string, fn: (core: Awaited<ReturnType<typeof connectToCore>>) => Promise<T>): Promise<T> {
  const core = await connectToCore(dataDir);
  try {
    return await fn(core);
  } finally {
    core.close();
  }
}

export function runServicesList(options: { dataDir: string; isJson?: boolean }): Promise<number> {
  return withCore(options.dataDir, async (core) => {
    const units = await core.client.call('services.list', {});
    printResult(units, options.isJson, () => renderUnits(units));
    return 0;
  });
}

export function runServicesAdd(name: string, options: AddOptions & { dataDir: string; isJson?: boolean }): Promise<number> {
  const definition = definitionFromFlags(name, options);
  return withCore(options.dataDir, async (core) => {
    const unit = await core.client.call('services.add', { definition });
    printResult(unit, options.isJson, () =>
      unit.cannotStart
        ? `Added ${unit.name} (${unit.preset}), but it cannot start as it is: ${unit.cannotStart.reason}\nOnce that is fixed: airlock services start ${unit.name}`
        : `Added ${unit.name} (${unit.preset}): ${unit.commandLine}\nStart it with: airlock services start ${unit.name}`,
    );
    return 0;
  });
}

export function runServicesRemove(name: string, options: { dataDir: string; isJson?: boolean }): Promise<number> {
  return withCore(options.dataDir, async (core) => {
    const result = await core.client.call('services.remove', { name });
    printResult(result, options.isJson, () => `Removed ${name} (its processes were stopped first).`);
    return 0;
  });
}

/** start / stop / restart. */
export function runServicesAction(action: 'start' | 'stop' | 'restart', name: string, options: { dataDir: string; isJson?: boolean }): Promise<number> {
  return withCore(options.dataDir, async (core) => {
    const unit = await core.client.call(`services.${action}`, { name });
    printResult(unit, options.isJson, () => `${name}: ${unit.state}`);
    return 0;
  });
}
