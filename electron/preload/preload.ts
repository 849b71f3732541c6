// The preload of the app window (sandboxed, context-isolated): exposes exactly the ApiTransport
// shape as `window.ferry` — invoke, subscribe, ready — and nothing else of Electron or Node.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiResponse, HostMessage } from '../../shared/api-contract.js';
import { CALL_NAME, IPC_API_PREFIX, IPC_JOB_CHANNEL } from '../main/ipc-names.js';

const listeners = new Set<(message: HostMessage) => void>();
ipcRenderer.on(IPC_JOB_CHANNEL, (_event: IpcRendererEvent, message: HostMessage) => {
  for (const listener of listeners) {
    try {
      listener(message);
    } catch {
      // one broken listener must not starve the others
    }
  }
});

contextBridge.exposeInMainWorld('ferry', {
  /** Sends one call to the host; resolves with its result or a serialized error. */
  async invoke(channel: string, input: unknown): Promise<ApiResponse> {
    if (typeof channel !== 'string' || !CALL_NAME.test(channel)) {
      return { error: { code: 'bad-usage', message: `There is no API call named "${String(channel).slice(0, 100)}".` } };
    }
    try {
      return (await ipcRenderer.invoke(IPC_API_PREFIX + channel, input ?? {})) as ApiResponse;
    } catch {
      return { error: { code: 'bad-usage', message: `There is no API call named "${channel}".` } };
    }
  },
  /** Receives every message the host pushes (job messages, host commands); returns the unsubscribe function. */
  subscribe(listener: (message: HostMessage) => void): () => void {
    if (typeof listener !== 'function') return () => undefined;
    listeners.add(listener);
    return () => void listeners.delete(listener);
  },
  /** IPC is connected from the start: resolves at once. */
  ready: (): Promise<void> => Promise.resolve(),
});
