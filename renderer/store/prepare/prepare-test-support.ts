// Test support for the Prepare store's tests (not bundled into the app: only *.test.ts files import it).
import type { ApiHandlers } from '../../../electron/engine/api/api-handlers.js';
import { FerryError } from '../../../electron/engine/errors/ferry-error.js';
import type { ImageResolveResult } from '../../../shared/api-contract.js';
import { makeTempDir, removeDir } from '../../../e2e/harness/temp-dir.js';
import { createPrepareStore, type PrepareStore } from '../prepare-store.js';
import { storeTestHost, type StoreTestHost } from '../store-test-host.js';

/** A digest made of one repeated hex character. */
export const digestOf = (c: string): string => `sha256:${c.repeat(64)}`;

/** What image.resolve answers for `reference` publishing `platforms`. */
export function resolved(reference: string, platforms: string[] = ['linux/amd64']): ImageResolveResult {
  return { reference, digest: digestOf('d'), mediaType: 'application/vnd.oci.image.index.v1+json', platforms, compressedSize: 3000, foreignSize: 0 };
}

/** A store on the real API host in this process, with some handlers replaced; `close` ends the host and removes the temp dir. */
export interface PrepareTestRig {
  store: PrepareStore;
  host: StoreTestHost;
  dir: string;
  close(): Promise<void>;
}

/** Makes a {@link PrepareTestRig}. */
export async function prepareRig(handlers: Partial<ApiHandlers> = {}): Promise<PrepareTestRig> {
  const dir = await makeTempDir('prepare-store');
  const host = storeTestHost({ handlers });
  return {
    store: createPrepareStore(host.api),
    host,
    dir,
    close: async () => {
      await host.close();
      await removeDir(dir);
    },
  };
}

/** image.resolve answering at once, each image publishing the platforms given for it (linux/amd64 otherwise). */
export function resolveAtOnce(platforms: Record<string, string[]> = {}): Partial<ApiHandlers> {
  return { 'image.resolve': async ({ reference }) => resolved(reference, platforms[reference]) };
}

/** One lookup the host holds: its reference and whether a cancel reached it. */
interface HeldLookup {
  reference: string;
  cancelRequested: boolean;
  answer(result: ImageResolveResult): void;
  fail(error: FerryError): void;
}

/**
 * image.resolve and image.cancelResolve holding every answer until the test gives it: the host calls in flight are
 * counted (now and at most); a cancel is only noted, and acknowledged when the test says so.
 */
export function heldLookups() {
  const held = new Map<string, HeldLookup>();
  let max = 0;
  const handlers: Partial<ApiHandlers> = {
    'image.resolve': ({ reference, lookupId }) =>
      new Promise<ImageResolveResult>((resolve, reject) => {
        const id = lookupId ?? `anonymous-${held.size}`;
        held.set(id, {
          reference,
          cancelRequested: false,
          answer: (r) => {
            held.delete(id);
            resolve(r);
          },
          fail: (e) => {
            held.delete(id);
            reject(e);
          },
        });
        max = Math.max(max, held.size);
      }),
    'image.cancelResolve': async ({ lookupId }) => {
      const h = held.get(lookupId);
      if (h) h.cancelRequested = true;
      return { cancelled: h !== undefined };
    },
  };
  return {
    handlers,
    /** Host calls not answered yet. */
    inFlight: () => held.size,
    /** The most host calls in flight at once so far. */
    maxInFlight: () => max,
    /** References being looked up on the host, in the order asked. */
    references: () => [...held.values()].map((h) => h.reference),
    /** References whose lookup a cancel reached. */
    cancelRequested: () => [...held.values()].filter((h) => h.cancelRequested).map((h) => h.reference),
    /** Acknowledges every cancel (those lookups answer `cancelled`). */
    ackCancels: () => {
      for (const h of [...held.values()]) if (h.cancelRequested) h.fail(new FerryError('cancelled', 'Lookup cancelled.'));
    },
    /** Answers every lookup not cancelled (each publishing linux/amd64). */
    answerAll: () => {
      for (const h of [...held.values()]) if (!h.cancelRequested) h.answer(resolved(h.reference));
    },
  };
}

/** Lets every pending promise callback and host answer run (timers aside, which tests move with mock.timers). */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Resolves once the store's state satisfies `check` (checked now and on every change: no polling, no clock). */
export function whenState(store: PrepareStore, check: (state: ReturnType<PrepareStore['getState']>) => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (check(store.getState())) return resolve();
    const unsubscribe = store.subscribe((state) => {
      if (!check(state)) return;
      unsubscribe();
      resolve();
    });
  });
}
