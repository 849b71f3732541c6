import { createHash } from 'node:crypto';
import { Writable, type Readable } from 'node:stream';
import type { ArchiveView } from './bundle-set.js';
import { FerryError, isAbortError } from '../errors/ferry-error.js';
import { parseDigest } from '../oci/digest.js';
import { HashWorkerPool } from './hash-worker-pool.js';
import { sendCheckedBlob } from './send-checked-blob.js';
import { SharedSlotPool } from './shared-slot-pool.js';

/** Size of each reused read buffer of {@link CheckedBlobReader.sendWhole}. */
const SLOT_SIZE = 1024 * 1024;
/** Idle read buffers kept for reuse between blobs (16 MiB: four blobs at once at full depth never allocate). */
const IDLE_SLOTS = 16;

/** What a {@link CheckedBlobReader} reads from. */
export interface CheckedBlobReaderOptions {
  /** The verified bundle's archive (or several bundles' served as one). */
  archive: ArchiveView;
}

/**
 * A served bundle's manifests and blobs, checked against their digests every time they are read, because the media
 * may change after verification (a stick swapped, a file rewritten): a manifest is read whole and checked before a
 * byte is sent; a whole blob is checked as it streams (its last chunk held back until it matches); a range is served
 * only from a blob verified whole once (remembered for the life of the reader).
 */
export class CheckedBlobReader {
  readonly #archive: ArchiveView;
  /** Blobs read whole and found to match since the server started. */
  readonly #verified = new Set<string>();
  /** Whole-blob checks under way, shared by the range requests waiting on them. */
  readonly #pending = new Map<string, Promise<void>>();
  /** Aborted by {@link close}: ends the checks no single request owns. */
  readonly #closing = new AbortController();
  /** Hash whole blobs being sent, off the main thread. */
  readonly #hashers = new HashWorkerPool();
  readonly #slots = new SharedSlotPool(SLOT_SIZE, IDLE_SLOTS);

  constructor(options: CheckedBlobReaderOptions) {
    this.#archive = options.archive;
  }

  /** The bundle's folders, as messages name them. */
  get source(): string {
    return `the bundle at ${this.#archive.dirs.join(', ')}`;
  }

  /** The bundle a blob is read from, as messages name it. */
  #sourceOf(digest: string): string {
    return this.#archive.sourceOf?.(digest) ?? this.source;
  }

  /** A whole manifest (bounded by the archive's in-memory cap), checked against its digest; `damaged` when it differs. */
  async readManifest(digest: string): Promise<Buffer> {
    const parsed = parseDigest(digest);
    if (!parsed) throw new FerryError('bad-usage', `${digest} is not a sha256 or sha512 digest.`, { subject: digest });
    const bytes = await this.#archive.readBlob(digest);
    const actual = createHash(parsed.algorithm).update(bytes).digest('hex');
    if (actual !== parsed.hex) {
      throw new FerryError('damaged', `Manifest ${digest} in ${this.#sourceOf(digest)} no longer matches its digest (it hashes to ${parsed.algorithm}:${actual}): the media changed after verification; it was not served.`, {
        subject: digest,
      });
    }
    return bytes;
  }

  /**
   * Sends a whole blob to `out` (then ends it), hashed on a worker thread as it goes, its last chunk held back until the
   * digest matches (see {@link sendCheckedBlob}); rejects (`damaged`) without ending `out` when it does not.
   */
  async sendWhole(digest: string, out: Writable, options: { signal: AbortSignal }): Promise<void> {
    const blob = this.#require(digest);
    try {
      await sendCheckedBlob({
        digest,
        size: blob.size,
        source: this.#sourceOf(digest),
        read: (target, position, length) => this.#archive.readBlobInto(digest, target, position, length),
        out,
        hashers: this.#hashers,
        slots: this.#slots,
        signal: options.signal,
      });
    } catch (error) {
      if (!isAbortError(error) && !options.signal.aborted) this.#verified.delete(digest);
      throw error;
    }
    this.#verified.add(digest);
  }

  /**
   * The bytes `[start, end)` of a blob, once the whole blob has been read and found to match its digest (at most once
   * per blob for the life of the reader; concurrent requests share one check). Rejects (`damaged`) when it does not.
   */
  async openRange(digest: string, range: { start: number; end: number; signal?: AbortSignal }): Promise<Readable> {
    await this.verifyWhole(digest, range.signal);
    return this.#archive.openBlob(digest, range);
  }

  /** Reads a whole blob once to prove it matches its digest; remembered when it does. */
  async verifyWhole(digest: string, signal?: AbortSignal): Promise<void> {
    if (this.#verified.has(digest)) return;
    let pending = this.#pending.get(digest);
    if (!pending) {
      // read and hashed as a whole GET is, the bytes going nowhere
      const nowhere = new Writable({ write: (_chunk: Buffer, _encoding, callback) => callback() });
      pending = this.sendWhole(digest, nowhere, { signal: this.#closing.signal }).finally(() => this.#pending.delete(digest));
      this.#pending.set(digest, pending);
    }
    if (!signal) return pending;
    signal.throwIfAborted();
    // a request that goes away stops waiting; the check itself runs on for the others
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Stops the checks under way and the hashing workers (the server is closing). */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.#hashers.close();
  }

  #require(digest: string): { size: number } {
    const blob = this.#archive.blob(digest);
    if (!blob) throw new FerryError('not-found', `${this.#sourceOf(digest)} does not hold blob ${digest}.`, { subject: digest });
    return blob;
  }
}
