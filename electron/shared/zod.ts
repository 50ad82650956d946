/**
 * zod, configured once, for every schema of electron/shared. Import `z` from here, never from 'zod':
 * module order then guarantees the configuration comes before any schema is built.
 *
 * jitless: zod otherwise probes `new Function('')` to compile fast parsers, which the UI's CSP
 * (script-src 'self', no unsafe-eval) reports as a violation (test/e2e/console.test.ts checks none).
 */
import { z } from 'zod';

z.config({ jitless: true });

export { z };
