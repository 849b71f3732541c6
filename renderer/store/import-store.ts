import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiInput, BundleInspectResult, ImportSummary, MediaVolume, RepairSummary, SavedReport } from '../../shared/api-contract.js';
import type { SerializedError } from '../../shared/errors.js';
import type { VerifyReport } from '../../shared/verify-report.js';
import type { ApiClient } from '../api/api-client.js';
import { toSerializedError } from '../api/api-call-error.js';
import { cancelJob, runCall, runJob, slotOf, type CallState, type ItemRow, type JobState } from './job.js';

/** Where the bundle comes from: a typed folder, or detected removable volumes (several for a multi-volume set). */
export type SourceKind = 'folder' | 'media';

/** Where the bundle goes. */
export type TargetKind = 'registry' | 'folder' | 'containerd' | 'serve';

/** Which containerd: the socket of a k3s or k0s node, plain containerd, or a typed one. */
export type ContainerdPreset = 'k3s' | 'k0s' | 'containerd' | 'custom';

/** The usual socket of each kind of node. */
export const CONTAINERD_SOCKETS: Record<Exclude<ContainerdPreset, 'custom'>, string> = {
  k3s: '/run/k3s/containerd/containerd.sock',
  k0s: '/run/k0s/containerd.sock',
  containerd: '/run/containerd/containerd.sock',
};

/** The containerd target: a preset, and the socket address (typed when the preset is `custom`). */
export interface ContainerdForm {
  preset: ContainerdPreset;
  address: string;
}

/** The serve job: starting, then serving at a URL until stopped. */
export type ServeState =
  | { status: 'idle' }
  | { status: 'starting'; cancel: () => void }
  | { status: 'serving'; url: string; repositories: string[]; cancel: () => void }
  | { status: 'stopped'; url: string }
  | { status: 'failed'; error: SerializedError };

/** The registry target as typed. The password is held only until it is sent, then cleared. */
export interface RegistryForm {
  to: string;
  username: string;
  password: string;
  caFile: string;
  insecure: boolean;
  /** `--map` rules, one `SRC=DST` a line. */
  map: string;
}

/** The optional trust checks the verification (and the import) apply. */
export interface ChecksForm {
  /** Trusted public key files, one a line. */
  trustedKeys: string;
  requireApproval: boolean;
  policy: string;
  /** Cosign public key files: every image must carry a valid cosign signature by one (empty rows are ignored). */
  cosignKeys: string[];
}

/** An earlier bundle given to make a delta complete for a folder or containerd ("Base bundles"), as the host read it. */
export interface BaseBundle {
  path: string;
  bundleId?: string;
  created?: string;
  /** The delta names it among what it was made against. */
  named?: boolean;
}

/** The inventory file every import offers to save: the name the connected side loads (Prepare, ferry bundle --have). */
export const INVENTORY_FILE = 'inventory.json';

/** The report file `ferry import` writes (`import-report.json`): Save report's default name, beside the bundle. */
export const REPORT_FILE = 'import-report.json';

/** The folder holding a path (`/media/usb/bundle` → `/media/usb`), for POSIX and Windows paths; a root stays itself. */
export function parentFolder(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  if (trimmed === '' || /^[A-Za-z]:$/.test(trimmed)) return path;
  const cut = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  if (cut < 0) return '.';
  if (cut === 0) return trimmed[0]!;
  const parent = trimmed.slice(0, cut);
  return /^[A-Za-z]:$/.test(parent) ? `${parent}\\` : parent;
}

/** `folder` + `name` with the folder's own separator. */
function joinPath(folder: string, name: string): string {
  const sep = folder.includes('\\') && !folder.includes('/') ? '\\' : '/';
  return folder.endsWith('/') || folder.endsWith('\\') ? `${folder}${name}` : `${folder}${sep}${name}`;
}

/**
 * Where "Save inventory for the next transfer" writes by default: `inventory.json` beside the bundle folder, on the same
 * stick (`/media/usb/bundle` → `/media/usb/inventory.json`), so it travels back with the stick and outlives the bundle
 * folder (replaced by next week's bundle) without adding a file to a bundle that was verified and signed. When the
 * bundle sits at the root of a volume (a mount point: `/media/usb/bundle.json`), the parent would be off the stick, so
 * the file goes into that root, beside bundle.json.
 */
export function defaultInventoryPath(bundleFolder: string, mounts: readonly string[] = []): string {
  const folder = bundleFolder.replace(/[\\/]+$/, '') || bundleFolder;
  const isRoot = /^[A-Za-z]:\\?$/.test(bundleFolder) || folder === '' || mounts.some((m) => m.replace(/[\\/]+$/, '') === folder);
  return joinPath(isRoot ? bundleFolder : parentFolder(bundleFolder), INVENTORY_FILE);
}

/** The Import wizard's state; every change goes through an action below. */
export interface ImportState {
  sourceKind: SourceKind;
  /** The typed folders: one bundle folder, or every volume of a set (one field each). */
  folders: string[];
  volumes?: MediaVolume[];
  volumesLoading: boolean;
  volumesError?: SerializedError;
  /** Mount points chosen (every volume of the set). */
  chosenVolumes: string[];
  opening: boolean;
  inspection?: BundleInspectResult;
  openError?: SerializedError;
  /** The folders the bundle was opened from (the set verified and imported). */
  dirs: string[];
  checks: ChecksForm;
  verify: JobState<VerifyReport>;
  targetKind: TargetKind;
  registry: RegistryForm;
  /** A login was sent with the last import (the password itself is gone). */
  passwordSent: boolean;
  folder: string;
  containerd: ContainerdForm;
  /** Write the bundle's charts (`.tgz`) into this folder (empty: not written). */
  chartsTo: string;
  /** Write the bundle's plain files into this folder (empty: not written). */
  filesTo: string;
  port: string;
  /** "Save inventory for the next transfer": after a successful import, write or update `inventoryPath`. */
  saveInventory: boolean;
  inventoryPath: string;
  /** A delta's earlier bundles, for a folder or containerd target. */
  bases: BaseBundle[];
  baseText: string;
  baseError?: SerializedError;
  checkingBase: boolean;
  preview: JobState<ImportSummary>;
  run: JobState<ImportSummary>;
  serve: ServeState;
  /** Rebuild lost parts from parity (`ferry repair`): in place for one folder, into `repairTo` for the volumes of a set. */
  repair: JobState<RepairSummary>;
  repairTo: string;
  /** Save report: the last import's report written as `import-report.json` to `reportFile`. */
  reportFile: string;
  reportSave: CallState<SavedReport>;
  setSourceKind(kind: SourceKind): void;
  /** Sets the first folder (one bundle folder). */
  setPath(path: string): void;
  setFolderAt(index: number, path: string): void;
  addFolder(): void;
  removeFolder(index: number): void;
  loadVolumes(): Promise<void>;
  toggleVolume(mount: string): void;
  open(): Promise<void>;
  setChecks(patch: Partial<ChecksForm>): void;
  verifyBundle(): Promise<void>;
  cancelVerify(): void;
  setTargetKind(kind: TargetKind): void;
  setRegistry(patch: Partial<RegistryForm>): void;
  setFolder(folder: string): void;
  setContainerd(patch: Partial<ContainerdForm>): void;
  setOutputs(patch: Partial<Pick<ImportState, 'chartsTo' | 'filesTo'>>): void;
  addCosignKey(): void;
  setCosignKey(index: number, path: string): void;
  removeCosignKey(index: number): void;
  setPort(port: string): void;
  setSaveInventory(on: boolean): void;
  setInventoryPath(path: string): void;
  setBaseText(text: string): void;
  /** Reads the typed earlier bundle with the host and adds it to the base bundles; false (and `baseError`) when refused. */
  addBase(): Promise<boolean>;
  removeBase(path: string): void;
  previewMapping(): Promise<void>;
  runImport(): Promise<void>;
  cancelRun(): void;
  startServe(): Promise<void>;
  stopServe(): void;
  setRepairTo(path: string): void;
  /** Rebuilds what parity can; a whole bundle is then verified again (from `repairTo` when it was repaired there). */
  repairBundle(): Promise<void>;
  cancelRepair(): void;
  setReportFile(path: string): void;
  /** Writes the last import's report (kept by the host) to `reportFile`. */
  saveReport(): Promise<void>;
}

/** Why the bundle cannot go further yet, or undefined when it may be imported. */
export function blockedReason(state: Pick<ImportState, 'inspection' | 'verify' | 'dirs'>): string | undefined {
  if (!state.inspection || state.dirs.length === 0) return 'Open a bundle first.';
  const v = state.verify;
  if (v.status === 'idle') return 'Verify the bundle first: nothing is imported from a bundle that was not verified.';
  if (v.status === 'running') return 'Wait for the verification to finish.';
  if (v.status === 'failed') return `The verification did not finish (${v.error.message}); verify again.`;
  if (!v.result.ok) {
    if (!v.result.integrity.ok) {
      // a missing part not lost from an open volume: some volume of the set is not open
      const missing = v.result.integrity.faults.some((f) => f.kind === 'missing-file' && f.part !== undefined && f.holder?.dir === undefined);
      const rebuild = (v.result.integrity.repair?.rebuildable ?? 0) > 0;
      return `The bundle is damaged: ${missing ? 'open every volume of the set, or ' : ''}${rebuild ? 'rebuild the lost parts from parity (Repair, under the verdict)' : 'bring a good copy of the damaged parts'}, then verify again.`;
    }
    const unsigned = v.result.cosign && !v.result.cosign.ok ? v.result.cosign.images.filter((i) => i.verdict !== 'signed-by-key').map((i) => i.image) : [];
    if (v.result.cosign && !v.result.cosign.ok && (!v.result.trust || v.result.trust.ok) && (!v.result.policy || v.result.policy.ok)) {
      const names = unsigned.length > 0 ? unsigned.join(', ') : 'the images';
      return `Not signed by the given cosign keys: ${names}. Nothing can be imported: bring images signed by one of these keys, or remove the key from the trust checks and verify again.`;
    }
    return 'The bundle is not trusted (signatures, approval or policy): it cannot be imported.';
  }
  return undefined;
}

/** Marks the rows of parts (or files) the verdict found at fault. */
export function markFaults(items: ItemRow[], report: VerifyReport): ItemRow[] {
  return items.map((item) => {
    const fault = report.integrity.faults.find((f) => [f.part, f.file].some((n) => n !== undefined && (item.name === n || item.name === `${n} (${f.dir})`)));
    return fault ? { ...item, status: 'failed', detail: 'damaged (see the verdict)' } : item;
  });
}

const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');

/** The folders as typed: trimmed, empty ones left out, each once. */
const typedFolders = (folders: string[]): string[] => [...new Set(folders.map((f) => f.trim()).filter((f) => f !== ''))];

/** `folder` + `name` with the folder's own separator (for Save report's default path). */
function besideFolder(folder: string, name: string): string {
  return defaultInventoryPath(folder).replace(/inventory\.json$/, name);
}

/** Makes the Import wizard's store on an API client. */
export function createImportStore(api: ApiClient): StoreApi<ImportState> {
  return createStore<ImportState>()((set, get) => {
    const verifySlot = slotOf(get, set, 'verify');
    const previewSlot = slotOf(get, set, 'preview');
    const runSlot = slotOf(get, set, 'run');
    const repairSlot = slotOf(get, set, 'repair');
    const reportSlot = slotOf(get, set, 'reportSave');

    /** The target fields of a registry import (never the login). */
    const registryInput = (): Pick<ApiInput<'bundle.import'>, 'to' | 'map' | 'insecureRegistries' | 'caFiles'> => {
      const r = get().registry;
      const to = r.to.trim();
      const host = to.split('/')[0] ?? to;
      const map = lines(r.map);
      return { to, ...(map.length > 0 ? { map } : {}), ...(r.insecure ? { insecureRegistries: [host] } : {}), ...(r.caFile.trim() !== '' ? { caFiles: [r.caFile.trim()] } : {}) };
    };

    const checksInput = (): Pick<ApiInput<'bundle.verify'>, 'trustedKeys' | 'requireApproval' | 'policy' | 'cosignKeys'> => {
      const c = get().checks;
      const keys = lines(c.trustedKeys);
      const cosignKeys = c.cosignKeys.map((k) => k.trim()).filter((k) => k !== '');
      return {
        ...(keys.length > 0 ? { trustedKeys: keys } : {}),
        ...(c.requireApproval ? { requireApproval: true } : {}),
        ...(c.policy.trim() !== '' ? { policy: c.policy.trim() } : {}),
        ...(cosignKeys.length > 0 ? { cosignKeys } : {}),
      };
    };

    /** `chartsTo` / `filesTo` when typed and the bundle carries charts / files. */
    const outputsInput = (): Pick<ApiInput<'bundle.import'>, 'chartsTo' | 'filesTo'> => {
      const { chartsTo, filesTo, inspection } = get();
      const manifest = inspection?.manifest;
      return {
        ...(chartsTo.trim() !== '' && (manifest?.charts?.length ?? 0) > 0 ? { chartsTo: chartsTo.trim() } : {}),
        ...(filesTo.trim() !== '' && (manifest?.files?.length ?? 0) > 0 ? { filesTo: filesTo.trim() } : {}),
      };
    };

    /** "Save inventory" when ticked (never with serve), and a delta's base bundles for a folder or containerd. */
    const deltaInput = (target: 'registry' | 'place'): Pick<ApiInput<'bundle.import'>, 'inventory' | 'bases'> => {
      const { saveInventory, inventoryPath, bases, inspection } = get();
      const file = inventoryPath.trim();
      return {
        ...(saveInventory && file !== '' ? { inventory: file } : {}),
        ...(target === 'place' && inspection?.manifest.delta && bases.length > 0 ? { bases: bases.map((b) => b.path) } : {}),
      };
    };

    /** Stops an import that would save no inventory because the field is empty. */
    const inventoryProblem = (): string | undefined =>
      get().saveInventory && get().inventoryPath.trim() === '' ? `Type where the inventory goes (like ${INVENTORY_FILE} beside the bundle on the stick), or untick Save inventory for the next transfer.` : undefined;

    // a new source replaces every result of the last one
    const resetAfterSource: Partial<ImportState> = {
      inspection: undefined,
      openError: undefined,
      dirs: [],
      verify: { status: 'idle' },
      preview: { status: 'idle' },
      run: { status: 'idle' },
      repair: { status: 'idle' },
      reportSave: { status: 'idle' },
      bases: [],
      baseError: undefined,
    };

    /** Runs an import into the run slot: the last run's report (and its saved copy) go first. */
    const startImport = async (input: ApiInput<'bundle.import'>): Promise<void> => {
      set({ reportSave: { status: 'idle' } });
      await runJob(runSlot, (onProgress) => api.startJob('bundle.import', input, onProgress));
    };

    /** Stops before an import with the reason, in place of the last run's result. */
    const refuseRun = (message: string): void => set({ run: { status: 'failed', items: [], cancelled: false, error: { code: 'bad-usage', message } }, reportSave: { status: 'idle' } });


    return {
      sourceKind: 'folder',
      folders: [''],
      volumesLoading: false,
      chosenVolumes: [],
      opening: false,
      dirs: [],
      checks: { trustedKeys: '', requireApproval: false, policy: '', cosignKeys: [] },
      verify: { status: 'idle' },
      targetKind: 'registry',
      registry: { to: '', username: '', password: '', caFile: '', insecure: false, map: '' },
      passwordSent: false,
      folder: '',
      containerd: { preset: 'k3s', address: CONTAINERD_SOCKETS.k3s },
      chartsTo: '',
      filesTo: '',
      port: '5000',
      saveInventory: true,
      inventoryPath: '',
      bases: [],
      baseText: '',
      checkingBase: false,
      preview: { status: 'idle' },
      run: { status: 'idle' },
      serve: { status: 'idle' },
      repair: { status: 'idle' },
      repairTo: '',
      reportFile: '',
      reportSave: { status: 'idle' },

      setSourceKind: (sourceKind) => {
        set({ sourceKind });
        if (sourceKind === 'media' && !get().volumes && !get().volumesLoading) void get().loadVolumes();
      },
      setPath: (path) => get().setFolderAt(0, path),
      setFolderAt: (index, path) => set({ folders: get().folders.map((f, i) => (i === index ? path : f)) }),
      addFolder: () => set({ folders: get().folders.length >= 64 ? get().folders : [...get().folders, ''] }),
      removeFolder: (index) => set({ folders: get().folders.length <= 1 ? [''] : get().folders.filter((_, i) => i !== index) }),
      async loadVolumes() {
        set({ volumesLoading: true, volumesError: undefined });
        try {
          const volumes = await api.call('media.list', {});
          set({ volumes, volumesLoading: false, chosenVolumes: get().chosenVolumes.filter((m) => volumes.some((v) => v.mount === m)) });
        } catch (error) {
          set({ volumesError: toSerializedError(error), volumesLoading: false });
        }
      },
      toggleVolume: (mount) => {
        const chosen = get().chosenVolumes;
        set({ chosenVolumes: chosen.includes(mount) ? chosen.filter((m) => m !== mount) : [...chosen, mount] });
      },
      async open() {
        // every folder (or chosen volume) goes to verify and import; the first is read for what the bundle carries
        const dirs = get().sourceKind === 'folder' ? typedFolders(get().folders) : [...get().chosenVolumes];
        if (dirs.length === 0) {
          set({
            openError: {
              code: 'bad-usage',
              message: get().sourceKind === 'folder' ? 'Type the path of a bundle folder (the folder holding bundle.json).' : 'Choose the volume (or every volume of the set) that holds the bundle.',
            },
          });
          return;
        }
        get().stopServe();
        set({ ...resetAfterSource, opening: true });
        try {
          const inspection = await api.call('bundle.inspect', { dir: dirs[0]! });
          // the inventory goes beside the bundle on the same stick by default; not onto read-only media
          const mounts = (get().volumes ?? []).flatMap((v) => (v.mount === null ? [] : [v.mount]));
          const readOnly = get().sourceKind === 'media' && (get().volumes ?? []).some((v) => v.mount !== null && dirs.includes(v.mount) && v.readOnly);
          const folder = inspection.path.replace(/[\\/]bundle\.json$/, '') || dirs[0]!;
          set({ inspection, dirs, opening: false, inventoryPath: defaultInventoryPath(folder, mounts), saveInventory: !readOnly, reportFile: besideFolder(folder, REPORT_FILE) });
        } catch (error) {
          set({ openError: toSerializedError(error), opening: false });
        }
      },
      setChecks: (patch) => set({ checks: { ...get().checks, ...patch }, verify: { status: 'idle' } }),
      async verifyBundle() {
        const dirs = get().dirs;
        if (get().verify.status === 'running' || dirs.length === 0) return;
        // a new verdict replaces the last one, and the import that the last one let through
        set({ run: get().run.status === 'running' ? get().run : { status: 'idle' }, reportSave: { status: 'idle' } });
        const final = await runJob(verifySlot, (onProgress) => api.startJob('bundle.verify', { dirs, ...checksInput() }, onProgress));
        // a part read to its end can still be at fault (a sum that does not match): the verdict marks its row
        if (final?.status === 'done') set({ verify: { ...final, items: markFaults(final.items, final.result) } });
      },
      cancelVerify: () => cancelJob(verifySlot),
      // the last run's report (and a stopped server's note) belong to the target they ran on
      setTargetKind: (targetKind) => {
        if (targetKind === get().targetKind) return;
        const serve = get().serve;
        set({
          targetKind,
          ...(get().run.status !== 'running' ? { run: { status: 'idle' }, reportSave: { status: 'idle' } } : {}),
          ...(serve.status === 'stopped' || serve.status === 'failed' ? { serve: { status: 'idle' } } : {}),
        });
      },
      setRegistry: (patch) => set({ registry: { ...get().registry, ...patch }, ...(patch.to !== undefined || patch.map !== undefined ? { preview: { status: 'idle' } } : {}) }),
      setFolder: (folder) => set({ folder }),
      setContainerd: (patch) => {
        const next = { ...get().containerd, ...patch };
        // a preset fills its socket; typing an address makes it a custom one
        if (patch.preset !== undefined && patch.preset !== 'custom' && patch.address === undefined) next.address = CONTAINERD_SOCKETS[patch.preset];
        if (patch.address !== undefined && patch.preset === undefined && next.preset !== 'custom' && patch.address !== CONTAINERD_SOCKETS[next.preset]) next.preset = 'custom';
        set({ containerd: next });
      },
      setOutputs: (patch) => set(patch),
      addCosignKey: () => get().setChecks({ cosignKeys: [...get().checks.cosignKeys, ''] }),
      setCosignKey: (index, path) => get().setChecks({ cosignKeys: get().checks.cosignKeys.map((k, i) => (i === index ? path : k)) }),
      removeCosignKey: (index) => get().setChecks({ cosignKeys: get().checks.cosignKeys.filter((_, i) => i !== index) }),
      setPort: (port) => set({ port }),
      setSaveInventory: (saveInventory) => set({ saveInventory }),
      setInventoryPath: (inventoryPath) => set({ inventoryPath }),
      setBaseText: (baseText) => set({ baseText, baseError: undefined }),
      async addBase() {
        const path = get().baseText.trim();
        const refuse = (message: string): false => {
          set({ baseError: { code: 'bad-usage', message } });
          return false;
        };
        if (path === '') return refuse('Type the folder of an earlier bundle this delta was made against (every volume of a set, one at a time).');
        if (get().bases.some((b) => b.path === path)) return refuse(`${path} is already a base bundle.`);
        if (get().bases.length >= 64) return refuse('At most 64 base bundle folders.');
        set({ checkingBase: true, baseError: undefined });
        try {
          // read through the checked reader; the import verifies every base whole before anything is placed
          const { manifest } = await api.call('bundle.inspect', { dir: path });
          set({ checkingBase: false });
          const delta = get().inspection?.manifest;
          if (delta && manifest.id === delta.id) return refuse(`${path} is the bundle being imported, not an earlier one.`);
          const named = (delta?.delta?.against ?? []).some((b) => b.kind === 'bundle' && b.bundleId === manifest.id);
          set({ bases: [...get().bases, { path, bundleId: manifest.id, created: manifest.created, named }], baseText: '' });
          return true;
        } catch (error) {
          set({ checkingBase: false, baseError: toSerializedError(error) });
          return false;
        }
      },
      removeBase: (path) => set({ bases: get().bases.filter((b) => b.path !== path) }),
      async previewMapping() {
        const dirs = get().dirs;
        if (dirs.length === 0 || get().preview.status === 'running') return;
        if (get().registry.to.trim() === '') {
          set({ preview: { status: 'failed', items: [], cancelled: false, error: { code: 'bad-usage', message: 'Type the target registry first: host[:port][/prefix], e.g. registry.local:5000/mirror.' } } });
          return;
        }
        await runJob(previewSlot, (onProgress) => api.startJob('bundle.import', { dirs, ...registryInput(), dryRun: true }, onProgress));
      },
      async runImport() {
        const state = get();
        if (blockedReason(state) !== undefined || state.run.status === 'running') return;
        const dirs = state.dirs;
        const problem = inventoryProblem();
        if (problem) {
          refuseRun(problem);
          return;
        }
        if (state.targetKind === 'folder') {
          const toDir = state.folder.trim();
          if (toDir === '') {
            refuseRun('Type the images folder (k3s: /var/lib/rancher/k3s/agent/images, k0s: /var/lib/k0s/images).');
            return;
          }
          await startImport({ dirs, toDir, ...checksInput(), ...outputsInput(), ...deltaInput('place') });
          return;
        }
        if (state.targetKind === 'containerd') {
          const toContainerd = state.containerd.address.trim();
          if (toContainerd === '') {
            refuseRun(`Type containerd's socket (k3s: ${CONTAINERD_SOCKETS.k3s}, k0s: ${CONTAINERD_SOCKETS.k0s}, containerd: ${CONTAINERD_SOCKETS.containerd}).`);
            return;
          }
          await startImport({ dirs, toContainerd, ...checksInput(), ...outputsInput(), ...deltaInput('place') });
          return;
        }
        if (state.registry.to.trim() === '') {
          refuseRun('Type the target registry first: host[:port][/prefix].');
          return;
        }
        const { username, password } = state.registry;
        const login = username.trim() !== '' && password !== '' ? { credentials: { username: username.trim(), password } } : {};
        // the password goes to the host once, with this call, and is not kept here
        set({ registry: { ...state.registry, password: '' }, passwordSent: 'credentials' in login });
        await startImport({ dirs, ...registryInput(), ...checksInput(), ...outputsInput(), ...deltaInput('registry'), ...login });
      },
      cancelRun: () => cancelJob(runSlot),
      async startServe() {
        const state = get();
        if (blockedReason(state) !== undefined || state.serve.status === 'starting' || state.serve.status === 'serving') return;
        const port = Number(state.port.trim());
        if (!/^\d+$/.test(state.port.trim()) || port > 65535) {
          set({ serve: { status: 'failed', error: { code: 'bad-usage', message: `"${state.port}" is not a port: type a number from 1 to 65535 (0 picks a free one).` } } });
          return;
        }
        let url = '';
        const job = api.startJob('bundle.serve', { dirs: state.dirs, port }, (event) => {
          const s = get().serve;
          if (event.kind === 'serving' && s.status === 'starting') {
            url = event.url;
            set({ serve: { status: 'serving', url: event.url, repositories: event.repositories, cancel: s.cancel } });
          }
        });
        set({ serve: { status: 'starting', cancel: () => void job.cancel().catch(() => undefined) } });
        try {
          const result = await job.result;
          set({ serve: { status: 'stopped', url: result.url } });
        } catch (error) {
          const e = toSerializedError(error);
          set({ serve: e.code === 'cancelled' ? { status: 'stopped', url } : { status: 'failed', error: e } });
        }
      },
      stopServe() {
        const s = get().serve;
        if (s.status === 'starting' || s.status === 'serving') s.cancel();
      },
      setRepairTo: (repairTo) => set({ repairTo }),
      async repairBundle() {
        const { dirs, repair } = get();
        if (dirs.length === 0 || repair.status === 'running' || get().verify.status === 'running') return;
        const toDir = get().repairTo.trim();
        if (dirs.length > 1 && toDir === '') {
          set({ repair: { status: 'failed', items: [], cancelled: false, error: { code: 'bad-usage', message: 'The parts are on several volumes: type a new or empty folder to gather the set into and repair it there.' } } });
          return;
        }
        const final = await runJob(repairSlot, (onProgress) => api.startJob('bundle.repair', { dirs, ...(toDir !== '' ? { toDir } : {}) }, onProgress));
        if (final?.status !== 'done' || !final.result.whole) return;
        // the repaired bundle is the one to verify and import now: from the folder it was gathered into
        if (toDir !== '') {
          const folder = final.result.dir;
          set({ sourceKind: 'folder', folders: [folder], dirs: [folder], inventoryPath: defaultInventoryPath(folder), reportFile: besideFolder(folder, REPORT_FILE) });
        }
        set({ verify: { status: 'idle' } });
        await get().verifyBundle();
      },
      cancelRepair: () => cancelJob(repairSlot),
      setReportFile: (reportFile) => set({ reportFile }),
      async saveReport() {
        const run = get().run;
        const reportId = run.status === 'done' ? run.result.reportId : undefined;
        const file = get().reportFile.trim();
        if (reportId === undefined) return;
        if (file === '') {
          set({ reportSave: { status: 'failed', error: { code: 'bad-usage', message: `Type where the report goes (like ${REPORT_FILE} beside the bundle).` } } });
          return;
        }
        await runCall(reportSlot, () => api.call('import.saveReport', { reportId, file }));
      },
    };
  });
}
