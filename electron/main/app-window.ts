import { BrowserWindow, session, shell, type Session } from 'electron';
import { APP_START_URL } from './app-protocol.js';
import { APP_HOST, APP_SCHEME } from './ipc-names.js';

/** The hardened web preferences of the app window. */
export function windowPreferences(preload: string): Electron.WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
  };
}

/** The window's default size and the smallest it may be made (the renderer lays out down to 800×600). */
export const APP_WINDOW_SIZE = { width: 1280, height: 800, minWidth: 800, minHeight: 600 } as const;

/** True for a URL of the app's own origin. */
function isAppUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Denies every permission request (camera, notifications from the page, geolocation…) and every remote load of the session. */
export function hardenSession(s: Session = session.defaultSession): void {
  s.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  s.setPermissionCheckHandler(() => false);
  // no remote content: only the app's own origin (and devtools) may load anything
  s.webRequest.onBeforeRequest((details, callback) => {
    const ok = isAppUrl(details.url) || details.url.startsWith('devtools://') || details.url.startsWith('data:');
    callback({ cancel: !ok });
  });
  s.on('will-download', (event) => event.preventDefault());
}

/**
 * Creates the app window: sandboxed, context-isolated, no Node; new windows denied (an https link opens
 * in the user's browser instead), navigation away from the app blocked, `<webview>` refused.
 */
export function createAppWindow(preload: string, icon: string | undefined): BrowserWindow {
  const window = new BrowserWindow({
    ...APP_WINDOW_SIZE,
    show: false,
    title: 'Ferry',
    ...(icon ? { icon } : {}),
    backgroundColor: '#1b1f24',
    webPreferences: windowPreferences(preload),
  });
  const contents = window.webContents;
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  window.once('ready-to-show', () => window.show());
  void window.loadURL(APP_START_URL);
  return window;
}
