import type { SerializedError } from '../../shared/errors.js';
import type { Phase, ProgressEvent } from '../../shared/progress.js';
import { toSerializedError } from '../api/api-call-error.js';

/** Where a job's progress stands, as the progress bar shows it. */
export interface JobProgress {
  phase?: Phase;
  done: number;
  total: number;
  rate: number;
  etaSeconds: number | null;
  /** The items running now in this phase, in the order they started (a build fetches several images at once). */
  items?: string[];
  /** The item that started last (kept for a one-line label). */
  item?: string;
}

/** One row of a job's item list (a part being verified, an image being fetched or pushed). */
export interface ItemRow {
  name: string;
  /** The phase the item belongs to (an import verifies the parts, then pushes the images). */
  phase: Phase;
  status: 'running' | 'done' | 'failed' | 'stopped';
  detail?: string;
  bytes?: number;
  cached?: boolean;
}

/**
 * A long job's state, the one shape every store uses: not run, running (progress, item rows, a way to cancel), its
 * result, or its error. A failed or cancelled job ends every row still running as `stopped`, so no row stays
 * "fetching" after the job is gone.
 */
export type JobState<R> =
  | { status: 'idle' }
  | { status: 'running'; runId: number; progress: JobProgress; items: ItemRow[]; cancelling: boolean; cancel: () => void }
  | { status: 'done'; result: R; items: ItemRow[] }
  | { status: 'failed'; error: SerializedError; cancelled: boolean; items: ItemRow[] };

/** A plain call's state: not run, running, its result, or its error. */
export type CallState<T> = { status: 'idle' } | { status: 'running'; runId: number } | { status: 'done'; result: T } | { status: 'failed'; error: SerializedError };

/** Where one job or call lives in a store: read it, write it (typed, no casts at the call sites). */
export interface Slot<S> {
  read(): S;
  write(state: S): void;
}

/** A started job as the API client hands it back. */
export interface StartedJob<R> {
  result: Promise<R>;
  cancel(): Promise<void>;
}

/** The progress of a job that has reported nothing yet. */
export const idleProgress = (): JobProgress => ({ done: 0, total: 0, rate: 0, etaSeconds: null });

/** Folds one progress event into the progress shown. */
export function applyProgress(progress: JobProgress, event: ProgressEvent): JobProgress {
  switch (event.kind) {
    case 'phase-start':
      return { ...progress, phase: event.phase, done: 0, total: event.totalBytes ?? progress.total, rate: 0, etaSeconds: null, items: [] };
    case 'bytes':
      return { ...progress, phase: event.phase, done: event.done, total: event.total, rate: event.rate, etaSeconds: event.etaSeconds };
    case 'item-start':
      return { ...progress, item: event.item, items: [...(progress.items ?? []).filter((i) => i !== event.item), event.item] };
    case 'item-end': {
      const items = (progress.items ?? []).filter((i) => i !== event.item);
      return { ...progress, items, ...(progress.item === event.item ? { item: items[items.length - 1] } : {}) };
    }
    default:
      return progress;
  }
}

/** Folds one event into a job's item rows (an `item-end` with a detail in the verify phase marks a fault). */
export function applyItem(items: ItemRow[], event: ProgressEvent): ItemRow[] {
  if (event.kind !== 'item-start' && event.kind !== 'item-end') return items;
  const row: ItemRow =
    event.kind === 'item-start'
      ? { name: event.item, phase: event.phase, status: 'running' }
      : {
          name: event.item,
          phase: event.phase,
          status: event.detail && event.phase === 'verify' ? 'failed' : 'done',
          ...(event.detail ? { detail: event.detail } : {}),
          ...(event.bytes !== undefined ? { bytes: event.bytes } : {}),
          ...(event.cached !== undefined ? { cached: event.cached } : {}),
        };
  const same = (i: ItemRow): boolean => i.name === row.name && i.phase === row.phase;
  return items.some(same) ? items.map((i) => (same(i) ? row : i)) : [...items, row];
}

/** Rows still running when a job ends without finishing: they stopped, they did not finish. */
export function stopRunning(items: ItemRow[]): ItemRow[] {
  return items.map((i) => (i.status === 'running' ? { ...i, status: 'stopped' } : i));
}

let nextRunId = 0;

/**
 * Runs a job into its slot: running (with progress and item rows folded from every event), then done or failed. A run
 * replaced meanwhile (the slot reset by a new source, or a newer run) is left alone: its late events and outcome are
 * dropped. Returns the final state this run wrote, or undefined when it was replaced.
 */
export async function runJob<R>(slot: Slot<JobState<R>>, start: (onProgress: (event: ProgressEvent) => void) => StartedJob<R>): Promise<JobState<R> | undefined> {
  const runId = ++nextRunId;
  const mine = (): Extract<JobState<R>, { status: 'running' }> | undefined => {
    const s = slot.read();
    return s.status === 'running' && s.runId === runId ? s : undefined;
  };
  const onProgress = (event: ProgressEvent): void => {
    const s = mine();
    if (s) slot.write({ ...s, progress: applyProgress(s.progress, event), items: applyItem(s.items, event) });
  };
  const job = start(onProgress);
  slot.write({ status: 'running', runId, progress: idleProgress(), items: [], cancelling: false, cancel: () => void job.cancel().catch(() => undefined) });
  let final: JobState<R>;
  try {
    const result = await job.result;
    const s = mine();
    if (!s) return undefined;
    final = { status: 'done', result, items: s.items };
  } catch (error) {
    const s = mine();
    if (!s) return undefined;
    const e = toSerializedError(error);
    final = { status: 'failed', error: e, cancelled: e.code === 'cancelled', items: stopRunning(s.items) };
  }
  slot.write(final);
  return final;
}

/** Asks a running job to stop (once); its slot shows "cancelling" until the host answers. */
export function cancelJob<R>(slot: Slot<JobState<R>>): void {
  const s = slot.read();
  if (s.status !== 'running' || s.cancelling) return;
  slot.write({ ...s, cancelling: true });
  s.cancel();
}

/**
 * Runs a plain call into its slot: running, then done or failed; a call replaced meanwhile (the slot reset, or a newer
 * call) is dropped. Returns the final state this call wrote, or undefined when it was replaced.
 */
export async function runCall<T>(slot: Slot<CallState<T>>, call: () => Promise<T>): Promise<CallState<T> | undefined> {
  const runId = ++nextRunId;
  slot.write({ status: 'running', runId });
  let final: CallState<T>;
  try {
    final = { status: 'done', result: await call() };
  } catch (error) {
    final = { status: 'failed', error: toSerializedError(error) };
  }
  const s = slot.read();
  if (s.status !== 'running' || s.runId !== runId) return undefined;
  slot.write(final);
  return final;
}

/** A slot over one key of a zustand store, typed by that key. */
export function slotOf<S, K extends keyof S>(get: () => S, set: (partial: Pick<S, K>) => void, key: K): Slot<S[K]> {
  return { read: () => get()[key], write: (state) => set({ [key]: state } as Pick<S, K>) };
}
