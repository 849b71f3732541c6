import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { API_INPUTS, DIALOG_CHANNELS, isJobChannel, type ApiChannel, type ApiResponse, type JobMessage } from '../../shared/api-contract.js';
import type { ApiOutcome } from '../engine/api/api-host.js';
import { IPC_API_PREFIX, IPC_JOB_CHANNEL } from './ipc-names.js';
import { isTrustedSender } from './sender-check.js';

/** Every call the bridge answers: exactly the contract's calls, one `ipcMain.handle` each. */
export const BRIDGED_CHANNELS = Object.keys(API_INPUTS) as ApiChannel[];

/** What the bridge forwards calls to. */
export interface BridgeTarget {
  /** The api host in the engine process (validates input with the contract's schemas, runs jobs). */
  engine: { invoke(channel: string, input: unknown): Promise<ApiOutcome>; subscribe(listener: (message: JobMessage) => void): () => void };
  /** The main process's own calls (native dialogs), given input already checked against the contract. */
  local: Partial<Record<ApiChannel, (input: unknown) => Promise<unknown>>>;
  /** The app window's webContents (undefined while there is none): the only sender served, the only receiver of job messages. */
  window(): WebContents | undefined;
  /** A job call answered `{ jobId }`. */
  jobStarted?(jobId: string, channel: string): void;
  /** Every job message, after it was sent to the window. */
  jobMessage?(message: JobMessage): void;
}

/** The answer to a sender that is not the app's own window. */
const REFUSED: ApiResponse = { error: { code: 'denied', message: 'This call did not come from the Ferry window and was refused.' } };

/**
 * Binds the API contract to IPC: one `ipcMain.handle('ferry:api:<call>')` per contract call, each
 * checking the sender (our window's top frame on `app://ferry/`) before anything else; dialogs are
 * validated with the contract's schema and answered here, everything else goes to the engine
 * process's api host (which validates every input). Job messages go to the window on `ferry:job`.
 * Returns the function that removes the handlers.
 */
export function registerApiBridge(ipc: Pick<IpcMain, 'handle' | 'removeHandler'>, target: BridgeTarget): () => void {
  const dialogs = new Set<string>(DIALOG_CHANNELS);
  for (const channel of BRIDGED_CHANNELS) {
    ipc.handle(IPC_API_PREFIX + channel, async (event: IpcMainInvokeEvent, input: unknown): Promise<ApiResponse> => {
      const frame = event.senderFrame;
      const trusted = isTrustedSender({ frameUrl: frame?.url, topFrame: frame !== null && frame !== undefined && frame.parent === null, webContentsId: event.sender.id }, target.window()?.id);
      if (!trusted) return REFUSED;
      const local = target.local[channel];
      if (dialogs.has(channel) && local) {
        const parsed = API_INPUTS[channel].safeParse(input ?? {});
        if (!parsed.success) return { error: { code: 'bad-usage', message: `Invalid input for ${channel}: ${parsed.error.issues[0]?.message ?? 'invalid'}.` } };
        try {
          return { result: await local(parsed.data) };
        } catch (error) {
          return { error: { code: 'internal', message: `The ${channel} dialog failed: ${error instanceof Error ? error.message : String(error)}.` } };
        }
      }
      const outcome = await target.engine.invoke(channel, input);
      if (!outcome.ok) return { error: outcome.error };
      if (isJobChannel(channel)) target.jobStarted?.((outcome.result as { jobId: string }).jobId, channel);
      return { result: outcome.result };
    });
  }
  const unsubscribe = target.engine.subscribe((message) => {
    const contents = target.window();
    if (contents && !contents.isDestroyed()) contents.send(IPC_JOB_CHANNEL, message);
    target.jobMessage?.(message);
  });
  return () => {
    unsubscribe();
    for (const channel of BRIDGED_CHANNELS) ipc.removeHandler(IPC_API_PREFIX + channel);
  };
}

/** Electron's ipcMain, loaded lazily (so the bridge's logic loads in plain Node for its unit tests). */
export async function electronIpcMain(): Promise<IpcMain> {
  return (await import('electron')).ipcMain;
}
