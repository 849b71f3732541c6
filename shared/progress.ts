import type { ErrorHint } from './errors.js';

/** The phases a long job goes through, in the order a user meets them. */
export type Phase =
  | 'resolve'
  | 'fetch'
  | 'write'
  | 'hash'
  | 'split'
  | 'parity'
  | 'repair'
  | 'verify'
  | 'write-media'
  | 'read-back'
  | 'push';

/** One progress event; every long engine call reports through a single `onProgress(event)` callback. */
export type ProgressEvent =
  | { kind: 'phase-start'; phase: Phase; totalBytes?: number; totalItems?: number }
  | { kind: 'phase-end'; phase: Phase }
  | {
      kind: 'bytes';
      phase: Phase;
      done: number;
      total: number;
      /** Bytes per second over the last few seconds. */
      rate: number;
      /** Seconds left at the current rate, or null while unknown. */
      etaSeconds: number | null;
    }
  | { kind: 'item-start'; phase: Phase; item: string; totalBytes?: number }
  | { kind: 'item-end'; phase: Phase; item: string; bytes?: number; cached?: boolean; detail?: string }
  /** `hint`: what the user can do, worded by each surface (shared/errors.ts `ErrorHint`). */
  | { kind: 'warning'; message: string; subject?: string; hint?: ErrorHint }
  /** A long-running service is up (a served bundle): where to reach it, until the job is cancelled. */
  | { kind: 'serving'; url: string; repositories: string[] };

/** The callback type every long engine call accepts. */
export type OnProgress = (event: ProgressEvent) => void;
