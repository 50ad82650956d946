/**
 * The desktop composition root: windows, tray, the core's process and the IPC bridge. No business
 * logic here: the core owns the services, and they outlive the window (closing it leaves Airlock
 * in the tray until Quit).
 */
import { join } from 'node:path';
import { type BrowserWindow, app, dialog, session } from 'electron';
import { handleAppProtocol, registerAppScheme } from './app-protocol';
import { type CoreProcess, startCoreProcess } from './core-process';
import { registerIpcBridge } from './ipc-bridge';
import { createTray } from './tray';
import { createMainWindow, lockDownSession, lockDownWebContents } from './window';

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.enableSandbox();
  registerAppScheme();

  let window: BrowserWindow | undefined;
  let core: CoreProcess | undefined;
  let isQuitting = false;
  const dataDirFlag = process.argv.indexOf('--data-dir');
  const dataDir = dataDirFlag >= 0 ? process.argv[dataDirFlag + 1] : undefined;

  const showWindow = () => {
    if (!window || window.isDestroyed()) {
      window = createMainWindow();
      window.on('close', (event) => {
        if (isQuitting) return;
        event.preventDefault();
        window?.hide();
      });
    }
    window.show();
    window.focus();
  };

  const quit = () => {
    isQuitting = true;
    app.quit();
  };

  app.on('second-instance', showWindow);
  app.on('web-contents-created', (_event, contents) => lockDownWebContents(contents));
  // Stay alive with no window: the tray is the way back in.
  app.on('window-all-closed', () => undefined);

  app.on('before-quit', (event) => {
    isQuitting = true;
    if (!core) return;
    event.preventDefault();
    const stopping = core;
    core = undefined;
    void stopping.stop().finally(() => app.quit());
  });

  void app.whenReady().then(async () => {
    lockDownSession(session.defaultSession);
    handleAppProtocol(join(__dirname, '..', 'renderer'));
    core = startCoreProcess(dataDir ? { dataDir } : {});
    registerIpcBridge(() => {
      if (!core) throw new Error('core stopped');
      return core.client;
    });
    try {
      await core.ready;
    } catch (error) {
      dialog.showErrorBox('Airlock cannot start', (error as Error).message);
      core = undefined;
      quit();
      return;
    }
    core.onExit((code) => {
      if (isQuitting) return;
      dialog.showErrorBox('Airlock core stopped', `The Airlock core exited with code ${code}. Airlock will close; start it again.`);
      quit();
    });
    createTray({ show: showWindow, quit });
    showWindow();
  });
}
