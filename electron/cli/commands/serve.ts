import { join } from 'node:path';
import { systemClock } from '../../core/clock';
import type { Logger } from '../../core/logger';
import { startConsole } from '../../server/start-console';

export interface ServeOptions {
  host: string;
  port: number;
  dataDir: string;
  tlsCert?: string;
  tlsKey?: string;
  logger: Logger;
}

/** Where the renderer build sits next to this bundle (dist/cli → dist/renderer). */
export function defaultStaticDir(): string {
  return process.env.AIRLOCK_UI_DIR ?? join(__dirname, '..', 'renderer');
}

/** `airlock serve`: runs the core and the browser console until SIGINT/SIGTERM. */
export async function runServe(options: ServeOptions): Promise<number> {
  const running = await startConsole({ ...options, staticDir: defaultStaticDir(), clock: systemClock });
  process.stdout.write(
    [
      'Airlock console is running.',
      `  URL:    ${running.url}`,
      `  Token:  ${running.token}`,
      '          (shown once; a new token is made at every start)',
      `  Data:   ${running.dataDir}`,
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );

  return new Promise<number>((resolve) => {
    let isStopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (isStopping) {
        process.stderr.write(`airlock: ${signal} again, exiting now\n`);
        process.exit(130);
      }
      isStopping = true;
      options.logger.info('stopping', { signal });
      running.close().then(
        () => resolve(0),
        (error: unknown) => {
          options.logger.error('stop failed', { error: String(error) });
          resolve(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
