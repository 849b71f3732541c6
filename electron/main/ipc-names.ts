/** Prefix of the IPC channel of each API call: `ferry:api:<call>` (one `ipcMain.handle` per contract call). */
export const IPC_API_PREFIX = 'ferry:api:';

/** The one IPC channel the host's messages travel on, main → window: job messages and host commands (open a bundle). */
export const IPC_JOB_CHANNEL = 'ferry:job';

/** The app's own origin: the renderer is served from `app://ferry/` (see app-protocol.ts). */
export const APP_SCHEME = 'app';

/** The host name of the app's origin. */
export const APP_HOST = 'ferry';

/** A call name as the contract spells them (`bundle.create`): anything else never reaches ipcRenderer. */
export const CALL_NAME = /^[a-z]+\.[A-Za-z]+$/;
