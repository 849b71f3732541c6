import type { MediaPlanResult, MediaVolume, MediaWriteSummary } from '../../../shared/api-contract.js';
import type { SerializedError } from '../../../shared/errors.js';
import { parseByteCount } from '../../../shared/size.js';
import { toSerializedError } from '../../api/api-call-error.js';
import { cancelJob, runJob, slotOf, type JobState } from '../job.js';
import type { PrepareContext } from './context.js';

/** Writing the finished bundle to media: drives, the volume plan, write and read back. */
export interface MediaSlice {
  volumes?: MediaVolume[];
  allVolumes: boolean;
  listingVolumes: boolean;
  mediaError?: SerializedError;
  targets: string[];
  extraTargets: string;
  capacity: string;
  planning: boolean;
  plan?: MediaPlanResult;
  mediaWrite: JobState<MediaWriteSummary>;
  listVolumes(all?: boolean): Promise<void>;
  toggleTarget(path: string): void;
  setExtraTargets(text: string): void;
  setCapacity(text: string): void;
  planMedia(): Promise<void>;
  writeMedia(): Promise<void>;
  cancelMediaWrite(): void;
}

/** Makes the media slice. */
export function createMediaSlice(ctx: PrepareContext): MediaSlice {
  const { api, get, set } = ctx;
  const slot = slotOf(get, set, 'mediaWrite');
  return {
    allVolumes: false,
    listingVolumes: false,
    targets: [],
    extraTargets: '',
    capacity: '',
    planning: false,
    mediaWrite: { status: 'idle' },
    async listVolumes(all) {
      const wantAll = all ?? get().allVolumes;
      set({ listingVolumes: true, allVolumes: wantAll, mediaError: undefined });
      try {
        const volumes = await api.call('media.list', { all: wantAll });
        set({ volumes, listingVolumes: false });
      } catch (error) {
        set({ mediaError: toSerializedError(error), listingVolumes: false });
      }
    },
    toggleTarget(path) {
      const t = get().targets;
      set({ targets: t.includes(path) ? t.filter((p) => p !== path) : [...t, path], plan: undefined, mediaError: undefined });
    },
    setExtraTargets: (extraTargets) => set({ extraTargets, plan: undefined, mediaError: undefined }),
    setCapacity: (capacity) => set({ capacity, plan: undefined, mediaError: undefined }),
    async planMedia() {
      const s = get();
      if (s.build.status !== 'done') return;
      const targets = [...s.targets, ...s.extraTargets.split(/\r?\n/).map((t) => t.trim()).filter((t) => t !== '')];
      if (targets.length === 0) {
        set({ mediaError: { code: 'bad-usage', message: 'Pick at least one drive above, or type a folder on one (one per line).' } });
        return;
      }
      let capacity: number | undefined;
      if (s.capacity.trim() !== '') {
        capacity = parseByteCount(s.capacity);
        if (capacity === undefined || capacity <= 0) {
          set({ mediaError: { code: 'bad-usage', message: 'Type the space to use per drive like 32GB or 8MiB, or leave it empty to use the free space.' } });
          return;
        }
      }
      set({ planning: true, mediaError: undefined, plan: undefined, mediaWrite: { status: 'idle' } });
      try {
        const plan = await api.call('media.plan', { dir: s.build.result.dir, targets, ...(capacity !== undefined ? { capacity } : {}) });
        set({ plan, planning: false });
      } catch (error) {
        set({ mediaError: toSerializedError(error), planning: false });
      }
    },
    async writeMedia() {
      const s = get();
      if (s.build.status !== 'done' || !s.plan?.ok || s.mediaWrite.status === 'running') return;
      const targets = s.plan.volumes.map((v) => v.path);
      const capacity = s.capacity.trim() === '' ? undefined : parseByteCount(s.capacity);
      const dir = s.build.result.dir;
      await runJob(slot, (onProgress) => api.startJob('media.write', { dir, targets, ...(capacity !== undefined && capacity > 0 ? { capacity } : {}) }, onProgress));
    },
    cancelMediaWrite: () => cancelJob(slot),
  };
}
