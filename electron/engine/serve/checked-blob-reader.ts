import { createHash } from 'node:crypto';
import { Writable, type Readable } from 'node:stream';
import type { ArchiveView } from './bundle-set.js';
import { FerryError, isAbortError } from '../errors/ferry-error.js';
import { parseDigest } from '../oci/digest.js';
import { HashWorkerPool } from './hash-worker-pool.js';
import { sendCheckedBlob } from './send-checked-blob.js';
import { SharedSlotPool } from './shared-slot-pool.js';
import { VerifiedBlobs } from './verified-blobs.js';

/** Size of each reused read buffer of {@link CheckedBlobReader.sendWhole}. */
const SLOT_SIZE = 1024 * 1024;
/** Idle read buffers kept for reuse between blobs (16 MiB: four blobs at once at full depth never allocate). */
const IDLE_SLOTS = 16;

/** What a {@link CheckedBlobReader} reads from. */
export interface CheckedBlobReaderOptions {
  /** The verified bundle's archive (or several bundles' served as one). */
  archive: ArchiveView;
  /** The blobs proven whole so far, with their files' identity (default: a new, empty memo). */
  verified?: VerifiedBlobs;
}

/**
 * A served bundle's manifests and blobs, checked against their digests when they are read, because the media may
 * change after verification (a stick swapped, a file rewritten): a manifest is read whole and checked before a byte is
 * sent; a whole blob is hashed as it streams (its last chunk held back until it matches) until it has been proven once,
 * and then, while the files its bytes lie in keep the identity they had (see {@link VerifiedBlobs}), sent unhashed, its
 * last chunk held back until they are found unchanged; a range is served only from a blob so proven.
 */
export class CheckedBlobReader {
  readonly #archive: ArchiveView;
  /** Blobs read whole and found to match, with the identity of their files. */
  readonly #verified: VerifiedBlobs;
  /** Whole-blob checks under way, shared by the range requests waiting on them. */
  readonly #pending = new Map<string, Promise<void>>();
  /** Aborted by {@link close}: ends the checks no single request owns. */
  readonly #closing = new AbortController();
  /** Hash whole blobs being sent, off the main thread. */
  readonly #hashers = new HashWorkerPool();
  readonly #slots = new SharedSlotPool(SLOT_SIZE, IDLE_SLOTS);

  constructor(options: CheckedBlobReaderOptions) {
    this.#archive = options.archive;
    this.#verified = options.verified ?? new VerifiedBlobs();
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
   * Sends a whole blob to `out` (then ends it): hashed on a worker thread as it goes, its last chunk held back until the
   * digest matches (see {@link sendCheckedBlob}), and remembered once it does; or, proven before from files that still
   * have the same identity, unhashed, its last chunk held back until they are found unchanged. Rejects (`damaged`)
   * without ending `out` when the bytes do not match or the files changed while sent (the proof is then forgotten).
   */
  async sendWhole(digest: string, out: Writable, options: { signal: AbortSignal }): Promise<void> {
    const blob = this.#require(digest);
    const identify = () => this.#verified.identify(() => this.#archive.statBlobFiles(digest));
    const identity = await identify();
    const send = (proven?: { unchanged: () => Promise<boolean> }): Promise<void> =>
      sendCheckedBlob({
        digest,
        size: blob.size,
        source: this.#sourceOf(digest),
        read: (target, position, length) => this.#archive.readBlobInto(digest, target, position, length),
        out,
        hashers: this.#hashers,
        slots: this.#slots,
        signal: options.signal,
        ...(proven ? { proven } : {}),
      });
    /** A request stopped, not a mismatch: the proof stands. */
    const stopped = (error: unknown): boolean => isAbortError(error) || options.signal.aborted;
    if (!this.#verified.trusts(digest, identity)) return this.#verified.prove(digest, identity, () => send(), stopped);
    try {
      await send({ unchanged: async () => (await identify()).key === identity.key });
    } catch (error) {
      if (!stopped(error)) this.#verified.forget(digest);
      throw error;
    }
  }

  /**
   * The bytes `[start, end)` of a blob, once the whole blob has been proven to match its digest (once while its files
   * keep their identity; concurrent requests share one check). Rejects (`damaged`) when it does not.
   */
  async openRange(digest: string, range: { start: number; end: number; signal?: AbortSignal }): Promise<Readable> {
    await this.verifyWhole(digest, range.signal);
    return this.#archive.openBlob(digest, range);
  }

  /** Proves a whole blob matches its digest (read and hashed unless already proven from files still unchanged); remembered when it does. */
  async verifyWhole(digest: string, signal?: AbortSignal): Promise<void> {
    this.#require(digest);
    if (this.#verified.trusts(digest, await this.#verified.identify(() => this.#archive.statBlobFiles(digest)))) return;
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
