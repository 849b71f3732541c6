import { createHash } from 'node:crypto';
import { closeSync, read } from 'node:fs';
import { promisify } from 'node:util';
import { readFullySync, type BlobCache } from './blob-cache.js';

const readAt = promisify(read);

/**
 * Blobs up to this size are read, hashed and written right here, synchronously, when the target can write
 * synchronously: hashing 256 KiB takes about as long as a message to the hashing worker and its reply (a config or a
 * small layer costs the main thread less this way, and thousands of them never wait on the worker).
 */
const INLINE_MAX = 256 * 1024;
/** The one buffer inline copies read into (each copy is synchronous from its read to its write). */
let inlineBuffer: Buffer | undefined;

/** Where a cached blob's bytes go: the archive (or anything written at offsets). */
export interface BlobTarget {
  write(data: Uint8Array, offset: number): Promise<void>;
  /** Writes all of `data` at `offset` synchronously (for small blobs: cheaper than a trip through the thread pool). */
  writeSync?(data: Uint8Array, offset: number): void;
}

/** What copying a cached blob needs. */
export interface CopyCachedBlobOptions {
  signal?: AbortSignal;
  /** Bytes landed (taken back with a negative count when the entry turns out damaged). */
  onBytes?: (bytes: number) => void;
}

/** How a cached copy went: `missing` (no usable entry: nothing written), `copied` (verified) or `damaged` (dropped; fetch afresh). */
export type CachedCopy = 'missing' | 'copied' | 'damaged';

let nextFile = 0;

/**
 * Copies a cached blob to `offset` in `target`, verified against its digest: each chunk is read once into a shared
 * slot of the cache's {@link BlobCache.hasher}, hashed there by its worker thread while the main thread writes the
 * same slot out (one read ahead of the write); the last chunk's reply carries the digest. A blob of at most 256 KiB
 * (a config, a small layer) is read, hashed and written here in one synchronous step when the target can write
 * synchronously; one that fits a slot is read with one synchronous read (a local file, in the page cache: cheaper than
 * a round trip through libuv's thread pool); larger ones are copied one at a time in the order asked
 * ({@link BlobCache.takeTurn}). Either way the bytes written are the bytes hashed. A damaged
 * entry (short, or another sha256) is removed and its bytes taken back through `onBytes`, so the caller can fetch
 * the blob afresh over them. A miss costs one `open`, and starts no worker.
 */
export async function copyCachedBlob(cache: BlobCache, digest: string, size: number, target: BlobTarget, offset: number, options: CopyCachedBlobOptions = {}): Promise<CachedCopy> {
  options.signal?.throwIfAborted();
  const entry = cache.openEntry(digest, size);
  if (!entry) return 'missing';
  let copy: { landed: number; sha256: string | undefined };
  try {
    if (size <= INLINE_MAX && target.writeSync) copy = copyInline(entry.fd, size, target.writeSync.bind(target), offset, options);
    else if (size <= cache.hasher.slotSize) copy = await copySmall(cache, entry.fd, size, target, offset, options);
    else {
      const endTurn = await cache.takeTurn();
      try {
        copy = await copyLarge(cache, entry.fd, size, target, offset, options, endTurn);
      } finally {
        endTurn();
      }
    }
  } finally {
    closeSync(entry.fd);
  }
  if (copy.sha256 === digest.slice('sha256:'.length)) return 'copied';
  options.onBytes?.(-copy.landed);
  await cache.remove(digest);
  return 'damaged';
}

/** A small blob in one synchronous step: read, hashed and written from the same buffer. */
function copyInline(fd: number, size: number, writeSync: (data: Uint8Array, offset: number) => void, offset: number, options: CopyCachedBlobOptions): { landed: number; sha256: string | undefined } {
  inlineBuffer ??= Buffer.allocUnsafe(INLINE_MAX);
  const bytes = inlineBuffer.subarray(0, readFullySync(fd, inlineBuffer, size, 0));
  const sha256 = bytes.length === size ? createHash('sha256').update(bytes).digest('hex') : undefined;
  writeSync(bytes, offset);
  options.onBytes?.(bytes.length);
  // an entry that shrank after it was opened is damaged
  return { landed: bytes.length, sha256 };
}

/** One slot: one read, one message to the worker and its reply, one write. */
async function copySmall(cache: BlobCache, fd: number, size: number, target: BlobTarget, offset: number, options: CopyCachedBlobOptions): Promise<{ landed: number; sha256: string | undefined }> {
  const hasher = cache.hasher;
  const slot = await hasher.acquire();
  let length: number;
  try {
    length = readFullySync(fd, slot.buffer, size, 0);
  } catch (error) {
    hasher.release(slot.index);
    throw error;
  }
  const sha256 = hasher.finish(nextFile++, slot, length, true);
  try {
    await target.write(slot.buffer.subarray(0, length), offset);
  } finally {
    hasher.done(slot.index);
  }
  options.onBytes?.(length);
  // an entry that shrank after it was opened is damaged
  return { landed: length, sha256: length === size ? await sha256 : undefined };
}

/**
 * Chunk by chunk through the slots, the next chunk read while the last is written. Once the last chunk is read and
 * handed to the worker, `readAll` is called (the next blob's turn: its reads start while this one's last write and
 * hash finish, so neither the disk nor the worker waits at each blob's end).
 */
async function copyLarge(cache: BlobCache, fd: number, size: number, target: BlobTarget, offset: number, options: CopyCachedBlobOptions, readAll: () => void): Promise<{ landed: number; sha256: string | undefined }> {
  const { signal, onBytes } = options;
  const hasher = cache.hasher;
  const file = nextFile++;
  let landed = 0;
  let sha256: Promise<string> | undefined;
  let writing: Promise<void> = Promise.resolve();
  try {
    let position = 0;
    while (position < size) {
      signal?.throwIfAborted();
      const slot = await hasher.acquire();
      let length = 0;
      try {
        const want = Math.min(hasher.slotSize, size - position);
        while (length < want) {
          const { bytesRead } = await readAt(fd, slot.buffer, length, want - length, position + length);
          if (bytesRead === 0) break;
          length += bytesRead;
        }
      } catch (error) {
        hasher.release(slot.index);
        throw error;
      }
      if (length === 0) {
        hasher.release(slot.index);
        break; // the entry shrank after it was opened: damaged
      }
      const at = offset + position;
      position += length;
      if (position < size) hasher.submit(file, slot, length, true);
      else {
        sha256 = hasher.finish(file, slot, length, true);
        readAll();
      }
      // one write in flight while the next chunk is read
      await writing;
      writing = target.write(slot.buffer.subarray(0, length), at).then(
        () => {
          hasher.done(slot.index);
          landed += length;
          onBytes?.(length);
        },
        (error: unknown) => {
          hasher.done(slot.index);
          throw error;
        },
      );
    }
    await writing;
  } finally {
    // a failed copy: let any write in flight settle before the caller moves on (its error is the one thrown already)
    await writing.catch(() => {});
    // the worker forgets the hash of a copy that stopped short
    if (!sha256) void hasher.digest(file).catch(() => {});
  }
  return { landed, sha256: sha256 ? await sha256 : undefined };
}
