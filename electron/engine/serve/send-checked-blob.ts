import type { Writable } from 'node:stream';
import { FerryError } from '../errors/ferry-error.js';
import { parseDigest } from '../oci/digest.js';
import { blobChangedError } from './digest-checked-stream.js';
import type { HashWorkerPool } from './hash-worker-pool.js';
import type { SharedSlotPool } from './shared-slot-pool.js';

/** Chunks of one blob in flight at once (read ahead, being hashed, being written): four of the pool's slots. */
const DEPTH = 4;

/** What {@link sendCheckedBlob} sends, from where, to whom. */
export interface SendCheckedBlobOptions {
  /** `sha256:<hex>` (or `sha512:<hex>`): what the whole must hash to. */
  digest: string;
  /** How many bytes the whole has. */
  size: number;
  /** Where the bytes are read from, for the error: `the bundle at /media/stick`. */
  source: string;
  /** Reads up to `length` bytes of the blob at `position` into `target` (fewer only at its end); the count read. */
  read(target: Buffer, position: number, length: number): Promise<number>;
  /** Where the bytes go (an HTTP response whose headers carry the `Content-Length`); ended once all are sent. */
  out: Writable;
  /** Hashes the chunks off the main thread. */
  hashers: HashWorkerPool;
  /**
   * Given when the blob was proven whole before from files that still had the same identity (see `VerifiedBlobs`): it
   * is sent unhashed, and its last chunk goes out only once `unchanged` says those files still have that identity.
   */
  proven?: { unchanged: () => Promise<boolean> };
  /** The reused buffers the chunks are read into. */
  slots: SharedSlotPool;
  /** Aborted when the client goes away: stops reading and waiting. */
  signal: AbortSignal;
}

/**
 * Sends a whole blob checked against its digest, with the main thread left to read and write: each chunk is read into
 * a reused shared buffer, then hashed by a worker thread while the same bytes are written to `out` (no copy, no
 * allocation); the last chunk is held back until the digest of everything matches, so `out` is never ended on wrong
 * or missing bytes. A blob `proven` before takes the same path unhashed, its last chunk held back until its files are
 * found unchanged. Rejects with a `damaged` error (the bytes no longer match, or end early, or the files changed)
 * before the last chunk is written; the caller cuts the response short. At most {@link DEPTH} chunks are in flight: a
 * slow client holds the reads back (each slot is reused only once written and hashed).
 */
export async function sendCheckedBlob(options: SendCheckedBlobOptions): Promise<void> {
  const { digest, size, source, read, out, hashers, slots, signal, proven } = options;
  const parsed = parseDigest(digest);
  if (!parsed) throw new FerryError('bad-usage', `${digest} is not a sha256 or sha512 digest.`, { subject: digest });
  signal.throwIfAborted();
  const job = proven ? undefined : hashers.open(parsed.algorithm);
  const ring: { slot: ReturnType<SharedSlotPool['take']>; busy?: Promise<unknown> }[] = [];
  let position = 0;
  let sent = false;
  try {
    for (let k = 0; position < size; k++) {
      let entry = ring[k % DEPTH];
      if (!entry) ring.push((entry = { slot: slots.take() }));
      else if (entry.busy) await untilAborted(entry.busy, signal);
      const n = await read(entry.slot.bytes, position, Math.min(entry.slot.bytes.length, size - position));
      signal.throwIfAborted();
      if (n <= 0) throw blobChangedError(digest, source, `ends after ${position} of its ${size} bytes`);
      position += n;
      const hashed = job && quiet(job.update(entry.slot.shared, n));
      if (position === size) {
        // the last chunk goes out only once everything hashes to the digest (or, proven before, its files are unchanged)
        if (!job) {
          if (!(await untilAborted(proven!.unchanged(), signal))) throw blobChangedError(digest, source, 'changed on the media while it was sent');
        } else {
          const actual = await untilAborted(job.digest(), signal);
          if (actual !== parsed.hex) throw blobChangedError(digest, source, `no longer matches its digest (it hashes to ${parsed.algorithm}:${actual})`);
        }
      }
      const written = writeChunk(out, entry.slot.bytes.subarray(0, n));
      entry.busy = hashed ? quiet(Promise.all([hashed, written])) : quiet(written);
    }
    if (size === 0 && job) {
      // nothing to send, but the digest must still be the empty one
      const actual = await untilAborted(job.digest(), signal);
      if (actual !== parsed.hex) throw blobChangedError(digest, source, `no longer matches its digest (it hashes to ${parsed.algorithm}:${actual})`);
    }
    out.end();
    sent = true;
  } finally {
    if (!sent) job?.discard();
    // slots go back once nothing reads them any more; after a failure they are left to the garbage collector
    else void Promise.all(ring.map((e) => e.busy)).then(() => ring.forEach((e) => slots.give(e.slot)), () => undefined);
  }
}

/** Writes a chunk; resolves once the stream has handed it on (the buffer may then be reused). */
function writeChunk(out: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}

/** The promise, with its rejection marked handled (it is awaited later, or not at all once the request failed). */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** The promise's outcome, or the signal's reason once it aborts first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
