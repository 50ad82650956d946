/**
 * Helpers for tests that run test/doubles/fake-nvidia-smi: its path, the capture fixtures, and a
 * spawner that hands the fake its mode through the environment without touching `process.env`.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Absolute path of the fake nvidia-smi executable. */
export const FAKE_NVIDIA_SMI = fileURLToPath(new URL('./fake-nvidia-smi', import.meta.url));

/** Absolute path of the nvidia-smi capture fixtures. */
export const NVIDIA_SMI_FIXTURES = fileURLToPath(new URL('../fixtures/nvidia-smi/', import.meta.url));

/** The behaviours the fake knows (see the comment at the top of fake-nvidia-smi). */
export type FakeNvidiaSmiMode = 'capture' | 'driver-failure' | 'no-devices' | 'hang' | 'garbage';

/** Environment variables that select the fake's behaviour. */
export function fakeNvidiaSmiEnv(mode: FakeNvidiaSmiMode, options: { xml?: string; pidFile?: string } = {}): Record<string, string> {
  const env: Record<string, string> = { FAKE_NVIDIA_SMI_MODE: mode };
  if (options.xml !== undefined) env['FAKE_NVIDIA_SMI_XML'] = options.xml;
  if (options.pidFile !== undefined) env['FAKE_NVIDIA_SMI_PID_FILE'] = options.pidFile;
  return env;
}

/** A spawner that adds `extraEnv` to every child's environment and counts the spawns. */
export function spawnWithEnv(extraEnv: Readonly<Record<string, string>>): {
  spawn: (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;
  readonly count: number;
} {
  let count = 0;
  return {
    spawn: (command, args, options) => {
      count += 1;
      return spawn(command, [...args], { ...options, env: { ...process.env, ...options.env, ...extraEnv } });
    },
    get count() {
      return count;
    },
  };
}
