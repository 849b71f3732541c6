import { createStore, type StoreApi } from 'zustand/vanilla';
import type { BundleInspectResult } from '../../shared/api-contract.js';
import type { SerializedError } from '../../shared/errors.js';
import type { Phase, ProgressEvent } from '../../shared/progress.js';
import type { VerifyReport } from '../../shared/verify-report.js';
import type { ApiClient } from '../api/api-client.js';
import { toSerializedError } from '../api/api-call-error.js';

/** Where a job's progress stands, as the progress bar shows it. */
export interface JobProgress {
  phase?: Phase;
  done: number;
  total: number;
  rate: number;
  etaSeconds: number | null;
  item?: string;
}

/** The verification of the open bundle. */
export type VerifyState =
  | { status: 'idle' }
  | { status: 'running'; progress: JobProgress; cancel: () => void }
  | { status: 'done'; report: VerifyReport }
  | { status: 'failed'; error: SerializedError };

/** The Review wizard's state; every change goes through an action below. */
export interface ReviewState {
  path: string;
  opening: boolean;
  inspection?: BundleInspectResult;
  openError?: SerializedError;
  verify: VerifyState;
  setPath(path: string): void;
  open(): Promise<void>;
  verifyBundle(): Promise<void>;
  cancelVerify(): void;
}

/** Folds one progress event into the progress shown. */
export function applyProgress(progress: JobProgress, event: ProgressEvent): JobProgress {
  switch (event.kind) {
    case 'phase-start':
      return { ...progress, phase: event.phase, done: 0, total: event.totalBytes ?? progress.total, rate: 0, etaSeconds: null };
    case 'bytes':
      return { ...progress, phase: event.phase, done: event.done, total: event.total, rate: event.rate, etaSeconds: event.etaSeconds };
    case 'item-start':
      return { ...progress, item: event.item };
    default:
      return progress;
  }
}

/** Makes the Review wizard's store on an API client. */
export function createReviewStore(api: ApiClient): StoreApi<ReviewState> {
  return createStore<ReviewState>()((set, get) => ({
    path: '',
    opening: false,
    verify: { status: 'idle' },
    setPath: (path) => set({ path }),
    async open() {
      const dir = get().path.trim();
      if (dir === '') {
        set({ openError: { code: 'bad-usage', message: 'Type the path of a bundle folder (the folder holding bundle.json).' } });
        return;
      }
      set({ opening: true, openError: undefined, inspection: undefined, verify: { status: 'idle' } });
      try {
        const inspection = await api.call('bundle.inspect', { dir });
        set({ inspection, opening: false });
      } catch (error) {
        set({ openError: toSerializedError(error), opening: false });
      }
    },
    async verifyBundle() {
      const dir = get().path.trim();
      if (get().verify.status === 'running' || dir === '') return;
      const job = api.startJob('bundle.verify', { dirs: [dir] }, (event) => {
        const state = get().verify;
        if (state.status === 'running') set({ verify: { ...state, progress: applyProgress(state.progress, event) } });
      });
      set({ verify: { status: 'running', progress: { done: 0, total: 0, rate: 0, etaSeconds: null }, cancel: () => void job.cancel().catch(() => undefined) } });
      try {
        const report = await job.result;
        set({ verify: { status: 'done', report } });
      } catch (error) {
        set({ verify: { status: 'failed', error: toSerializedError(error) } });
      }
    },
    cancelVerify() {
      const state = get().verify;
      if (state.status === 'running') state.cancel();
    },
  }));
}
