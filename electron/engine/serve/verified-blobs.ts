import type { BigIntStats } from 'node:fs';

/** Blobs remembered at most (a small record each); past it the oldest proof is dropped (that blob is hashed again). */
const MAX_ENTRIES = 100_000;
/**
 * A file changed less than this before its identity was taken is not trusted by it: a change in the same timestamp
 * tick would leave the identity as it was (as git's "racily clean" entries). 2 s is FAT's mtime step; the rest covers
 * the coarse clock the kernel stamps files with.
 */
const RACY_WINDOW_MS = 3_000;

/** The identity of the files a blob's bytes lie in, taken (by fstat of the open handles) before they are read. */
export interface BlobFilesIdentity {
  /** Device, inode, size, mtime and ctime (ns) of each file, in order. */
  key: string;
  /** One of the files changed too recently (or stamps a time ahead of the clock) for its identity to prove anything. */
  racy: boolean;
}

/** Options for {@link VerifiedBlobs}. */
export interface VerifiedBlobsOptions {
  /** The wall clock, milliseconds since the epoch (default `Date.now`); tests move it on instead of waiting. */
  now?: () => number;
  /** Most blobs remembered (default 100 000). */
  maxEntries?: number;
}

/**
 * The blobs a server has proven whole against their digest, each with the identity of the files its bytes came from
 * (device, inode, size, mtime and ctime in ns, from fstat of the open handles): while those files keep that identity
 * the blob is sent without hashing, as a registry trusts content it has proven once. A different identity forgets the
 * proof (the blob is hashed again); a blob that fails its check is never remembered; a file changed within
 * {@link RACY_WINDOW_MS} of its identity being taken is never trusted by it. Lives as long as the server.
 */
export class VerifiedBlobs {
  readonly #now: () => number;
  readonly #max: number;
  readonly #proofs = new Map<string, string>();
  #hashed = 0;
  #trusted = 0;

  constructor(options: VerifiedBlobsOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#max = Math.max(1, options.maxEntries ?? MAX_ENTRIES);
  }

  /** Whole blobs hashed to prove them so far (first sends, files that changed, racy files). */
  get hashed(): number {
    return this.#hashed;
  }

  /** Blob reads (whole sends and ranges) trusted from a proof so far, unhashed. */
  get trusted(): number {
    return this.#trusted;
  }

  /** How many blobs are remembered. */
  get size(): number {
    return this.#proofs.size;
  }

  /** The identity of `files` (fstat with `bigint: true` of each file holding the blob, in order), taken now. */
  async identify(files: () => Promise<BigIntStats[]>): Promise<BlobFilesIdentity> {
    // the clock is read before the files: a change after it stamps a later time than anything older than the window
    const takenAt = BigInt(Math.floor(this.#now())) * 1_000_000n;
    const window = BigInt(RACY_WINDOW_MS) * 1_000_000n;
    const stats = await files();
    const racy = stats.some((s) => takenAt - s.mtimeNs < window || takenAt - s.ctimeNs < window);
    return { key: stats.map((s) => `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`).join('|'), racy };
  }

  /** True when `digest` was proven from files that still have this identity (counted as trusted); a stale proof is forgotten. */
  trusts(digest: string, identity: BlobFilesIdentity): boolean {
    const known = this.#proofs.get(digest);
    if (known === undefined) return false;
    if (known !== identity.key || identity.racy) {
      this.#proofs.delete(digest);
      return false;
    }
    this.#trusted++;
    return true;
  }

  /**
   * Proves `digest` by `check` (which hashes the whole blob, read after `identity` was taken, and rejects when it does
   * not match), counted as hashed; remembered once it resolves, unless `identity` is racy. A rejection forgets any
   * earlier proof, except when `kept(error)` says the check merely stopped (a client went away).
   */
  async prove(digest: string, identity: BlobFilesIdentity, check: () => Promise<void>, kept: (error: unknown) => boolean = () => false): Promise<void> {
    this.#hashed++;
    try {
      await check();
    } catch (error) {
      if (!kept(error)) this.#proofs.delete(digest);
      throw error;
    }
    if (identity.racy) return;
    this.#proofs.delete(digest);
    if (this.#proofs.size >= this.#max) this.#proofs.delete(this.#proofs.keys().next().value!);
    this.#proofs.set(digest, identity.key);
  }

  /** Forgets the proof of `digest` (its bytes were found changed). */
  forget(digest: string): void {
    this.#proofs.delete(digest);
  }
}
