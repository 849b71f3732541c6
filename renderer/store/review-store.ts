import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApproveResult, BundleArtifactsResult, BundleInspectResult } from '../../shared/api-contract.js';
import type { DiffReport } from '../../shared/diff-report.js';
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

/** A plain call's state: not run, running, its result, or its error. */
export type CallState<T> = { status: 'idle' } | { status: 'running' } | { status: 'done'; result: T } | { status: 'failed'; error: SerializedError };

/** The Review wizard's state; every change goes through an action below. */
export interface ReviewState {
  path: string;
  opening: boolean;
  inspection?: BundleInspectResult;
  openError?: SerializedError;
  verify: VerifyState;
  /** Trusted public keys (`.pub`), one path a line: signatures and approvals are checked against them. */
  trustedKeys: string;
  requireApproval: boolean;
  /** A YAML policy file to check the bundle against. */
  policyPath: string;
  /** Cosign public keys (PEM), one path a line: each carried image's cosign signature is checked. */
  cosignKeys: string;
  /** The carried SBOMs and attestations (and cosign verdicts with keys), read when the bundle opens. */
  artifacts: CallState<BundleArtifactsResult>;
  /** The private key (`.key`) to approve with. */
  approveKey: string;
  approval: CallState<ApproveResult>;
  /** Where the HTML report goes. */
  reportPath: string;
  report: CallState<{ path: string }>;
  /** "What changed": an older bundle folder (or its bundle.json) or an inventory to compare the open bundle with. */
  diffPath: string;
  diff: CallState<DiffReport>;
  setPath(path: string): void;
  open(): Promise<void>;
  verifyBundle(): Promise<void>;
  cancelVerify(): void;
  setTrustedKeys(text: string): void;
  setRequireApproval(on: boolean): void;
  setPolicyPath(path: string): void;
  setCosignKeys(text: string): void;
  loadArtifacts(): Promise<void>;
  setApproveKey(path: string): void;
  approve(): Promise<void>;
  setReportPath(path: string): void;
  exportReport(): Promise<void>;
  setDiffPath(path: string): void;
  /** Asks the host what the open bundle brings against `diffPath` (`ferry diff OLD NEW`). */
  compare(): Promise<void>;
}

/** The paths of a one-path-a-line field. */
export function pathLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** The bundle's folder as the host named it (the wizard also opens a `bundle.json` itself). */
export function bundleFolderOf(inspection: BundleInspectResult | undefined, typed: string): string {
  return inspection ? inspection.path.replace(/[\\/]bundle\.json$/, '') || '/' : typed;
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
    trustedKeys: '',
    requireApproval: false,
    policyPath: '',
    cosignKeys: '',
    artifacts: { status: 'idle' },
    approveKey: '',
    approval: { status: 'idle' },
    reportPath: '',
    report: { status: 'idle' },
    diffPath: '',
    diff: { status: 'idle' },
    setPath: (path) => set({ path }),
    setDiffPath: (diffPath) => set({ diffPath }),
    async compare() {
      const { inspection, path, diffPath } = get();
      const old = diffPath.trim();
      if (!inspection || get().diff.status === 'running') return;
      if (old === '') {
        set({ diff: { status: 'failed', error: { code: 'bad-usage', message: 'Type the path of an older bundle folder (or its bundle.json) or of an inventory of the offline side.' } } });
        return;
      }
      set({ diff: { status: 'running' } });
      try {
        const result = await api.call('bundle.diff', { old, new: bundleFolderOf(inspection, path) });
        if (get().inspection === inspection) set({ diff: { status: 'done', result } });
      } catch (error) {
        if (get().inspection === inspection) set({ diff: { status: 'failed', error: toSerializedError(error) } });
      }
    },
    setTrustedKeys: (trustedKeys) => set({ trustedKeys }),
    setRequireApproval: (requireApproval) => set({ requireApproval }),
    setPolicyPath: (policyPath) => set({ policyPath }),
    setCosignKeys: (cosignKeys) => set({ cosignKeys }),
    setApproveKey: (approveKey) => set({ approveKey, approval: { status: 'idle' } }),
    setReportPath: (reportPath) => set({ reportPath, report: { status: 'idle' } }),
    async loadArtifacts() {
      const { inspection, path, cosignKeys } = get();
      if (!inspection) return;
      const keys = pathLines(cosignKeys);
      set({ artifacts: { status: 'running' } });
      try {
        const result = await api.call('bundle.artifacts', { dir: bundleFolderOf(inspection, path), ...(keys.length > 0 ? { cosignKeys: keys } : {}) });
        if (get().inspection === inspection) set({ artifacts: { status: 'done', result } });
      } catch (error) {
        if (get().inspection === inspection) set({ artifacts: { status: 'failed', error: toSerializedError(error) } });
      }
    },
    async approve() {
      const { inspection, path, approveKey } = get();
      const keyFile = approveKey.trim();
      if (!inspection || get().approval.status === 'running') return;
      if (keyFile === '') {
        set({ approval: { status: 'failed', error: { code: 'bad-usage', message: 'Type the path of your private key (.key) to approve with; make one with ferry keygen.' } } });
        return;
      }
      set({ approval: { status: 'running' } });
      try {
        const result = await api.call('bundle.approve', { dir: bundleFolderOf(inspection, path), keyFile });
        set({ approval: { status: 'done', result } });
      } catch (error) {
        set({ approval: { status: 'failed', error: toSerializedError(error) } });
      }
    },
    async exportReport() {
      const { inspection, path, reportPath, trustedKeys, requireApproval, policyPath, cosignKeys } = get();
      const outFile = reportPath.trim();
      if (!inspection || get().report.status === 'running') return;
      if (outFile === '') {
        set({ report: { status: 'failed', error: { code: 'bad-usage', message: 'Type where the report goes (a path ending in .html).' } } });
        return;
      }
      const trusted = pathLines(trustedKeys);
      const cosign = pathLines(cosignKeys);
      set({ report: { status: 'running' } });
      try {
        const result = await api.call('bundle.report', {
          dir: bundleFolderOf(inspection, path),
          outFile,
          ...(trusted.length > 0 ? { trustedKeys: trusted } : {}),
          ...(requireApproval ? { requireApproval: true } : {}),
          ...(policyPath.trim() !== '' ? { policy: policyPath.trim() } : {}),
          ...(cosign.length > 0 ? { cosignKeys: cosign } : {}),
        });
        set({ report: { status: 'done', result } });
      } catch (error) {
        set({ report: { status: 'failed', error: toSerializedError(error) } });
      }
    },
    async open() {
      const dir = get().path.trim();
      if (dir === '') {
        set({ openError: { code: 'bad-usage', message: 'Type the path of a bundle folder (the folder holding bundle.json).' } });
        return;
      }
      set({ opening: true, openError: undefined, inspection: undefined, verify: { status: 'idle' }, artifacts: { status: 'idle' }, approval: { status: 'idle' }, report: { status: 'idle' }, diff: { status: 'idle' } });
      try {
        const inspection = await api.call('bundle.inspect', { dir });
        set({ inspection, opening: false });
        void get().loadArtifacts();
      } catch (error) {
        set({ openError: toSerializedError(error), opening: false });
      }
    },
    async verifyBundle() {
      const { inspection, trustedKeys, requireApproval, policyPath, cosignKeys } = get();
      const dir = bundleFolderOf(inspection, get().path.trim());
      if (get().verify.status === 'running' || dir === '') return;
      const trusted = pathLines(trustedKeys);
      const cosign = pathLines(cosignKeys);
      const input = {
        dirs: [dir],
        ...(trusted.length > 0 ? { trustedKeys: trusted } : {}),
        ...(requireApproval ? { requireApproval: true } : {}),
        ...(policyPath.trim() !== '' ? { policy: policyPath.trim() } : {}),
        ...(cosign.length > 0 ? { cosignKeys: cosign } : {}),
      };
      const job = api.startJob('bundle.verify', input, (event) => {
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
