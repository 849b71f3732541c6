import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiClient } from '../api/api-client.js';
import { createBuildSlice } from './prepare/build-slice.js';
import { realClock, type Clock, type PrepareContext } from './prepare/context.js';
import { createDeltaSlice } from './prepare/delta-slice.js';
import { createListSlice } from './prepare/list-slice.js';
import type { LookupQueue } from './prepare/lookup-queue.js';
import { createMediaSlice } from './prepare/media-slice.js';
import { persistChanges, readPersisted } from './prepare/persistence.js';
import { createPlatformsSlice } from './prepare/platforms-slice.js';
import type { PrepareState } from './prepare/prepare-state.js';
import { preflight } from './prepare/preflight.js';
import { createSourcesSlice } from './prepare/sources-slice.js';

export type { CarriedSource, HeldSource, PrepareProblem, PrepareState, ProblemField, Resolution, SplitMode } from './prepare/prepare-state.js';
export { LIST_DEBOUNCE_MS, LOGIN_CODES, registryOf } from './prepare/list-slice.js';
export { RESOLVE_CONCURRENCY } from './prepare/lookup-queue.js';
export { PLATFORM_CHOICES, platformIssue, platformsFor } from './prepare/platforms-slice.js';
export { MAX_SOURCES } from './prepare/sources-slice.js';
export { deltaPlanOf } from './prepare/delta-slice.js';
export { carriedReferences, FIT_MAX_PART, fitSplit, preflight } from './prepare/preflight.js';
export { PREPARE_KEY } from './prepare/persistence.js';
export { wordsOf } from './prepare/words.js';

/** Options of {@link createPrepareStore}. */
export interface PrepareStoreOptions {
  /** The timers for the list's pause and the batched checks (tests pass mocked ones). */
  clock?: Clock;
}

/** A Prepare store, and what its tests look at beyond the state. */
export interface PrepareStore extends StoreApi<PrepareState> {
  /** Image lookups sent to the host and not answered yet. */
  lookupsInFlight(): number;
}

/** Makes the Prepare wizard's store on an API client: its slices (list, platforms, sources, delta, build, media) in one state. */
export function createPrepareStore(api: ApiClient, options: PrepareStoreOptions = {}): PrepareStore {
  const remembered = readPersisted();
  let queue: LookupQueue | undefined;
  const store = createStore<PrepareState>()((set, get) => {
    // filled in once the platforms and delta slices exist (the slices call one another only through these)
    const later = { checkPlatforms: (): void => undefined, planDelta: (): void => undefined };
    const ctx: PrepareContext = {
      api,
      clock: options.clock ?? realClock,
      set,
      get,
      rowsChanged: () => {
        later.checkPlatforms();
        later.planDelta();
      },
      platformsChanged: () => {
        later.checkPlatforms();
        later.planDelta();
      },
      planChanged: () => later.planDelta(),
    };
    const list = createListSlice(ctx);
    queue = list.queue;
    const platforms = createPlatformsSlice(ctx);
    later.checkPlatforms = platforms.check;
    const delta = createDeltaSlice(ctx);
    later.planDelta = delta.schedule;
    return {
      ...list.slice,
      ...platforms.slice,
      ...createSourcesSlice(ctx),
      ...delta.slice,
      ...createBuildSlice(ctx, platforms.check.now),
      ...createMediaSlice(ctx),
    };
  });

  // restore the last session's list and options (the list read at once), then remember every change to them
  const { listText, ...kept } = remembered;
  if (Object.keys(remembered).length > 0) {
    store.setState({ ...kept, restored: true });
    if (listText !== undefined) store.getState().setListText(listText, { now: true });
  }
  persistChanges(store);

  // problems shown stay current: each goes as soon as what fixes it is done (no stale "Add at least one image")
  let shown = '';
  store.subscribe((state) => {
    if (state.problems.length === 0 || state.build.status === 'running') {
      shown = '';
      return;
    }
    const now = preflight(state).problems;
    const text = JSON.stringify(now);
    if (shown === '') shown = JSON.stringify(state.problems);
    if (text === shown) return;
    shown = text;
    store.setState({ problems: now });
  });
  return Object.assign(store, { lookupsInFlight: () => queue?.inFlight() ?? 0 });
}
