import type { CreateBundleSummary } from '../../../shared/api-contract.js';
import { cancelJob, runJob, slotOf, type JobState } from '../job.js';
import type { PrepareContext } from './context.js';
import type { PrepareProblem, SplitMode } from './prepare-state.js';
import { preflight } from './preflight.js';

/** The build's options, the problems found before it, and the build itself. */
export interface BuildSlice {
  outputDir: string;
  splitMode: SplitMode;
  customSize: string;
  /** The media size typed for the "fit the chosen media" split (else the picked drives decide). */
  fitSize: string;
  /** The list and options came back from the last session. */
  restored: boolean;
  parity: string;
  signKey: string;
  force: boolean;
  /** Everything that stopped the last Build press, each on its row or field; kept current until none is left. */
  problems: PrepareProblem[];
  build: JobState<CreateBundleSummary>;
  setOutputDir(dir: string): void;
  setSplitMode(mode: SplitMode): void;
  setCustomSize(size: string): void;
  setFitSize(size: string): void;
  setParity(parity: string): void;
  setSignKey(path: string): void;
  setForce(force: boolean): void;
  /** Checks everything first (every problem listed, nothing sent when there is one), then builds. */
  startBuild(): Promise<void>;
  cancelBuild(): void;
}

/** Makes the build slice; `settle` waits for the platform check still to come, so the checks see every row's platforms. */
export function createBuildSlice(ctx: PrepareContext, settle: () => Promise<void>): BuildSlice {
  const { api, get, set } = ctx;
  const slot = slotOf(get, set, 'build');
  return {
    outputDir: '',
    splitMode: 'none',
    customSize: '',
    fitSize: '',
    restored: false,
    parity: '',
    signKey: '',
    force: false,
    problems: [],
    build: { status: 'idle' },
    setOutputDir: (outputDir) => set({ outputDir }),
    setSplitMode: (splitMode) => set({ splitMode }),
    setCustomSize: (customSize) => set({ customSize }),
    setFitSize: (fitSize) => set({ fitSize }),
    setParity: (parity) => set({ parity }),
    setSignKey: (signKey) => set({ signKey }),
    setForce: (force) => set({ force }),
    async startBuild() {
      if (get().build.status === 'running') return;
      get().commitList();
      await settle();
      const { problems, input } = preflight(get());
      set({ problems });
      if (!input) return;
      // a new build replaces the last one: its rows, and what was planned for its media
      const final = await runJob(slot, (onProgress) => api.startJob('bundle.create', input, onProgress));
      if (final?.status === 'done') set({ plan: undefined, mediaWrite: { status: 'idle' } });
    },
    cancelBuild: () => cancelJob(slot),
  };
}
