import type { StoreApi } from 'zustand/vanilla';
import { MAX_HAVE } from '../../../shared/api-contract.js';
import type { CarriedSource, HeldSource, PrepareState } from './prepare-state.js';
import { MAX_SOURCES } from './sources-slice.js';

/** Where the Prepare wizard's list and options are remembered in this browser (never a credential). */
export const PREPARE_KEY = 'ferry.prepare';

/** The fields of the Prepare state kept across a restart. */
const PERSISTED = ['listText', 'insecureText', 'defaultPlatforms', 'overrides', 'includeForeignLayers', 'allPlatformsRequired', 'outputDir', 'splitMode', 'customSize', 'fitSize', 'parity', 'signKey', 'charts', 'files', 'referrers', 'have', 'haveKey'] as const;

/** What is remembered across a restart. */
export type PersistedPrepare = Partial<Pick<PrepareState, (typeof PERSISTED)[number]>>;

/** A store of strings (localStorage), typed here so the store also loads under Node's tests. */
interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** This browser's localStorage, when there is one. */
const storage = (): KeyValueStorage | undefined => (globalThis as { localStorage?: KeyValueStorage }).localStorage;

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

/** Reads the remembered list and options, keeping only fields of the right type. */
export function readPersisted(): PersistedPrepare {
  try {
    const raw = storage()?.getItem(PREPARE_KEY);
    if (!raw) return {};
    const v = JSON.parse(raw) as Record<string, unknown>;
    const out: PersistedPrepare = {};
    for (const k of ['listText', 'insecureText', 'outputDir', 'customSize', 'fitSize', 'parity', 'signKey', 'haveKey'] as const) {
      const value = v[k];
      if (typeof value === 'string') out[k] = value;
    }
    const have = heldOf(v.have);
    if (have) out.have = have;
    const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((i) => typeof i === 'string');
    if (strings(v.defaultPlatforms)) out.defaultPlatforms = v.defaultPlatforms;
    if (v.overrides && typeof v.overrides === 'object' && Object.values(v.overrides).every(strings)) out.overrides = v.overrides as Record<string, string[]>;
    if (typeof v.includeForeignLayers === 'boolean') out.includeForeignLayers = v.includeForeignLayers;
    if (typeof v.allPlatformsRequired === 'boolean') out.allPlatformsRequired = v.allPlatformsRequired;
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

/** Remembers every change to the persisted fields in this browser. */
export function persistChanges(store: StoreApi<PrepareState>): void {
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
}
