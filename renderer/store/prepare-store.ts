import { createStore, type StoreApi } from 'zustand/vanilla';
import { MAX_HAVE, type CreateBundleSummary, type DeltaPlanBase, type DeltaPlanResult, type ImageResolveResult, type MediaPlanResult, type MediaVolume, type MediaWriteSummary, type SourceCheckResult } from '../../shared/api-contract.js';
import type { SerializedError } from '../../shared/errors.js';
import { parseImageList } from '../../shared/image-list.js';
import type { ApiClient } from '../api/api-client.js';
import { toSerializedError } from '../api/api-call-error.js';
import { applyProgress, type JobProgress } from './review-store.js';

/** How many images resolve at once. */
export const RESOLVE_CONCURRENCY = 4;

/** The platforms offered as checkboxes: value as the engine takes it, and the label a user reads. */
export const PLATFORM_CHOICES = [
  { value: 'linux/amd64', label: 'Linux x86-64 (linux/amd64)' },
  { value: 'linux/arm64', label: 'Linux ARM 64-bit (linux/arm64)' },
  { value: 'linux/arm/v7', label: 'Linux ARM 32-bit (linux/arm/v7)' },
  { value: 'windows/amd64:ltsc2019', label: 'Windows Server 2019 (ltsc2019, 10.0.17763)' },
  { value: 'windows/amd64:ltsc2022', label: 'Windows Server 2022 (ltsc2022, 10.0.20348)' },
  { value: 'windows/amd64:ltsc2025', label: 'Windows Server 2025 (ltsc2025, 10.0.26100)' },
] as const;

/** One image row's live resolution. */
export type Resolution =
  | { status: 'pending' }
  | { status: 'resolving' }
  | { status: 'ok'; result: ImageResolveResult }
  | { status: 'error'; error: SerializedError };

/** One image of a running or finished build, from item-start/item-end events. */
export interface BuildItem {
  name: string;
  phase: string;
  done: boolean;
  bytes?: number;
  cached?: boolean;
}

/** The bundle build. */
export type BuildState =
  | { status: 'idle' }
  | { status: 'running'; progress: JobProgress; items: BuildItem[]; cancelling: boolean; cancel: () => void }
  | { status: 'done'; summary: CreateBundleSummary; items: BuildItem[] }
  | { status: 'failed'; error: SerializedError; cancelled: boolean; items: BuildItem[] };

/** Writing the finished bundle to media. */
export type MediaWriteState =
  | { status: 'idle' }
  | { status: 'running'; progress: JobProgress; cancel: () => void }
  | { status: 'done'; summary: MediaWriteSummary }
  | { status: 'failed'; error: SerializedError };

/** How the archive is split. */
export type SplitMode = 'none' | 'fat32' | 'custom' | 'fit';

/** Where the Prepare wizard's list and options are remembered in this browser (never a credential). */
export const PREPARE_KEY = 'ferry.prepare';

/** The largest part "fit the chosen media" picks (bigger volumes still get parts this size). */
export const FIT_MAX_PART = 64 * 1024 ** 3;

/** File systems of the FAT family, whose files stop under 4 GiB. */
const FAT_FAMILY = /^(v?fat(12|16|32)?|msdos|umsdos)$/i;

/** The fields of the Prepare state kept across a restart. */
const PERSISTED = ['listText', 'insecureText', 'defaultPlatforms', 'overrides', 'includeForeignLayers', 'outputDir', 'splitMode', 'customSize', 'fitSize', 'parity', 'signKey', 'charts', 'files', 'referrers', 'have', 'haveKey'] as const;

/** The most charts, and the most files, one bundle carries from the app (the contract's limit). */
export const MAX_SOURCES = 1000;

/** A Helm chart or plain file the bundle carries: its source as `ferry bundle --chart/--file` takes it, and what the host's check found. */
export interface CarriedSource {
  source: string;
  /** The chart's name, or the file's name in the bundle (`files/<name>`). */
  name?: string;
  version?: string;
  /** A local file's size. */
  size?: number;
  /** Why the host's check refused it (a source loaded from a list file is kept, and shown with this). */
  error?: SerializedError;
}

/** A carried source from a check's answer (or its error). */
function carried(source: string, check: SourceCheckResult | SerializedError): CarriedSource {
  if ('code' in check) return { source, error: check };
  return { source: check.source, name: check.name, ...(check.version !== undefined ? { version: check.version } : {}), ...(check.size !== undefined ? { size: check.size } : {}) };
}

/** Remembered sources, keeping only well-formed fields (never an error: they are checked again at build). */
function sourcesOf(x: unknown): CarriedSource[] | undefined {
  if (!Array.isArray(x)) return undefined;
  return x
    .filter((i): i is Record<string, unknown> => !!i && typeof i === 'object' && typeof (i as { source?: unknown }).source === 'string')
    .slice(0, MAX_SOURCES)
    .map((i) => ({
      source: i.source as string,
      ...(typeof i.name === 'string' ? { name: i.name } : {}),
      ...(typeof i.version === 'string' ? { version: i.version } : {}),
      ...(typeof i.size === 'number' ? { size: i.size } : {}),
    }));
}

/**
 * An inventory file or old bundle folder telling what the offline side holds ("Only carry what the offline side
 * lacks"), as the host read it when it was added.
 */
export type HeldSource = { path: string } & Partial<Omit<DeltaPlanBase, 'path'>>;

/** Remembered holdings, keeping only well-formed fields (they are read and checked again by every plan and the build). */
function heldOf(x: unknown): HeldSource[] | undefined {
  if (!Array.isArray(x)) return undefined;
  return x
    .filter((i): i is Record<string, unknown> => !!i && typeof i === 'object' && typeof (i as { path?: unknown }).path === 'string')
    .slice(0, MAX_HAVE)
    .map((i) => ({
      path: i.path as string,
      ...(i.kind === 'inventory' || i.kind === 'bundle' ? { kind: i.kind } : {}),
      ...(typeof i.sha256 === 'string' ? { sha256: i.sha256 } : {}),
      ...(typeof i.bundleId === 'string' ? { bundleId: i.bundleId } : {}),
      ...(typeof i.created === 'string' ? { created: i.created } : {}),
      ...(typeof i.signer === 'string' ? { signer: i.signer } : {}),
      ...(typeof i.blobs === 'number' ? { blobs: i.blobs } : {}),
    }));
}

/** What a delta would carry, per image: asked of the host whenever the rows, platforms or holdings change. */
export type DeltaPlanState =
  | { status: 'idle' }
  | { status: 'running'; last?: DeltaPlanResult }
  | { status: 'done'; result: DeltaPlanResult }
  | { status: 'failed'; error: SerializedError };

/** The latest delta plan known (while a new one runs, the one before). */
export function deltaPlanOf(state: DeltaPlanState): DeltaPlanResult | undefined {
  return state.status === 'done' ? state.result : state.status === 'running' ? state.last : undefined;
}

/** What is remembered across a restart. */
type PersistedPrepare = Partial<Pick<PrepareState, (typeof PERSISTED)[number]>>;

/** This browser's localStorage, when there is one (typed here so the store also loads under Node's tests). */
const storage = (): { getItem(key: string): string | null; setItem(key: string, value: string): void } | undefined =>
  (globalThis as { localStorage?: { getItem(key: string): string | null; setItem(key: string, value: string): void } }).localStorage;

/** Reads the remembered list and options, keeping only fields of the right type. */
function readPersisted(): PersistedPrepare {
  try {
    const raw = storage()?.getItem(PREPARE_KEY);
    if (!raw) return {};
    const v = JSON.parse(raw) as Record<string, unknown>;
    const out: PersistedPrepare = {};
    const str = (k: 'listText' | 'insecureText' | 'outputDir' | 'customSize' | 'fitSize' | 'parity' | 'signKey' | 'haveKey'): void => {
      if (typeof v[k] === 'string') out[k] = v[k];
    };
    for (const k of ['listText', 'insecureText', 'outputDir', 'customSize', 'fitSize', 'parity', 'signKey', 'haveKey'] as const) str(k);
    const have = heldOf(v.have);
    if (have) out.have = have;
    const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((i) => typeof i === 'string');
    if (strings(v.defaultPlatforms)) out.defaultPlatforms = v.defaultPlatforms;
    if (v.overrides && typeof v.overrides === 'object' && Object.values(v.overrides).every(strings)) out.overrides = v.overrides as Record<string, string[]>;
    if (typeof v.includeForeignLayers === 'boolean') out.includeForeignLayers = v.includeForeignLayers;
    if (typeof v.referrers === 'boolean') out.referrers = v.referrers;
    const charts = sourcesOf(v.charts);
    if (charts) out.charts = charts;
    const files = sourcesOf(v.files);
    if (files) out.files = files;
    if (v.splitMode === 'none' || v.splitMode === 'fat32' || v.splitMode === 'custom' || v.splitMode === 'fit') out.splitMode = v.splitMode;
    return out;
  } catch {
    return {};
  }
}

/** The part size that fits the chosen media: `fat32` on FAT-family volumes, else the smallest free space less room for bundle.json and the other small files (capped at {@link FIT_MAX_PART}). */
export function fitSplit(sizes: { free: number; fsType?: string }[]): 'fat32' | number | undefined {
  if (sizes.length === 0) return undefined;
  if (sizes.some((v) => v.fsType !== undefined && FAT_FAMILY.test(v.fsType))) return 'fat32';
  const smallest = Math.min(...sizes.map((v) => v.free));
  const part = Math.floor(smallest * 0.99) - 256 * 1024;
  return part > 0 ? Math.min(part, FIT_MAX_PART) : undefined;
}

/** The Prepare wizard's state; every change goes through an action below. */
export interface PrepareState {
  listText: string;
  /** Distinct references of the list, in order. */
  references: string[];
  resolutions: Record<string, Resolution>;
  listPath: string;
  loadingList: boolean;
  listError?: SerializedError;
  listNote?: string;
  /** Hosts that may use plain HTTP or unverified TLS, as typed (space or comma separated). */
  insecureText: string;
  defaultPlatforms: string[];
  /** Per-image platforms, replacing the default for that image. */
  overrides: Record<string, string[]>;
  /** Chosen platforms each resolved image lacks. */
  missing: Record<string, string[]>;
  platformError?: SerializedError;
  includeForeignLayers: boolean;
  /** Helm charts to carry, in the order added. */
  charts: CarriedSource[];
  /** Plain files to carry (`files/<name>`), in the order added. */
  files: CarriedSource[];
  /** The chart source being typed. */
  chartText: string;
  /** The file path or URL being typed. */
  fileText: string;
  chartError?: SerializedError;
  fileError?: SerializedError;
  /** A chart or file is being checked by the host. */
  checkingSource: boolean;
  /** Also carry signatures, SBOMs and attestations (cosign tags, OCI referrers). */
  referrers: boolean;
  /** What the offline side holds (inventories, old bundle folders): the bundle carries only what it lacks. */
  have: HeldSource[];
  /** The inventory or old bundle folder being typed. */
  haveText: string;
  haveError?: SerializedError;
  /** An inventory or old bundle is being read by the host. */
  checkingHave: boolean;
  /** A public key file (`.pub`) every inventory and old bundle must be signed by (empty: no signature required). */
  haveKey: string;
  /** Per image, the bytes the offline side lacks (with `have`). */
  deltaPlan: DeltaPlanState;
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
  optionsError?: SerializedError;
  build: BuildState;
  /** The registry host the login dialog is open for. */
  loginHost?: string;
  loggingIn: boolean;
  loginError?: SerializedError;
  volumes?: MediaVolume[];
  allVolumes: boolean;
  listingVolumes: boolean;
  mediaError?: SerializedError;
  targets: string[];
  extraTargets: string;
  capacity: string;
  planning: boolean;
  plan?: MediaPlanResult;
  mediaWrite: MediaWriteState;
  setListText(text: string): void;
  setListPath(path: string): void;
  loadList(): Promise<void>;
  setInsecureText(text: string): void;
  retryResolve(): void;
  toggleDefaultPlatform(platform: string): void;
  setOverride(reference: string, platforms: string[] | undefined): void;
  setIncludeForeignLayers(on: boolean): void;
  setChartText(text: string): void;
  setFileText(text: string): void;
  /** Checks the typed chart source with the host and adds it; false (and `chartError`) when refused. */
  addChart(): Promise<boolean>;
  /** Checks the typed file path or URL with the host and adds it; false (and `fileError`) when refused. */
  addFile(): Promise<boolean>;
  removeChart(source: string): void;
  removeFile(source: string): void;
  setReferrers(on: boolean): void;
  setHaveText(text: string): void;
  /** Reads the typed inventory or old bundle folder with the host and adds it; false (and `haveError`) when refused. */
  addHave(): Promise<boolean>;
  removeHave(path: string): void;
  setHaveKey(path: string): void;
  /** Asks the host what a delta against `have` would carry for each resolved image (also run on its own after changes). */
  planDelta(): Promise<void>;
  setOutputDir(dir: string): void;
  setSplitMode(mode: SplitMode): void;
  setCustomSize(size: string): void;
  setFitSize(size: string): void;
  openLogin(host: string): void;
  closeLogin(): void;
  /** Sends a login to the host (which keeps the password and never returns it), then retries that registry's failed rows; true when saved. */
  logIn(login: { host: string; username: string; password: string; caFile: string }): Promise<boolean>;
  /** Appends the references of a dropped list file's text (same parsing as paste). */
  appendListText(text: string, from: string): void;
  setParity(parity: string): void;
  setSignKey(path: string): void;
  setForce(force: boolean): void;
  startBuild(): Promise<void>;
  cancelBuild(): void;
  listVolumes(all?: boolean): Promise<void>;
  toggleTarget(path: string): void;
  setExtraTargets(text: string): void;
  setCapacity(text: string): void;
  planMedia(): Promise<void>;
  writeMedia(): Promise<void>;
  cancelMediaWrite(): void;
}

/** Words of a text field: split on commas, spaces and new lines. */
export function wordsOf(text: string): string[] {
  return text.split(/[\s,]+/).filter((w) => w !== '');
}

/** A size as users type it (`1MiB`, `700MB`, `4GiB`, a number of bytes) in bytes, or undefined when it does not read as one. */
export function parseSizeText(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase().replace(/b$/, '');
  const powers: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, ki: 1024, mi: 1024 ** 2, gi: 1024 ** 3, ti: 1024 ** 4 };
  const factor = powers[unit];
  if (factor === undefined) return undefined;
  const bytes = Math.floor(Number(m[1]) * factor);
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Row errors a login or a CA file can fix. */
export const LOGIN_CODES: readonly string[] = ['unauthorized', 'denied', 'credentials', 'tls'];

/** The registry host of an image reference (`docker.io` when it names none). */
export function registryOf(reference: string): string {
  const slash = reference.indexOf('/');
  const first = slash < 0 ? '' : reference.slice(0, slash);
  return first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

/** The platforms wanted for one image: its override, else the bundle's default. */
export function platformsFor(state: Pick<PrepareState, 'overrides' | 'defaultPlatforms'>, reference: string): string[] {
  return state.overrides[reference] ?? state.defaultPlatforms;
}

const idleProgress = (): JobProgress => ({ done: 0, total: 0, rate: 0, etaSeconds: null });

/** Makes the Prepare wizard's store on an API client. */
export function createPrepareStore(api: ApiClient): StoreApi<PrepareState> {
  let active = 0;
  let checkTimer: ReturnType<typeof setTimeout> | undefined;
  let planTimer: ReturnType<typeof setTimeout> | undefined;
  let planGeneration = 0;
  let generation = 0;
  const remembered = readPersisted();

  const store = createStore<PrepareState>()((set, get) => {
    const insecure = (): string[] => wordsOf(get().insecureText);

    /** Starts resolving pending rows, a few at a time. */
    const pump = (): void => {
      const { references, resolutions } = get();
      for (const reference of references) {
        if (active >= RESOLVE_CONCURRENCY) return;
        if (resolutions[reference]?.status !== 'pending') continue;
        active++;
        const gen = generation;
        set((s) => ({ resolutions: { ...s.resolutions, [reference]: { status: 'resolving' } } }));
        const hosts = insecure();
        api
          .call('image.resolve', { reference, ...(hosts.length > 0 ? { insecureRegistries: hosts } : {}) })
          .then(
            (result): Resolution => ({ status: 'ok', result }),
            (error: unknown): Resolution => ({ status: 'error', error: toSerializedError(error) }),
          )
          .then((resolution) => {
            active--;
            if (gen === generation && get().resolutions[reference]) {
              set((s) => ({ resolutions: { ...s.resolutions, [reference]: resolution } }));
              if (resolution.status === 'ok') scheduleCheck();
              scheduleDeltaPlan();
            }
            pump();
          });
      }
    };

    /** Asks the host which chosen platforms each resolved image lacks (batched). */
    const scheduleCheck = (): void => {
      if (checkTimer) clearTimeout(checkTimer);
      checkTimer = setTimeout(() => {
        checkTimer = undefined;
        void checkPlatforms();
      }, 150);
    };

    /** Asks for a new delta plan once the rows, platforms or holdings stop changing (batched like the platform check). */
    const scheduleDeltaPlan = (): void => {
      if (planTimer) clearTimeout(planTimer);
      if (get().have.length === 0) {
        planGeneration++;
        if (get().deltaPlan.status !== 'idle') set({ deltaPlan: { status: 'idle' } });
        return;
      }
      planTimer = setTimeout(() => {
        planTimer = undefined;
        // once every row has settled: a plan resolves all the images again, so not once per row of a long list
        const { references, resolutions } = get();
        if (references.some((r) => resolutions[r]?.status === 'pending' || resolutions[r]?.status === 'resolving')) return;
        void get().planDelta();
      }, 300);
    };

    const checkPlatforms = async (): Promise<void> => {
      const state = get();
      const rows = state.references.flatMap((reference) => {
        const r = state.resolutions[reference];
        const wanted = platformsFor(state, reference);
        return r?.status === 'ok' && wanted.length > 0 ? [{ reference, wanted, available: r.result.platforms }] : [];
      });
      if (rows.length === 0) {
        set({ missing: {}, platformError: undefined });
        return;
      }
      try {
        const { missing } = await api.call('platforms.check', { rows: rows.map(({ wanted, available }) => ({ wanted, available })) });
        const byRef: Record<string, string[]> = {};
        rows.forEach((row, i) => {
          if (missing[i] && missing[i].length > 0) byRef[row.reference] = missing[i];
        });
        set({ missing: byRef, platformError: undefined });
      } catch (error) {
        set({ platformError: toSerializedError(error) });
      }
    };

    /** Checks sources not already among `have` (a list file's charts or files); refused ones come back with their error. */
    const checkAll = async (kind: 'chart' | 'file', sources: string[], have: CarriedSource[]): Promise<CarriedSource[]> => {
      const known = new Set(have.map((c) => c.source));
      const fresh = [...new Set(sources)].filter((src) => !known.has(src));
      return Promise.all(fresh.map((source) => api.call('source.check', { kind, source }).then((r) => carried(source, r), (error: unknown) => carried(source, toSerializedError(error)))));
    };

    /** Checks the typed chart or file with the host and adds it, or says inline why not. */
    const addSource = async (kind: 'chart' | 'file'): Promise<boolean> => {
      const textKey = kind === 'chart' ? 'chartText' : 'fileText';
      const errorKey = kind === 'chart' ? 'chartError' : 'fileError';
      const listKey = kind === 'chart' ? 'charts' : 'files';
      const source = get()[textKey].trim();
      const refuse = (message: string, code = 'bad-usage'): false => {
        set({ [errorKey]: { code, message } } as Partial<PrepareState>);
        return false;
      };
      if (source === '') return refuse(kind === 'chart' ? 'Type a chart: https://charts.example/repo/NAME@VERSION or oci://HOST/PATH/NAME:VERSION.' : 'Type the path of a file on the machine running Ferry, or an http(s) URL.');
      if (get()[listKey].some((c) => c.source === source)) return refuse(`${source} is already in the list.`);
      if (get()[listKey].length >= MAX_SOURCES) return refuse(`At most ${MAX_SOURCES} ${listKey} per bundle: remove some first.`);
      set({ checkingSource: true, [errorKey]: undefined } as Partial<PrepareState>);
      try {
        const checked = carried(source, await api.call('source.check', { kind, source }));
        const list = get()[listKey];
        if (kind === 'file') {
          const other = list.find((f) => f.name !== undefined && f.name === checked.name);
          if (other) {
            set({ checkingSource: false });
            return refuse(`${source} and ${other.source} would both be carried as files/${checked.name ?? ''}: rename one.`);
          }
        }
        set({ checkingSource: false, [listKey]: [...list, checked], [textKey]: '' } as Partial<PrepareState>);
        return true;
      } catch (error) {
        set({ checkingSource: false, [errorKey]: toSerializedError(error) } as Partial<PrepareState>);
        return false;
      }
    };

    const runBuild = async (input: Parameters<ApiClient['startJob']>[1]): Promise<void> => {
      const job = api.startJob('bundle.create', input as never, (event) => {
        const state = get().build;
        if (state.status !== 'running') return;
        let items = state.items;
        if (event.kind === 'item-start' && (event.phase === 'resolve' || event.phase === 'fetch')) {
          items = [...items.filter((i) => i.name !== event.item), { name: event.item, phase: event.phase, done: false }];
        } else if (event.kind === 'item-end' && (event.phase === 'resolve' || event.phase === 'fetch')) {
          items = items.map((i) => (i.name === event.item ? { ...i, phase: event.phase, done: true, ...(event.bytes !== undefined ? { bytes: event.bytes } : {}), ...(event.cached !== undefined ? { cached: event.cached } : {}) } : i));
        }
        set({ build: { ...state, items, progress: applyProgress(state.progress, event) } });
      });
      set({
        build: {
          status: 'running',
          progress: idleProgress(),
          items: [],
          cancelling: false,
          cancel: () => void job.cancel().catch(() => undefined),
        },
      });
      try {
        const summary = await job.result;
        const state = get().build;
        set({ build: { status: 'done', summary, items: state.status === 'running' ? state.items : [] }, plan: undefined, mediaWrite: { status: 'idle' } });
      } catch (error) {
        const state = get().build;
        const e = toSerializedError(error);
        set({ build: { status: 'failed', error: e, cancelled: e.code === 'cancelled', items: state.status === 'running' ? state.items : [] } });
      }
    };

    return {
      listText: '',
      references: [],
      resolutions: {},
      listPath: '',
      loadingList: false,
      insecureText: '',
      defaultPlatforms: [],
      overrides: {},
      missing: {},
      includeForeignLayers: false,
      charts: [],
      files: [],
      chartText: '',
      fileText: '',
      checkingSource: false,
      referrers: false,
      have: [],
      haveText: '',
      checkingHave: false,
      haveKey: '',
      deltaPlan: { status: 'idle' },
      outputDir: '',
      splitMode: 'none',
      customSize: '',
      fitSize: '',
      restored: false,
      parity: '',
      signKey: '',
      force: false,
      build: { status: 'idle' },
      loggingIn: false,
      allVolumes: false,
      listingVolumes: false,
      targets: [],
      extraTargets: '',
      capacity: '',
      planning: false,
      mediaWrite: { status: 'idle' },

      setListText(text) {
        const references = [...new Set(parseImageList(text))];
        const old = get().resolutions;
        const resolutions: Record<string, Resolution> = {};
        for (const r of references) resolutions[r] = old[r] ?? { status: 'pending' };
        set({ listText: text, references, resolutions, listNote: undefined });
        pump();
        // rows gone from the list leave the plan's totals
        if (get().have.length > 0) scheduleDeltaPlan();
      },
      setListPath: (listPath) => set({ listPath }),
      async loadList() {
        const path = get().listPath.trim();
        if (path === '') {
          set({ listError: { code: 'bad-usage', message: 'Type the path of a list file (one image reference per line, like airgap-images.txt).' } });
          return;
        }
        set({ loadingList: true, listError: undefined, listNote: undefined });
        try {
          const list = await api.call('list.read', { path });
          const current = get().listText.trim();
          get().setListText((current === '' ? '' : `${current}\n`) + list.images.join('\n') + '\n');
          const overrides = { ...get().overrides };
          for (const { image, platforms } of list.imagePlatforms) overrides[image] = platforms;
          // the list's charts and files join the ones already there, each checked by the host (a refused one stays, marked)
          const [charts, files] = await Promise.all([checkAll('chart', list.charts, get().charts), checkAll('file', list.files, get().files)]);
          const extra = [charts.length > 0 ? `${charts.length} ${charts.length === 1 ? 'chart' : 'charts'}` : '', files.length > 0 ? `${files.length} ${files.length === 1 ? 'file' : 'files'}` : ''].filter((t) => t !== '');
          set({
            overrides,
            charts: [...get().charts, ...charts].slice(0, MAX_SOURCES),
            files: [...get().files, ...files].slice(0, MAX_SOURCES),
            loadingList: false,
            listNote: `Added ${list.images.length} ${list.images.length === 1 ? 'image' : 'images'}${extra.length > 0 ? `, ${extra.join(' and ')}` : ''} from ${list.path}.`,
          });
          scheduleCheck();
        } catch (error) {
          set({ listError: toSerializedError(error), loadingList: false });
        }
      },
      setInsecureText: (insecureText) => set({ insecureText }),
      retryResolve() {
        generation++;
        const resolutions: Record<string, Resolution> = {};
        for (const [r, v] of Object.entries(get().resolutions)) resolutions[r] = v.status === 'ok' ? v : { status: 'pending' };
        active = 0;
        set({ resolutions });
        pump();
      },
      toggleDefaultPlatform(platform) {
        const current = get().defaultPlatforms;
        set({ defaultPlatforms: current.includes(platform) ? current.filter((p) => p !== platform) : [...current, platform] });
        scheduleCheck();
        scheduleDeltaPlan();
      },
      setOverride(reference, platforms) {
        const overrides = { ...get().overrides };
        if (platforms === undefined) delete overrides[reference];
        else overrides[reference] = platforms;
        set({ overrides });
        scheduleCheck();
        scheduleDeltaPlan();
      },
      setIncludeForeignLayers(includeForeignLayers) {
        set({ includeForeignLayers });
        scheduleDeltaPlan();
      },
      setChartText: (chartText) => set({ chartText, chartError: undefined }),
      setFileText: (fileText) => set({ fileText, fileError: undefined }),
      addChart: () => addSource('chart'),
      addFile: () => addSource('file'),
      removeChart: (source) => set({ charts: get().charts.filter((c) => c.source !== source) }),
      removeFile: (source) => set({ files: get().files.filter((f) => f.source !== source) }),
      setReferrers: (referrers) => set({ referrers }),
      setHaveText: (haveText) => set({ haveText, haveError: undefined }),
      async addHave() {
        const path = get().haveText.trim();
        const refuse = (message: string): false => {
          set({ haveError: { code: 'bad-usage', message } });
          return false;
        };
        if (path === '') return refuse('Type the path of an inventory file (from ferry inventory, or saved by an import) or of a bundle folder already carried across.');
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
          scheduleDeltaPlan();
          return true;
        } catch (error) {
          set({ checkingHave: false, haveError: toSerializedError(error) });
          return false;
        }
      },
      removeHave(path) {
        set({ have: get().have.filter((h) => h.path !== path) });
        scheduleDeltaPlan();
      },
      setHaveKey(haveKey) {
        set({ haveKey });
        scheduleDeltaPlan();
      },
      async planDelta() {
        const s = get();
        const gen = ++planGeneration;
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
        const last = deltaPlanOf(s.deltaPlan);
        const key = s.haveKey.trim();
        const hosts = insecure();
        set({ deltaPlan: { status: 'running', ...(last ? { last } : {}) } });
        try {
          const result = await api.call('bundle.planDelta', {
            have: s.have.map((h) => h.path),
            ...(key !== '' ? { trustedKeys: [key] } : {}),
            images,
            ...(s.includeForeignLayers ? { includeForeignLayers: true } : {}),
            ...(hosts.length > 0 ? { insecureRegistries: hosts } : {}),
          });
          if (gen === planGeneration) set({ deltaPlan: { status: 'done', result } });
        } catch (error) {
          if (gen === planGeneration) set({ deltaPlan: { status: 'failed', error: toSerializedError(error) } });
        }
      },
      setOutputDir: (outputDir) => set({ outputDir }),
      setSplitMode: (splitMode) => set({ splitMode }),
      setCustomSize: (customSize) => set({ customSize }),
      setFitSize: (fitSize) => set({ fitSize }),
      openLogin: (loginHost) => set({ loginHost, loginError: undefined }),
      closeLogin: () => set({ loginHost: undefined, loginError: undefined, loggingIn: false }),
      async logIn({ host, username, password, caFile }) {
        if (host.trim() === '') {
          set({ loginError: { code: 'bad-usage', message: 'Type the registry host (host or host:port).' } });
          return false;
        }
        set({ loggingIn: true, loginError: undefined });
        try {
          // keep what Settings already holds for this host (its CA file, insecure) unless the dialog changes it
          const previous = (await api.call('settings.get', {})).registries.find((r) => r.host === host.trim());
          const ca = caFile.trim() !== '' ? caFile.trim() : (previous?.caFile ?? '');
          await api.call('settings.setRegistry', {
            host: host.trim(),
            ...(username.trim() !== '' ? { username: username.trim() } : {}),
            ...(password !== '' ? { password } : {}),
            ...(ca !== '' ? { caFile: ca } : {}),
            ...(previous?.insecure ? { insecure: true } : {}),
          });
        } catch (error) {
          set({ loggingIn: false, loginError: toSerializedError(error) });
          return false;
        }
        const resolutions = { ...get().resolutions };
        for (const [r, v] of Object.entries(resolutions)) if (v.status === 'error' && registryOf(r) === host.trim()) resolutions[r] = { status: 'pending' };
        set({ resolutions, loggingIn: false, loginHost: undefined, listNote: `Logged in to ${host.trim()} for this session; its images resolve again.` });
        pump();
        return true;
      },
      appendListText(text, from) {
        const added = parseImageList(text);
        const current = get().listText.trim();
        get().setListText((current === '' ? '' : `${current}\n`) + added.join('\n') + '\n');
        set({ listError: undefined, listNote: `Added ${added.length} ${added.length === 1 ? 'image' : 'images'} from ${from}.` });
      },
      setParity: (parity) => set({ parity }),
      setSignKey: (signKey) => set({ signKey }),
      setForce: (force) => set({ force }),

      async startBuild() {
        const s = get();
        if (s.build.status === 'running') return;
        const fail = (message: string): void => set({ optionsError: { code: 'bad-usage', message } });
        if (s.references.length === 0 && s.charts.length === 0 && s.files.length === 0) return fail('Add at least one image, chart or file: paste references in step 1, add a chart or file under them, or load a list file.');
        const refused = [...s.charts, ...s.files].find((c) => c.error);
        if (refused) return fail(`${refused.source} cannot be carried (${refused.error!.message}) Remove it in step 1, or fix it and add it again.`);
        const outputDir = s.outputDir.trim();
        if (outputDir === '') return fail('Type the output folder the bundle goes into (step 3).');
        let split: string | undefined;
        if (s.splitMode === 'fat32') split = 'fat32';
        if (s.splitMode === 'custom') {
          if (parseSizeText(s.customSize) === undefined) return fail('Type a part size like 700MB, 1GiB or 1MiB, or choose no split.');
          split = s.customSize.trim();
        }
        if (s.splitMode === 'fit') {
          const typed = s.fitSize.trim();
          let sizes: { free: number; fsType?: string }[];
          if (typed !== '') {
            const bytes = parseSizeText(typed);
            if (bytes === undefined) return fail('Type the media size like 32GB or 8MiB, or leave it empty to use the drives picked in Write to media.');
            sizes = [{ free: bytes }];
          } else {
            sizes = (s.volumes ?? []).filter((v) => v.mount !== null && s.targets.includes(v.mount)).map((v) => ({ free: v.free ?? v.capacity, fsType: v.fsType }));
          }
          const fit = fitSplit(sizes);
          if (fit === undefined) return fail(sizes.length === 0 ? 'Type the media size, or pick drives in Write to media, so the part size can fit them.' : 'The chosen media has too little free space for any part.');
          split = typeof fit === 'number' ? String(fit) : fit;
        }
        let parity: number | undefined;
        if (s.parity.trim() !== '') {
          parity = Number(s.parity);
          if (!Number.isInteger(parity) || parity < 1 || parity > 32) return fail('Parity is a whole number of parts from 1 to 32, or empty for none.');
          if (split === undefined) return fail('Parity parts protect split parts: choose a split size too.');
        }
        const imagePlatforms = s.references.filter((r) => s.overrides[r]).map((image) => ({ image, platforms: s.overrides[image]! }));
        const hosts = insecure();
        set({ optionsError: undefined });
        await runBuild({
          images: s.references,
          outputDir,
          ...(s.defaultPlatforms.length > 0 ? { platforms: s.defaultPlatforms } : {}),
          ...(imagePlatforms.length > 0 ? { imagePlatforms } : {}),
          ...(split !== undefined ? { split: /^\d+$/.test(split) ? Number(split) : split } : {}),
          ...(parity !== undefined ? { parity } : {}),
          ...(s.signKey.trim() !== '' ? { signKey: s.signKey.trim() } : {}),
          ...(s.includeForeignLayers ? { includeForeignLayers: true } : {}),
          ...(hosts.length > 0 ? { insecureRegistries: hosts } : {}),
          ...(s.force ? { force: true } : {}),
          ...(s.charts.length > 0 ? { charts: s.charts.map((c) => c.source) } : {}),
          ...(s.files.length > 0 ? { files: s.files.map((f) => f.source) } : {}),
          ...(s.referrers ? { referrers: true } : {}),
          ...(s.have.length > 0 ? { have: s.have.map((h) => h.path) } : {}),
          ...(s.have.length > 0 && s.haveKey.trim() !== '' ? { trustedKeys: [s.haveKey.trim()] } : {}),
        });
      },
      cancelBuild() {
        const state = get().build;
        if (state.status !== 'running' || state.cancelling) return;
        set({ build: { ...state, cancelling: true } });
        state.cancel();
      },

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
        set({ targets: t.includes(path) ? t.filter((p) => p !== path) : [...t, path], plan: undefined });
      },
      setExtraTargets: (extraTargets) => set({ extraTargets, plan: undefined }),
      setCapacity: (capacity) => set({ capacity, plan: undefined }),
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
          capacity = parseSizeText(s.capacity);
          if (capacity === undefined) {
            set({ mediaError: { code: 'bad-usage', message: 'Type the space to use per drive like 32GB or 8MiB, or leave it empty to use the free space.' } });
            return;
          }
        }
        set({ planning: true, mediaError: undefined, plan: undefined, mediaWrite: { status: 'idle' } });
        try {
          const plan = await api.call('media.plan', { dir: s.build.summary.dir, targets, ...(capacity !== undefined ? { capacity } : {}) });
          set({ plan, planning: false });
        } catch (error) {
          set({ mediaError: toSerializedError(error), planning: false });
        }
      },
      async writeMedia() {
        const s = get();
        if (s.build.status !== 'done' || !s.plan?.ok || s.mediaWrite.status === 'running') return;
        const targets = s.plan.volumes.map((v) => v.path);
        const capacity = s.capacity.trim() === '' ? undefined : parseSizeText(s.capacity);
        const job = api.startJob('media.write', { dir: s.build.summary.dir, targets, ...(capacity !== undefined ? { capacity } : {}) }, (event) => {
          const state = get().mediaWrite;
          if (state.status === 'running') set({ mediaWrite: { ...state, progress: applyProgress(state.progress, event) } });
        });
        set({ mediaWrite: { status: 'running', progress: idleProgress(), cancel: () => void job.cancel().catch(() => undefined) } });
        try {
          set({ mediaWrite: { status: 'done', summary: await job.result } });
        } catch (error) {
          set({ mediaWrite: { status: 'failed', error: toSerializedError(error) } });
        }
      },
      cancelMediaWrite() {
        const state = get().mediaWrite;
        if (state.status === 'running') state.cancel();
      },
    };
  });

  // restore the last session's list and options, then remember every change to them
  const { listText, ...options } = remembered;
  if (Object.keys(remembered).length > 0) {
    store.setState({ ...options, restored: true });
    if (listText !== undefined) store.getState().setListText(listText);
  }
  let saved = '';
  store.subscribe((state) => {
    const picked: Record<string, unknown> = {};
    for (const k of PERSISTED) picked[k] = state[k];
    const text = JSON.stringify(picked);
    if (text === saved) return;
    saved = text;
    try {
      storage()?.setItem(PREPARE_KEY, text);
    } catch {
      // storage refused: the list lasts for this page only
    }
  });
  return store;
}
