// The Electron shell's main process: thin. It serves the built renderer on app://ferry/, opens one
// hardened window, starts the engine in a utility process and binds the API contract to IPC.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, Notification, app, dialog, protocol, safeStorage } from 'electron';
import type { HostCommand } from '../../shared/api-contract.js';
import { bundleArgument } from '../engine/bundle/bundle-path.js';
import { appResponseHeaders, resolveAppPath } from './app-protocol.js';
import { installAppMenu } from './app-menu.js';
import { createAppWindow, hardenSession } from './app-window.js';
import { createCredentialStore } from './credential-store.js';
import { startEngineProcess, type EngineProcess } from './engine-process.js';
import { electronIpcMain, registerApiBridge } from './ipc-bridge.js';
import { APP_SCHEME, IPC_JOB_CHANNEL } from './ipc-names.js';
import { createJobNotifier } from './job-notifier.js';
import { nativeDialogs } from './native-dialogs.js';

const here = dirname(fileURLToPath(import.meta.url)); // dist/electron
const rendererDir = join(here, '..', 'renderer');
const dev = !app.isPackaged;

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false } }]);
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let window: BrowserWindow | undefined;
  let engine: EngineProcess | undefined;
  /** A bundle named on the command line, opened in Review once the window has loaded. */
  let pendingBundle = bundleArgument(process.argv.slice(1));

  /** Sends a host command (open a bundle) to the window, on the channel job messages travel. */
  const sendCommand = (command: HostCommand): void => {
    if (window && !window.isDestroyed()) window.webContents.send(IPC_JOB_CHANNEL, command);
  };
  const openBundle = (dir: string): void => {
    sendCommand({ command: 'open-bundle', dir });
    window?.focus();
  };

  app.on('second-instance', (_event, argv) => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
    // `ferry-desktop /media/usb/bundle` while the app runs: open it here
    const dir = bundleArgument(argv.slice(1));
    if (dir) openBundle(dir);
  });

  // no web contents may ever be created except through us
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-attach-webview', (e) => e.preventDefault());
  });

  void app.whenReady().then(async () => {
    hardenSession();
    protocol.handle(APP_SCHEME, async (request) => {
      const file = resolveAppPath(rendererDir, request.url);
      if (!file) return new Response('not found', { status: 404 });
      try {
        return new Response(await readFile(file), { status: 200, headers: appResponseHeaders(file) });
      } catch {
        return new Response('not found', { status: 404 });
      }
    });

    const store = createCredentialStore({ file: join(app.getPath('userData'), 'credentials.bin'), safeStorage });
    engine = startEngineProcess({
      entry: join(here, 'engine-entry.mjs'),
      registries: await store.load(),
      onPersist: (registries) => void store.save(registries).catch(() => undefined),
      onCrash: ({ restarted, jobsLost }) => {
        const body = restarted
          ? `The engine stopped unexpectedly and was started again${jobsLost.length > 0 ? `; ${jobsLost.length} running task(s) ended and must be run again` : ''}.`
          : 'The engine stopped unexpectedly several times in a minute. Save your work and restart Ferry.';
        if (!restarted) dialog.showErrorBox('Ferry engine stopped', body);
        else if (Notification.isSupported()) new Notification({ title: 'Ferry engine restarted', body }).show();
      },
    });
    const notifier = createJobNotifier({
      isFocused: () => window?.isFocused() ?? false,
      notify: (title, body) => {
        if (Notification.isSupported()) new Notification({ title, body, silent: false }).show();
      },
    });
    registerApiBridge(await electronIpcMain(), {
      engine,
      local: nativeDialogs(() => window),
      window: () => (window && !window.isDestroyed() ? window.webContents : undefined),
      jobStarted: notifier.started,
      jobMessage: notifier.message,
    });
    installAppMenu({ window: () => window, openBundle, dev, version: app.getVersion() });

    const icon = join(here, '..', '..', 'assets', 'icons', '512x512.png');
    window = createAppWindow(join(here, 'preload.cjs'), existsSync(icon) ? icon : undefined);
    window.on('closed', () => (window = undefined));
    window.webContents.on('did-finish-load', () => {
      if (!pendingBundle) return;
      openBundle(pendingBundle);
      pendingBundle = undefined;
    });
  });

  app.on('window-all-closed', () => app.quit());
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting || !engine) return;
    event.preventDefault();
    quitting = true;
    void engine.close().finally(() => app.quit());
  });
}
