import type { SerializedError } from '../../../shared/errors.js';
import { toSerializedError } from '../../api/api-call-error.js';
import { debounce, type PrepareContext } from './context.js';
import type { PrepareState } from './prepare-state.js';

/** The platforms offered as checkboxes: value as the engine takes it, and the label a user reads. */
export const PLATFORM_CHOICES = [
  { value: 'linux/amd64', label: 'Linux x86-64 (linux/amd64)' },
  { value: 'linux/arm64', label: 'Linux ARM 64-bit (linux/arm64)' },
  { value: 'linux/arm/v7', label: 'Linux ARM 32-bit (linux/arm/v7)' },
  { value: 'windows/amd64:ltsc2019', label: 'Windows Server 2019 (ltsc2019, 10.0.17763)' },
  { value: 'windows/amd64:ltsc2022', label: 'Windows Server 2022 (ltsc2022, 10.0.20348)' },
  { value: 'windows/amd64:ltsc2025', label: 'Windows Server 2025 (ltsc2025, 10.0.26100)' },
] as const;

/** The bundle's platforms and each image's own. */
export interface PlatformsSlice {
  defaultPlatforms: string[];
  /** Per-image platforms, replacing the bundle's choice for that image (chosen among the platforms it publishes). */
  overrides: Record<string, string[]>;
  /** Per resolved row, the platforms wanted for it that it lacks (from the host's `platforms.check`). */
  missing: Record<string, string[]>;
  platformError?: SerializedError;
  includeForeignLayers: boolean;
  /** Every image must have every chosen platform (else each image carries whichever of them it has). */
  allPlatformsRequired: boolean;
  toggleDefaultPlatform(platform: string): void;
  setOverride(reference: string, platforms: string[] | undefined): void;
  setIncludeForeignLayers(on: boolean): void;
  setAllPlatformsRequired(on: boolean): void;
}

/** The platforms wanted for one image: its own, else the bundle's choice. */
export function platformsFor(state: Pick<PrepareState, 'overrides' | 'defaultPlatforms'>, reference: string): string[] {
  return state.overrides[reference] ?? state.defaultPlatforms;
}

/**
 * What the chosen platforms mean for one resolved row: `none` (it has none of them: an error, nothing to carry),
 * `some` (carried without the ones it lacks; an error when every platform is required), or undefined (all there).
 */
export function platformIssue(state: Pick<PrepareState, 'overrides' | 'defaultPlatforms' | 'missing'>, reference: string): { kind: 'none' | 'some'; missing: string[] } | undefined {
  const lacks = state.missing[reference];
  if (!lacks || lacks.length === 0) return undefined;
  const wanted = platformsFor(state, reference);
  return { kind: lacks.length >= wanted.length ? 'none' : 'some', missing: lacks };
}

/** Makes the platforms slice, and the check of every resolved row against its chosen platforms (debounced; `now` runs it at once). */
export function createPlatformsSlice(ctx: PrepareContext): { slice: PlatformsSlice; check: { (): void; now(): Promise<void> } } {
  const { api, get, set } = ctx;
  let running: Promise<void> = Promise.resolve();
  let generation = 0;

  const checkPlatforms = async (): Promise<void> => {
    const gen = ++generation;
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
      if (gen !== generation) return;
      const byRef: Record<string, string[]> = {};
      rows.forEach((row, i) => {
        if (missing[i] && missing[i].length > 0) byRef[row.reference] = missing[i];
      });
      set({ missing: byRef, platformError: undefined });
    } catch (error) {
      if (gen === generation) set({ platformError: toSerializedError(error) });
    }
  };
  const later = debounce(ctx.clock, 150, () => {
    running = checkPlatforms();
  });
  const check = Object.assign(() => later(), {
    now: async (): Promise<void> => {
      if (later.pending()) later.now();
      await running;
    },
  });

  const slice: PlatformsSlice = {
    defaultPlatforms: [],
    overrides: {},
    missing: {},
    includeForeignLayers: false,
    allPlatformsRequired: false,
    toggleDefaultPlatform(platform) {
      const current = get().defaultPlatforms;
      set({ defaultPlatforms: current.includes(platform) ? current.filter((p) => p !== platform) : [...current, platform] });
      ctx.platformsChanged();
    },
    setOverride(reference, platforms) {
      const overrides = { ...get().overrides };
      if (platforms === undefined || platforms.length === 0) delete overrides[reference];
      else overrides[reference] = platforms;
      set({ overrides });
      ctx.platformsChanged();
    },
    setIncludeForeignLayers(includeForeignLayers) {
      set({ includeForeignLayers });
      ctx.planChanged();
    },
    setAllPlatformsRequired: (allPlatformsRequired) => set({ allPlatformsRequired }),
  };
  return { slice, check };
}
