import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApproveResult, BundleArtifactsResult, BundleCopiesResult, BundleInspectResult, BundleSignaturesResult, ReportResult, SignResult } from '../../shared/api-contract.js';
import type { DiffReport } from '../../shared/diff-report.js';
import type { VerifyReport } from '../../shared/verify-report.js';
import type { ApiClient } from '../api/api-client.js';
import { cancelJob, runCall, runJob, slotOf, type CallState, type JobState } from './job.js';

/** The Review wizard's state; every change goes through an action below. */
export interface ReviewState {
  /** The bundle folder (or its `bundle.json`, or a volume) as typed. */
  path: string;
  /** The open bundle, as the host read it. */
  bundle: CallState<BundleInspectResult>;
  /** Its signatures and approvals, read on open and after every signing; checked against the trusted keys. */
  signatures: CallState<BundleSignaturesResult>;
  /** Other mounted volumes holding the same bundle: copies written to media before. */
  copies: CallState<BundleCopiesResult>;
  /** Sign and approve every copy of the bundle (this folder and the copies on media with the same bundle.json). */
  allCopies: boolean;
  verify: JobState<VerifyReport>;
  /** Trusted public keys (`.pub`), one path a line: signatures and approvals are checked against them. */
  trustedKeys: string;
  requireApproval: boolean;
  /** A YAML policy file to check the bundle against. */
  policyPath: string;
  /** Cosign public keys (PEM), one path a line: each carried image's cosign signature is checked. */
  cosignKeys: string;
  /** The carried SBOMs and attestations (and cosign verdicts with keys), read when the bundle opens. */
  artifacts: CallState<BundleArtifactsResult>;
  /** The preparer's private key (`.key`), to sign an unsigned bundle as preparer. */
  signKey: string;
  signing: CallState<SignResult>;
  /** The private key (`.key`) to approve with. */
  approveKey: string;
  approval: CallState<ApproveResult>;
  /** Where the HTML report goes. */
  reportPath: string;
  report: CallState<ReportResult>;
  /** "What changed": an older bundle folder (or its bundle.json) or an inventory to compare the open bundle with. */
  diffPath: string;
  diff: CallState<DiffReport>;
  setPath(path: string): void;
  /** Opens the bundle at `path`: everything about the previous one is dropped, then its signatures and copies are read. */
  open(): Promise<void>;
  /** Reads the open bundle's signatures again, against the trusted keys as they are now. */
  checkSignatures(): Promise<void>;
  /** Looks for copies of the open bundle on the mounted volumes. */
  findCopies(): Promise<void>;
  setAllCopies(on: boolean): void;
  verifyBundle(): Promise<void>;
  cancelVerify(): void;
  setTrustedKeys(text: string): void;
  setRequireApproval(on: boolean): void;
  setPolicyPath(path: string): void;
  setCosignKeys(text: string): void;
  loadArtifacts(): Promise<void>;
  setSignKey(path: string): void;
  /** Signs the open bundle (and every copy, when chosen) as preparer. */
  signAsPreparer(): Promise<void>;
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

/** The open bundle, when one is. */
export function openBundle(state: Pick<ReviewState, 'bundle'>): BundleInspectResult | undefined {
  return state.bundle.status === 'done' ? state.bundle.result : undefined;
}

/** The copies on media holding the very same bundle.json (those can be signed and approved together). */
export function sameCopies(state: Pick<ReviewState, 'copies'>): string[] {
  return state.copies.status === 'done' ? state.copies.result.copies.filter((c) => c.sameBundleJson).map((c) => c.dir) : [];
}

/** The folders signing and approving write to: the open folder, and its copies on media when "every copy" is chosen. */
export function signingTargets(state: Pick<ReviewState, 'bundle' | 'path' | 'copies' | 'allCopies'>): string[] {
  const folder = bundleFolderOf(openBundle(state), state.path.trim());
  return state.allCopies ? [folder, ...sameCopies(state)] : [folder];
}

/** The signatures are read and no valid preparer signature is among them: an approval would be refused. */
export function needsPreparer(state: Pick<ReviewState, 'signatures'>): boolean {
  return state.signatures.status === 'done' && !state.signatures.result.signatures.some((s) => s.valid && s.role === 'preparer');
}

/** A bad-usage error the wizard explains itself, without a call. */
function explain(message: string): CallState<never> {
  return { status: 'failed', error: { code: 'bad-usage', message } };
}

/** Makes the Review wizard's store on an API client. */
export function createReviewStore(api: ApiClient): StoreApi<ReviewState> {
  return createStore<ReviewState>()((set, get) => {
    const slots = {
      bundle: slotOf(get, set, 'bundle'),
      signatures: slotOf(get, set, 'signatures'),
      copies: slotOf(get, set, 'copies'),
      verify: slotOf(get, set, 'verify'),
      artifacts: slotOf(get, set, 'artifacts'),
      signing: slotOf(get, set, 'signing'),
      approval: slotOf(get, set, 'approval'),
      report: slotOf(get, set, 'report'),
      diff: slotOf(get, set, 'diff'),
    };
    const folder = (): string => bundleFolderOf(openBundle(get()), get().path.trim());
    /** What Verify and the report check beyond integrity, as the fields say now. */
    const checksInput = () => {
      const { trustedKeys, requireApproval, policyPath, cosignKeys } = get();
      const trusted = pathLines(trustedKeys);
      const cosign = pathLines(cosignKeys);
      return {
        ...(trusted.length > 0 ? { trustedKeys: trusted } : {}),
        ...(requireApproval ? { requireApproval: true } : {}),
        ...(policyPath.trim() !== '' ? { policy: policyPath.trim() } : {}),
        ...(cosign.length > 0 ? { cosignKeys: cosign } : {}),
      };
    };
    /** A check setting changed: a verdict (and a report) judged under the old ones no longer stands. */
    const checksChanged = (): void => {
      if (get().verify.status === 'running') cancelJob(slots.verify);
      set({ verify: { status: 'idle' }, report: { status: 'idle' } });
    };
    return {
      path: '',
      bundle: { status: 'idle' },
      signatures: { status: 'idle' },
      copies: { status: 'idle' },
      allCopies: true,
      verify: { status: 'idle' },
      trustedKeys: '',
      requireApproval: false,
      policyPath: '',
      cosignKeys: '',
      artifacts: { status: 'idle' },
      signKey: '',
      signing: { status: 'idle' },
      approveKey: '',
      approval: { status: 'idle' },
      reportPath: '',
      report: { status: 'idle' },
      diffPath: '',
      diff: { status: 'idle' },
      setPath: (path) => set({ path }),
      async open() {
        const dir = get().path.trim();
        if (get().verify.status === 'running') cancelJob(slots.verify);
        // a new bundle: nothing of the previous one stays (a late answer about it is dropped by the job helper)
        set({
          bundle: { status: 'idle' },
          signatures: { status: 'idle' },
          copies: { status: 'idle' },
          verify: { status: 'idle' },
          artifacts: { status: 'idle' },
          signing: { status: 'idle' },
          approval: { status: 'idle' },
          report: { status: 'idle' },
          diff: { status: 'idle' },
        });
        if (dir === '') {
          set({ bundle: explain('Type the path of a bundle folder (the folder holding bundle.json).') });
          return;
        }
        const opened = await runCall(slots.bundle, () => api.call('bundle.inspect', { dir }));
        if (opened?.status !== 'done') return;
        await Promise.all([get().checkSignatures(), get().findCopies(), get().loadArtifacts()]);
      },
      async checkSignatures() {
        if (!openBundle(get())) return;
        const trusted = pathLines(get().trustedKeys);
        await runCall(slots.signatures, () => api.call('bundle.signatures', { dirs: [folder()], ...(trusted.length > 0 ? { trustedKeys: trusted } : {}) }));
      },
      async findCopies() {
        if (!openBundle(get())) return;
        await runCall(slots.copies, () => api.call('bundle.copies', { dir: folder() }));
      },
      setAllCopies: (allCopies) => set({ allCopies }),
      setDiffPath: (diffPath) => set({ diffPath }),
      async compare() {
        const old = get().diffPath.trim();
        if (!openBundle(get()) || get().diff.status === 'running') return;
        if (old === '') {
          set({ diff: explain('Type the path of an older bundle folder (or its bundle.json) or of an inventory of the offline side.') });
          return;
        }
        await runCall(slots.diff, () => api.call('bundle.diff', { old, new: folder() }));
      },
      setTrustedKeys(trustedKeys) {
        set({ trustedKeys });
        checksChanged();
        // the signatures panel says "trusted" only against the keys as they are now
        void get().checkSignatures();
      },
      setRequireApproval(requireApproval) {
        set({ requireApproval });
        checksChanged();
      },
      setPolicyPath(policyPath) {
        set({ policyPath });
        checksChanged();
      },
      setCosignKeys(cosignKeys) {
        set({ cosignKeys });
        checksChanged();
      },
      setSignKey: (signKey) => set({ signKey, signing: { status: 'idle' } }),
      setApproveKey: (approveKey) => set({ approveKey, approval: { status: 'idle' } }),
      setReportPath: (reportPath) => set({ reportPath, report: { status: 'idle' } }),
      async loadArtifacts() {
        if (!openBundle(get())) return;
        const keys = pathLines(get().cosignKeys);
        await runCall(slots.artifacts, () => api.call('bundle.artifacts', { dir: folder(), ...(keys.length > 0 ? { cosignKeys: keys } : {}) }));
      },
      async signAsPreparer() {
        const keyFile = get().signKey.trim();
        if (!openBundle(get()) || get().signing.status === 'running') return;
        if (keyFile === '') {
          set({ signing: explain("Type the path of the preparer's private key (.key) to sign with.") });
          return;
        }
        const signed = await runCall(slots.signing, () => api.call('bundle.sign', { dirs: signingTargets(get()), keyFile }));
        if (signed?.status !== 'done') return;
        // the refusal that asked for a preparer no longer stands; a verdict from before the signature is stale
        set({ approval: { status: 'idle' }, verify: { status: 'idle' }, report: { status: 'idle' } });
        await get().checkSignatures();
      },
      async approve() {
        const keyFile = get().approveKey.trim();
        if (!openBundle(get()) || get().approval.status === 'running') return;
        if (keyFile === '') {
          set({ approval: explain('Type the path of your private key file (.key) to approve with.') });
          return;
        }
        const targets = signingTargets(get());
        const approved = await runCall(slots.approval, () => api.call('bundle.approve', targets.length === 1 ? { dir: targets[0]!, keyFile } : { dirs: targets, keyFile }));
        if (approved?.status !== 'done') return;
        set({ verify: { status: 'idle' }, report: { status: 'idle' } });
        await get().checkSignatures();
      },
      async exportReport() {
        const outFile = get().reportPath.trim();
        if (!openBundle(get()) || get().report.status === 'running') return;
        if (outFile === '') {
          set({ report: explain('Type where the report goes (a path ending in .html).') });
          return;
        }
        await runCall(slots.report, () => api.call('bundle.report', { dir: folder(), outFile, ...checksInput() }));
      },
      async verifyBundle() {
        const dir = folder();
        if (get().verify.status === 'running' || dir === '') return;
        await runJob(slots.verify, (onProgress) => api.startJob('bundle.verify', { dirs: [dir], ...checksInput() }, onProgress));
      },
      cancelVerify: () => cancelJob(slots.verify),
    };
  });
}
