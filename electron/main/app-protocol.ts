import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { protocol } from 'electron';
import { APP_PROTOCOL, UI_CONTENT_SECURITY_POLICY } from '../shared/ipc-channels';

const mimeTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** Must run before `app.ready`: the UI's scheme is standard and secure (not file://). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_PROTOCOL, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves the renderer build under airlock-app://ui/ with the UI's CSP on every response. */
export function handleAppProtocol(rendererDir: string): void {
  const rootWithSep = rendererDir.endsWith(sep) ? rendererDir : rendererDir + sep;
  protocol.handle(APP_PROTOCOL, async (request) => {
    const url = new URL(request.url);
    const relative = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = normalize(join(rendererDir, relative));
    const headers = { 'content-security-policy': UI_CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff' };
    if (url.host !== 'ui' || !file.startsWith(rootWithSep)) return new Response('Not found', { status: 404, headers });
    try {
      const body = await readFile(file);
      return new Response(body, { status: 200, headers: { ...headers, 'content-type': mimeTypes[extname(file)] ?? 'application/octet-stream' } });
    } catch {
      return new Response('Not found', { status: 404, headers });
    }
  });
}
