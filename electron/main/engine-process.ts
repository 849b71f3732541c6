import { utilityProcess } from 'electron';
import type { RegistrySetting } from '../engine/api/session-settings.js';
import type { FromEngine } from './engine-messages.js';
import { superviseEngine, type EngineCrash, type EngineProcess } from './engine-supervisor.js';

export type { EngineProcess } from './engine-supervisor.js';

/** Options for {@link startEngineProcess}. */
export interface EngineProcessOptions {
  /** The built engine entry (`dist/electron/engine-entry.mjs`). */
  entry: string;
  /** The kept registries to load at start. */
  registries: RegistrySetting[];
  /** Called with the registries after every settings change (to encrypt and keep them). */
  onPersist(registries: RegistrySetting[]): void;
  /** Called when the engine process stopped on its own (and was restarted, or not). */
  onCrash?(crash: EngineCrash): void;
}

/** Starts the engine (api host) in an Electron utility process, restarted if it dies: long jobs never block the window. */
export function startEngineProcess(options: EngineProcessOptions): EngineProcess {
  return superviseEngine({
    registries: options.registries,
    onPersist: options.onPersist,
    ...(options.onCrash ? { onCrash: options.onCrash } : {}),
    spawn() {
      const child = utilityProcess.fork(options.entry, [], { serviceName: 'Ferry engine', stdio: 'inherit' });
      return {
        postMessage: (message) => child.postMessage(message),
        onMessage: (listener) => void child.on('message', (message: FromEngine) => listener(message)),
        onExit: (listener) => void child.on('exit', (code) => listener(code)),
        kill: () => void child.kill(),
      };
    },
  });
}
