import { join } from 'node:path';
import { BrowserWindow, type Session, shell } from 'electron';
import { APP_ORIGIN } from '../shared/ipc-channels';

/** Schemes the app may hand to the OS (a help link, say). Everything else is dropped. */
const EXTERNAL_SCHEMES = new Set(['https:']);

/** Creates the main window with every hardening setting of reliability.md §4. */
export function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 840,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Airlock',
    backgroundColor: '#0f1216',
    webPreferences: {
      preload: join(__dirname, '..', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      // The spellchecker downloads dictionaries from a Google CDN (reliability.md §6).
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(`${APP_ORIGIN}/index.html`);
  return window;
}

/** No navigation away from the UI, no new windows, no webviews, in every web contents. */
export function lockDownWebContents(contents: Electron.WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    try {
      if (EXTERNAL_SCHEMES.has(new URL(url).protocol)) void shell.openExternal(url);
    } catch {
      // Not a URL: nothing to open.
    }
    return { action: 'deny' };
  });
}

/** Denies every permission and lets the UI reach only its own protocol: no network from the renderer. */
export function lockDownSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onBeforeRequest((details, callback) => {
    const isAllowed = details.url.startsWith(`${APP_ORIGIN}/`) || details.url.startsWith('devtools://') || details.url.startsWith('data:');
    callback({ cancel: !isAllowed });
  });
}
