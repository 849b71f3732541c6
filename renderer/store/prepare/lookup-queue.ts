import { toSerializedError } from '../../api/api-call-error.js';
import type { PrepareContext } from './context.js';
import type { Resolution } from './prepare-state.js';
import { wordsOf } from './words.js';

/** How many images resolve at once. */
export const RESOLVE_CONCURRENCY = 4;

/** The live lookups of the image rows: at most {@link RESOLVE_CONCURRENCY} host calls at once, superseded ones cancelled on the host. */
export interface LookupQueue {
  /** Starts lookups of pending rows while slots are free. */
  pump(): void;
  /** Stops the lookups of these rows (removed, or about to be looked up again); their slots free when the host answers. */
  cancel(references: Iterable<string>): void;
  /** Host calls not answered yet (running, or cancelled and not yet acknowledged). */
  inFlight(): number;
}

/** Makes the lookup queue of one Prepare store. */
export function createLookupQueue(ctx: PrepareContext): LookupQueue {
  const { api, get, set } = ctx;
  /** Row → the id of its current lookup (one whose answer is still wanted). */
  const current = new Map<string, string>();
  let slots = 0;
  let next = 0;
  const prefix = Math.random().toString(36).slice(2, 10);

  const setResolution = (reference: string, resolution: Resolution): void => set((s) => ({ resolutions: { ...s.resolutions, [reference]: resolution } }));

  const start = (reference: string): void => {
    const lookupId = `${prefix}-${++next}`;
    current.set(reference, lookupId);
    slots++;
    setResolution(reference, { status: 'resolving' });
    const hosts = wordsOf(get().insecureText);
    api
      .call('image.resolve', { reference, lookupId, ...(hosts.length > 0 ? { insecureRegistries: hosts } : {}) })
      .then(
        (result): Resolution => ({ status: 'ok', result }),
        (error: unknown): Resolution => ({ status: 'error', error: toSerializedError(error) }),
      )
      .then((resolution) => {
        // the slot frees only now: the host finished, or acknowledged the cancel
        slots--;
        if (current.get(reference) === lookupId) {
          current.delete(reference);
          if (get().resolutions[reference]) {
            setResolution(reference, resolution);
            ctx.rowsChanged();
          }
        }
        pump();
      });
  };

  const pump = (): void => {
    const { references, resolutions } = get();
    for (const reference of references) {
      if (slots >= RESOLVE_CONCURRENCY) return;
      if (resolutions[reference]?.status === 'pending' && !current.has(reference)) start(reference);
    }
  };

  return {
    pump,
    cancel(references) {
      for (const reference of references) {
        const lookupId = current.get(reference);
        if (lookupId === undefined) continue;
        current.delete(reference);
        void api.call('image.cancelResolve', { lookupId }).catch(() => undefined);
      }
    },
    inFlight: () => slots,
  };
}
