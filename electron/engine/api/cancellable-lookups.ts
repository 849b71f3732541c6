import { FerryError } from '../errors/ferry-error.js';

/** How many cancels for lookups not started yet are remembered (a cancel may overtake its lookup on the wire). */
const EARLY_CANCELS = 1000;

/** The live lookups a caller can stop by id (`image.resolve` with `lookupId`, `image.cancelResolve`). */
export interface CancellableLookups {
  /** Runs `lookup` with a signal that `cancel(id)` aborts; a lookup cancelled, before or while it runs, fails `cancelled`. */
  run<T>(id: string | undefined, lookup: (signal: AbortSignal | undefined) => Promise<T>): Promise<T>;
  /** Stops the lookup with this id; true when one was running. */
  cancel(id: string): boolean;
}

/** The error a stopped lookup answers with. */
const cancelled = (): FerryError => new FerryError('cancelled', 'Lookup cancelled.');

/** Makes the registry of cancellable lookups for one API host. */
export function createCancellableLookups(): CancellableLookups {
  const running = new Map<string, AbortController>();
  const early = new Set<string>();
  return {
    async run(id, lookup) {
      if (id === undefined) return lookup(undefined);
      if (early.delete(id)) throw cancelled();
      const controller = new AbortController();
      running.set(id, controller);
      // answer `cancelled` as soon as the cancel comes, even where a step of the lookup does not stop at once
      // (a shared endpoint probe): the lookup itself still gets the signal
      const stopped = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(cancelled()), { once: true }));
      const work = lookup(controller.signal);
      work.catch(() => undefined);
      stopped.catch(() => undefined);
      try {
        return await Promise.race([work, stopped]);
      } catch (error) {
        if (controller.signal.aborted) throw cancelled();
        throw error;
      } finally {
        if (running.get(id) === controller) running.delete(id);
      }
    },
    cancel(id) {
      const controller = running.get(id);
      if (controller) {
        controller.abort(cancelled());
        return true;
      }
      early.add(id);
      if (early.size > EARLY_CANCELS) early.delete(early.values().next().value as string);
      return false;
    },
  };
}
