import type { StoreApi } from 'zustand/vanilla';
import type { ApiClient } from '../../api/api-client.js';
import type { PrepareState } from './prepare-state.js';

/** The timers the store waits with (tests pass node:test's mocked ones; the app the page's). */
export interface Clock {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The page's own timers, looked up at each call (so node:test's mock.timers reach them too). */
export const realClock: Clock = {
  setTimeout: (run, ms) => globalThis.setTimeout(run, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** What every slice of the Prepare store shares: the API, the clock, and the hooks one slice calls on another. */
export interface PrepareContext {
  api: ApiClient;
  clock: Clock;
  set: StoreApi<PrepareState>['setState'];
  get: StoreApi<PrepareState>['getState'];
  /** The rows or what they resolved to changed: check platforms and plan the delta again (debounced). */
  rowsChanged(): void;
  /** The chosen platforms changed: check them again and plan the delta again (debounced). */
  platformsChanged(): void;
  /** The holdings or what the plan depends on changed: plan again (debounced). */
  planChanged(): void;
}

/** A function that runs `run` once, `ms` after its last call (or at once with `now`), on a clock. */
export interface Debounced {
  (): void;
  now(): void;
  cancel(): void;
  pending(): boolean;
}

/** Makes a debounced runner on `clock`. */
export function debounce(clock: Clock, ms: number, run: () => void): Debounced {
  let handle: unknown;
  let armed = false;
  const fire = (): void => {
    armed = false;
    run();
  };
  const schedule = (() => {
    if (armed) clock.clearTimeout(handle);
    armed = true;
    handle = clock.setTimeout(fire, ms);
  }) as Debounced;
  schedule.now = () => {
    if (armed) clock.clearTimeout(handle);
    fire();
  };
  schedule.cancel = () => {
    if (armed) clock.clearTimeout(handle);
    armed = false;
  };
  schedule.pending = () => armed;
  return schedule;
}
