import { Menu, app, dialog, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';

/** Options for {@link installAppMenu}. */
export interface AppMenuOptions {
  window(): BrowserWindow | undefined;
  /** "Open bundle…": the chosen folder goes to the renderer's Review wizard. */
  openBundle(dir: string): void;
  /** Development build: View → Reload and the developer tools. */
  dev: boolean;
  version: string;
}

/** Installs the application menu: File (Open bundle…, Quit), View (reload in development only), Help (About). */
export function installAppMenu(options: AppMenuOptions): void {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        {
          label: 'Open bundle…',
          accelerator: 'CmdOrCtrl+O',
          click: async () => {
            const w = options.window();
            const props = { title: 'Open a bundle folder', properties: ['openDirectory' as const] };
            const r = w ? await dialog.showOpenDialog(w, props) : await dialog.showOpenDialog(props);
            if (!r.canceled && r.filePaths[0]) options.openBundle(r.filePaths[0]);
          },
        },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { label: '&View', submenu: [...(options.dev ? [{ role: 'reload' as const }, { role: 'toggleDevTools' as const }, { type: 'separator' as const }] : []), { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { role: 'togglefullscreen' }] },
    {
      label: '&Help',
      submenu: [
        {
          label: 'About Ferry',
          click: () => {
            const w = options.window();
            const box = { type: 'info' as const, title: 'About Ferry', message: `Ferry ${options.version}`, detail: 'Carries container images into air-gapped networks on removable media.\nNo telemetry, no update checks: the app itself never goes on the network.\nLicence: Apache-2.0.' };
            void (w ? dialog.showMessageBox(w, box) : dialog.showMessageBox(box));
          },
        },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  app.setAboutPanelOptions({ applicationName: 'Ferry', applicationVersion: options.version });
}
