import { utilityProcess, type UtilityProcess } from 'electron';
import type { JobMessage } from '../../shared/api-contract.js';
import type { ApiOutcome } from '../engine/api/api-host.js';
import type { RegistrySetting } from '../engine/api/session-settings.js';
import type { FromEngine, ToEngine } from './engine-messages.js';

/** The api host as seen from the main process: the same shape as ApiHost, served by the engine process. */
export interface EngineProcess {
  invoke(channel: string, input: unknown): Promise<ApiOutcome>;
  subscribe(listener: (message: JobMessage) => void): () => void;
  /** Cancels running jobs, then ends the process. */
  close(): Promise<void>;
}

/** Options for {@link startEngineProcess}. */
export interface EngineProcessOptions {
  /** The built engine entry (`dist/electron/engine-entry.mjs`). */
  entry: string;
  /** The kept registries to load at start. */
  registries: RegistrySetting[];
  /** Called with the registries after every settings change (to encrypt and keep them). */
  onPersist(registries: RegistrySetting[]): void;
}

/** Starts the engine (api host) in an Electron utility process: long jobs never block the window. */
export function startEngineProcess(options: EngineProcessOptions): EngineProcess {
  const listeners = new Set<(message: JobMessage) => void>();
  const pending = new Map<number, (outcome: ApiOutcome) => void>();
  let nextId = 1;
  let exited = false;
  let closed: (() => void) | undefined;
  const child: UtilityProcess = utilityProcess.fork(options.entry, [], { serviceName: 'Ferry engine', stdio: 'inherit' });
  const send = (message: ToEngine): void => child.postMessage(message);

  child.on('message', (message: FromEngine) => {
    if (message.type === 'outcome') {
      pending.get(message.id)?.(message.outcome);
      pending.delete(message.id);
    } else if (message.type === 'job') {
      for (const listener of listeners) listener(message.message);
    } else if (message.type === 'persist') {
      options.onPersist(message.registries);
    } else if (message.type === 'closed') {
      child.kill();
    }
  });
  child.on('exit', () => {
    exited = true;
    for (const resolve of pending.values()) resolve({ ok: false, reason: 'failed', error: { code: 'internal', message: 'The Ferry engine process stopped; restart the app.' } });
    pending.clear();
    closed?.();
  });
  send({ type: 'init', registries: options.registries });

  return {
    invoke(channel, input) {
      if (exited) return Promise.resolve({ ok: false, reason: 'failed', error: { code: 'internal', message: 'The Ferry engine process stopped; restart the app.' } });
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        send({ type: 'invoke', id, channel, input });
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      if (exited) return Promise.resolve();
      return new Promise<void>((resolve) => {
        closed = resolve;
        send({ type: 'close' });
        setTimeout(() => child.kill(), 5000).unref();
      });
    },
  };
}
