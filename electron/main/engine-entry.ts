// The engine process (an Electron utilityProcess): the api host and so every engine job run here,
// off the main process, so the window never freezes. Plain Node: no Electron import; it talks to the
// main process through `process.parentPort`.
import type { SettingsView } from '../../shared/api-contract.js';
import { createApiHost } from '../engine/api/api-host.js';
import { createSessionSettings, type RegistrySetting } from '../engine/api/session-settings.js';
import { registryKey } from '../engine/registry/auth-file-credentials.js';
import type { FromEngine, ToEngine } from './engine-messages.js';

/** The utility process's port to its parent (Electron's `process.parentPort`). */
interface ParentPortLike {
  on(event: 'message', listener: (event: { data: ToEngine }) => void): void;
  postMessage(message: FromEngine): void;
}

const port = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
if (!port) throw new Error('engine-entry runs as an Electron utility process only');

const settings = createSessionSettings();
const api = createApiHost({ host: 'electron', settings });
const send = (message: FromEngine): void => port.postMessage(message);
api.subscribe((message) => send({ type: 'job', message }));

/** The logins as kept, by normalized host: SessionSettings never hands passwords out, so the shell mirrors them here. */
const secrets = new Map<string, string>();
const hostKey = (host: string): string => registryKey(host.trim().replace(/^https?:\/\//, '').replace(/\/+$/, ''));

/** The registries to persist: the settings' view plus the mirrored passwords. */
function persistable(view: SettingsView): RegistrySetting[] {
  return view.registries.map((r) => {
    const password = r.hasPassword ? secrets.get(r.host) : undefined;
    return { host: r.host, ...(r.username !== undefined ? { username: r.username } : {}), ...(password !== undefined ? { password } : {}), ...(r.caFile !== undefined ? { caFile: r.caFile } : {}), ...(r.insecure ? { insecure: true } : {}) };
  });
}

port.on('message', ({ data }) => {
  if (data.type === 'init') {
    for (const r of data.registries) {
      try {
        settings.setRegistry(r);
        if (r.password !== undefined) secrets.set(hostKey(r.host), r.password);
      } catch {
        // a kept entry this version no longer accepts: skip it
      }
    }
    return;
  }
  if (data.type === 'close') {
    void api.close().then(() => send({ type: 'closed' }));
    return;
  }
  const { id, channel, input } = data;
  void api.invoke(channel, input).then((outcome) => {
    send({ type: 'outcome', id, outcome });
    if (!outcome.ok) return;
    if (channel === 'settings.setRegistry') {
      const i = input as { host: string; password?: string };
      const key = hostKey(i.host);
      const view = outcome.result as SettingsView;
      if (i.password) secrets.set(key, i.password);
      if (!view.registries.find((r) => r.host === key)?.hasPassword) secrets.delete(key);
      send({ type: 'persist', registries: persistable(view) });
    } else if (channel === 'settings.removeRegistry') {
      secrets.delete(hostKey((input as { host: string }).host));
      send({ type: 'persist', registries: persistable(outcome.result as SettingsView) });
    }
  });
});
