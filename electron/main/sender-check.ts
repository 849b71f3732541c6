import { APP_HOST, APP_SCHEME } from './ipc-names.js';

/** What the IPC bridge knows about the sender of a call. */
export interface SenderInfo {
  /** URL of the frame that sent it (`event.senderFrame.url`); undefined when the frame is gone. */
  frameUrl: string | undefined;
  /** True when the frame is the top frame of its page. */
  topFrame: boolean;
  /** `event.sender.id`: the webContents that sent it. */
  webContentsId: number;
}

/**
 * True when a call comes from the app's own window: the top frame of our window's webContents,
 * showing a page of the app's own origin (`app://ferry/`). Anything else (another webContents,
 * a sub-frame, a navigated or foreign page) is refused before its input is even looked at.
 */
export function isTrustedSender(sender: SenderInfo, windowWebContentsId: number | undefined): boolean {
  if (windowWebContentsId === undefined || sender.webContentsId !== windowWebContentsId || !sender.topFrame || !sender.frameUrl) return false;
  let url: URL;
  try {
    url = new URL(sender.frameUrl);
  } catch {
    return false;
  }
  return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST && url.username === '' && url.password === '' && url.port === '';
}
