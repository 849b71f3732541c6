import { MAX_HAVE, type DeltaPlanResult } from '../../../shared/api-contract.js';
import type { SerializedError } from '../../../shared/errors.js';
import { toSerializedError } from '../../api/api-call-error.js';
import { runCall, slotOf, type CallState } from '../job.js';
import { debounce, type PrepareContext } from './context.js';
import type { HeldSource, PrepareState } from './prepare-state.js';
import { platformsFor } from './platforms-slice.js';
import { wordsOf } from './words.js';

/** "Only carry what the offline side lacks": the holdings and what a delta against them would carry. */
export interface DeltaSlice {
  /** What the offline side holds (inventories, old bundle folders): the bundle carries only what it lacks. */
  have: HeldSource[];
  /** The inventory or old bundle folder being typed. */
  haveText: string;
  haveError?: SerializedError;
  /** An inventory or old bundle is being read by the host. */
  checkingHave: boolean;
  /** A public key file (`.pub`) every inventory and old bundle must be signed by (empty: no signature required). */
  haveKey: string;
  /** Per image, the bytes the offline side lacks (with `have`), asked of the host whenever the rows, platforms or holdings change. */
  deltaPlan: CallState<DeltaPlanResult>;
  /** The last plan the host answered (shown while a new one runs). */
  lastDeltaPlan?: DeltaPlanResult;
  setHaveText(text: string): void;
  /** Reads the typed inventory or old bundle folder with the host and adds it; false (and `haveError`) when refused. */
  addHave(): Promise<boolean>;
  removeHave(path: string): void;
  setHaveKey(path: string): void;
  /** Asks the host what a delta against `have` would carry for each resolved image (also run on its own after changes). */
  planDelta(): Promise<void>;
}

/** The latest delta plan known (while a new one runs, the one before). */
export function deltaPlanOf(state: Pick<PrepareState, 'deltaPlan' | 'lastDeltaPlan'>): DeltaPlanResult | undefined {
  return state.deltaPlan.status === 'done' ? state.deltaPlan.result : state.deltaPlan.status === 'running' ? state.lastDeltaPlan : undefined;
}

/** Makes the holdings slice, and the debounced plan (dropped while rows still resolve: a plan resolves every image again). */
export function createDeltaSlice(ctx: PrepareContext): { slice: DeltaSlice; schedule: () => void } {
  const { api, get, set } = ctx;
  const slot = slotOf(get, set, 'deltaPlan');
  const later = debounce(ctx.clock, 300, () => {
    const { references, resolutions } = get();
    if (references.some((r) => resolutions[r]?.status === 'pending' || resolutions[r]?.status === 'resolving')) return;
    void get().planDelta();
  });
  const schedule = (): void => {
    if (get().have.length === 0) {
      later.cancel();
      if (get().deltaPlan.status !== 'idle') set({ deltaPlan: { status: 'idle' } });
      return;
    }
    later();
  };

  const slice: DeltaSlice = {
    have: [],
    haveText: '',
    checkingHave: false,
    haveKey: '',
    deltaPlan: { status: 'idle' },
    setHaveText: (haveText) => set({ haveText, haveError: undefined }),
    async addHave() {
      const path = get().haveText.trim();
      const refuse = (message: string): false => {
        set({ haveError: { code: 'bad-usage', message } });
        return false;
      };
      if (path === '') return refuse('Type the path of an inventory file (made on the offline side, or saved by an import) or of a bundle folder already carried across.');
      if (get().have.some((h) => h.path === path)) return refuse(`${path} is already in the list.`);
      if (get().have.length >= MAX_HAVE) return refuse(`At most ${MAX_HAVE} inventories and old bundles: remove some first.`);
      const key = get().haveKey.trim();
      set({ checkingHave: true, haveError: undefined });
      try {
        // the host reads it as the hostile input it is (schema, sizes, signature with a key) without planning anything
        const { bases } = await api.call('bundle.planDelta', { have: [path], ...(key !== '' ? { trustedKeys: [key] } : {}) });
        const base = bases[0];
        set({ checkingHave: false });
        if (!base) return refuse(`${path} holds nothing Ferry can read as an inventory or a bundle.`);
        const same = get().have.find((h) => h.sha256 !== undefined && h.sha256 === base.sha256);
        if (same) return refuse(`${path} is the same ${base.kind} as ${same.path}.`);
        set({ have: [...get().have, { ...base, path }], haveText: '' });
        schedule();
        return true;
      } catch (error) {
        set({ checkingHave: false, haveError: toSerializedError(error) });
        return false;
      }
    },
    removeHave(path) {
      set({ have: get().have.filter((h) => h.path !== path) });
      schedule();
    },
    setHaveKey(haveKey) {
      set({ haveKey });
      schedule();
    },
    async planDelta() {
      const s = get();
      const images = s.references
        .filter((r) => s.resolutions[r]?.status === 'ok')
        .map((reference) => {
          const platforms = platformsFor(s, reference);
          return { reference, ...(platforms.length > 0 ? { platforms } : {}) };
        });
      if (s.have.length === 0 || images.length === 0) {
        set({ deltaPlan: { status: 'idle' } });
        return;
      }
      const key = s.haveKey.trim();
      const hosts = wordsOf(s.insecureText);
      const last = deltaPlanOf(s);
      if (last) set({ lastDeltaPlan: last });
      const final = await runCall(slot, () =>
        api.call('bundle.planDelta', {
          have: s.have.map((h) => h.path),
          ...(key !== '' ? { trustedKeys: [key] } : {}),
          images,
          ...(s.includeForeignLayers ? { includeForeignLayers: true } : {}),
          ...(hosts.length > 0 ? { insecureRegistries: hosts } : {}),
        }),
      );
      if (final?.status === 'done') set({ lastDeltaPlan: final.result });
    },
  };
  return { slice, schedule };
}
