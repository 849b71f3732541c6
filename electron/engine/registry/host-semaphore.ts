import { abortError } from './abort.js';

/** Releases a slot taken from a HostSemaphore; calling it more than once is harmless. */
export type ReleaseSlot = () => void;

interface Waiter {
  grant: (release: ReleaseSlot) => void;
}

interface HostState {
  active: number;
  waiters: Waiter[];
}

/** Limits how many operations run at once against each host; waiters are served first come, first served. */
export class HostSemaphore {
  readonly #limit: number;
  readonly #hosts = new Map<string, HostState>();

  constructor(limit: number) {
    this.#limit = Math.max(1, Math.floor(limit));
  }

  /** Waits for a free slot on `host`; rejects with the abort error if the signal fires first. */
  acquire(host: string, signal?: AbortSignal): Promise<ReleaseSlot> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const state = this.#state(host);
    if (state.active < this.#limit) {
      state.active++;
      return Promise.resolve(this.#releaser(host, state));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      const onAbort = (): void => {
        const index = state.waiters.indexOf(waiter);
        if (index >= 0) state.waiters.splice(index, 1);
        reject(abortError(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      state.waiters.push(waiter);
    });
  }

  /**
   * Takes a slot on `host` only when one is free and nobody waits for it (idle capacity); undefined otherwise. For
   * optional extra work (parallel ranges of a blob) that must never hold back the operations queued behind it.
   */
  tryAcquire(host: string): ReleaseSlot | undefined {
    const state = this.#state(host);
    if (state.active >= this.#limit || state.waiters.length > 0) {
      if (state.active === 0) this.#hosts.delete(host);
      return undefined;
    }
    state.active++;
    return this.#releaser(host, state);
  }

  /** Whether `host` has a free slot that nobody waits for. */
  idle(host: string): boolean {
    const state = this.#hosts.get(host);
    return !state || (state.active < this.#limit && state.waiters.length === 0);
  }

  /** How many slots are in use on `host` (for tests and diagnostics). */
  active(host: string): number {
    return this.#hosts.get(host)?.active ?? 0;
  }

  #state(host: string): HostState {
    let state = this.#hosts.get(host);
    if (!state) {
      state = { active: 0, waiters: [] };
      this.#hosts.set(host, state);
    }
    return state;
  }

  #releaser(host: string, state: HostState): ReleaseSlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = state.waiters.shift();
      if (next) {
        next.grant(this.#releaser(host, state));
        return;
      }
      state.active--;
      if (state.active === 0) this.#hosts.delete(host);
    };
  }
}
