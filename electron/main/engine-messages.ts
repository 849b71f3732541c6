import type { JobMessage } from '../../shared/api-contract.js';
import type { ApiOutcome } from '../engine/api/api-host.js';
import type { RegistrySetting } from '../engine/api/session-settings.js';

/** Main → engine process. */
export type ToEngine =
  | { type: 'init'; registries: RegistrySetting[] }
  | { type: 'invoke'; id: number; channel: string; input: unknown }
  | { type: 'close' };

/** Engine process → main. */
export type FromEngine =
  | { type: 'outcome'; id: number; outcome: ApiOutcome }
  | { type: 'job'; message: JobMessage }
  /** The registries (logins included) after a settings change: main encrypts and keeps them. */
  | { type: 'persist'; registries: RegistrySetting[] }
  | { type: 'closed' };
