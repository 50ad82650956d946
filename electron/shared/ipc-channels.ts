/**
 * The two Electron IPC channels the desktop bridge uses. Fixed constants: no channel name is ever
 * built from a string at run time. The preload exposes task-named functions on top of them.
 */
export const IPC_CALL_CHANNEL = 'airlock:call';
export const IPC_EVENT_CHANNEL = 'airlock:event';
export const IPC_SUBSCRIBE_CHANNEL = 'airlock:subscribe';

/** The custom protocol the desktop window loads the UI from (never file://). */
export const APP_PROTOCOL = 'airlock-app';
export const APP_ORIGIN = `${APP_PROTOCOL}://ui`;

/**
 * Content-Security-Policy for every page of the UI, in the console and in the desktop window.
 * No inline script or style, no eval, nothing from another origin.
 */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
