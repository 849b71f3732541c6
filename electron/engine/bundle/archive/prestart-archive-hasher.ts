import { Worker } from 'node:worker_threads';
import { HASH_WORKER_SOURCE } from './hash-worker-source.js';

/**
 * The archive hash worker booted before its parts are known: it waits for one message carrying what would have been
 * its `workerData`, then runs {@link HASH_WORKER_SOURCE} as a worker started with it would.
 */
const WAITING_SOURCE = `
const threads = require('node:worker_threads');
threads.parentPort.once('message', (message) => {
  threads.workerData = message.workerData;
  new Function('require', ${JSON.stringify(HASH_WORKER_SOURCE)})(require);
});
`;

let early: { worker: Worker; failed: boolean } | undefined;

/**
 * Boots the archive's hashing thread ahead of need: `ferry bundle` calls it first thing, so the thread boots (tens of
 * milliseconds of Node start-up) on the idle core while the command's modules load and the images are resolved, and
 * the archive hash can follow the very first bytes written. Unused, it keeps no process alive.
 */
export function prestartArchiveHasher(): void {
  if (early) return;
  const started = { worker: new Worker(WAITING_SOURCE, { eval: true }), failed: false };
  started.worker.unref();
  started.worker.once('error', () => (started.failed = true));
  started.worker.once('exit', () => (started.failed = true));
  early = started;
}

/** The worker started ahead of need, now given its `workerData`; undefined when there is none (or it failed). */
export function takePrestartedArchiveHasher(workerData: unknown): Worker | undefined {
  const started = early;
  early = undefined;
  if (!started) return undefined;
  if (started.failed) {
    void started.worker.terminate();
    return undefined;
  }
  started.worker.ref();
  started.worker.postMessage({ workerData });
  return started.worker;
}
