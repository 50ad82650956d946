import { join } from 'node:path';
import { Menu, Tray, nativeImage } from 'electron';

/** The tray icon that keeps Airlock reachable while its window is closed and services run on. */
export function createTray(actions: { show: () => void; quit: () => void }): Tray {
  const icon = nativeImage.createFromPath(join(__dirname, '..', '..', 'resources', 'icons', 'tray.png'));
  const tray = new Tray(icon);
  tray.setToolTip('Airlock');
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Open Airlock', click: actions.show },
      { type: 'separator' },
      { label: 'Quit Airlock (stops the services it supervises)', click: actions.quit },
    ]),
  );
  tray.on('click', actions.show);
  return tray;
}
