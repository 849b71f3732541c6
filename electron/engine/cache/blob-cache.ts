import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SlotHasher } from '../verify/slot-hasher.js';
import { cacheHasher } from './cache-hasher.js';

/** The default cache folder: `$XDG_CACHE_HOME/ferry` or `~/.cache/ferry`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ferry');
}

/** A blob being added to the cache: bytes go to a temporary file that becomes the entry on commit. */
export interface CacheWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the entry visible; call only after the bytes were verified against the digest. */
  commit(): Promise<void>;
  /** Drops the partial entry. */
  abort(): Promise<void>;
}

/**
 * A content-addressed blob cache (`<dir>/blobs/sha256/<hex>`), so a rerun after an interruption
 * fetches only what is missing. Entries appear only once complete and verified (temp name, then rename),
 * and every entry is verified again each time it is used: the folder is outside Ferry's control.
 * Manifests fetched by digest and configs are kept here too (they are blobs by another name).
 */
export class BlobCache {
  #hasher: SlotHasher | undefined;
  /** Closed: no hashing worker starts any more (a lookup still under way after a failed run must not leave one running). */
  #closed = false;
  #turns: Promise<void> = Promise.resolve();

  private constructor(readonly dir: string) {}

  /** Opens (creating) the cache at `dir`. */
  static async open(dir: string): Promise<BlobCache> {
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    return new BlobCache(dir);
  }

  /** Path of a blob's entry. */
  pathOf(digest: string): string {
    return join(this.dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
  }

  /**
   * The bytes of a small entry (a manifest, a config) of `size` bytes (unknown: any size up to `limit`), verified
   * against its digest here and now; undefined when the cache lacks it, and a damaged entry is dropped.
   */
  async readVerified(digest: string, size: number | undefined, limit = 4 * 1024 * 1024): Promise<Buffer | undefined> {
    if (!/^sha256:[0-9a-f]{64}$/.test(digest) || (size !== undefined && size > limit)) return undefined;
    let bytes: Buffer | undefined;
    try {
      bytes = this.readSmallSync(digest, size, limit);
    } catch {
      // unreadable: treated as missing (fetched afresh)
    }
    if (bytes === undefined) return undefined;
    if (createHash('sha256').update(bytes).digest('hex') === digest.slice(7)) {
      // a warm cache: blobs will likely be copied from it too, so the hashing worker boots now, while the run still
      // waits on the registry, rather than when the copying starts
      if (!this.#closed) this.startHasher();
      return bytes;
    }
    await this.remove(digest);
    return undefined;
  }

  /**
   * Opens an entry for reading when it is a regular file of exactly `size` bytes (when known) and at most `limit`,
   * checked on the open descriptor (so what is read is what was checked); undefined otherwise. Synchronous: a local
   * open and fstat cost less than two round trips through libuv's thread pool, which thousands of small blobs would
   * pay, and they tell a miss before any turn is waited for. Non-blocking, so a FIFO put in an entry's place cannot
   * hang it. The caller closes the descriptor (`closeSync`).
   */
  openEntry(digest: string, size: number | undefined, limit = Infinity): { fd: number; size: number } | undefined {
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) return undefined;
    let fd: number;
    try {
      fd = openSync(this.pathOf(digest), constants.O_RDONLY | constants.O_NONBLOCK);
    } catch {
      return undefined;
    }
    try {
      const s = fstatSync(fd);
      if (s.isFile() && s.size <= limit && (size === undefined || s.size === size)) return { fd, size: s.size };
    } catch {
      // not usable
    }
    closeSync(fd);
    return undefined;
  }

  private readSmallSync(digest: string, size: number | undefined, limit: number): Buffer | undefined {
    const entry = this.openEntry(digest, size, limit);
    if (!entry) return undefined;
    try {
      const bytes = Buffer.allocUnsafe(entry.size);
      return bytes.subarray(0, readFullySync(entry.fd, bytes, entry.size, 0));
    } finally {
      closeSync(entry.fd);
    }
  }

  /** Adds small bytes (a manifest, a config) under their digest; they are hashed here, so only matching bytes are kept. A failure only means no entry. */
  async put(digest: string, bytes: Uint8Array): Promise<void> {
    if (!/^sha256:[0-9a-f]{64}$/.test(digest) || createHash('sha256').update(bytes).digest('hex') !== digest.slice(7)) return;
    const writer = await this.beginWrite(digest).catch(() => undefined);
    if (!writer) return;
    try {
      await writer.write(bytes);
      await writer.commit();
    } catch {
      await writer.abort();
    }
  }

  /** The shared buffers and hashing worker cached blobs are copied through (started on first use, stopped by {@link close}). */
  get hasher(): SlotHasher {
    return this.startHasher();
  }

  private startHasher(): SlotHasher {
    if (this.#closed) throw new Error('the blob cache is closed');
    this.#hasher ??= cacheHasher();
    return this.#hasher;
  }

  /**
   * Waits for this caller's turn to copy a large blob out of the cache, and answers the function that ends it (a copy
   * ends its turn once its last chunk is read, so the next one's reads overlap its last write and hash). Copies
   * go one at a time in the order asked (the archive's order): the hashing worker is their limit, not the reads, and
   * a blob finished early lets the archive's trailing hasher start early, where eight interleaved copies would each
   * finish late.
   */
  takeTurn(): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const before = this.#turns;
    this.#turns = before.then(() => mine);
    return before.then(() => release);
  }

  /** Removes an entry (e.g. one found corrupt). */
  async remove(digest: string): Promise<void> {
    await rm(this.pathOf(digest), { force: true });
  }

  /** Starts adding a blob. */
  async beginWrite(digest: string): Promise<CacheWriter> {
    const final = this.pathOf(digest);
    const temp = `${final}.tmp-${randomBytes(6).toString('hex')}`;
    const fh: FileHandle = await open(temp, 'w', 0o644);
    let closed = false;
    const close = async (): Promise<void> => {
      if (!closed) {
        closed = true;
        await fh.close();
      }
    };
    return {
      async write(chunk) {
        let done = 0;
        while (done < chunk.length) done += (await fh.write(chunk, done, chunk.length - done)).bytesWritten;
      },
      async commit() {
        await close();
        await rename(temp, final);
      },
      async abort() {
        await close().catch(() => {});
        await rm(temp, { force: true });
      },
    };
  }

  /** Stops the hashing worker, if one was started. */
  async close(): Promise<void> {
    this.#closed = true;
    const hasher = this.#hasher;
    this.#hasher = undefined;
    await hasher?.close();
  }
}

/** Reads up to `length` bytes at `position` into the start of `into`; answers how many (fewer at the end of the file). */
export function readFullySync(fd: number, into: Buffer, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, into, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}
