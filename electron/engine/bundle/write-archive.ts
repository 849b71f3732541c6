import type { BlobCache } from '../cache/blob-cache.js';
import type { ImageSourceClient } from '../sources/image-source-client.js';
import { mapLimit } from '../util/map-limit.js';
import { HostSemaphore } from '../registry/host-semaphore.js';
import { DEFAULT_RANGE_THRESHOLD } from '../registry/registry-client.js';
import type { ArchiveLayout, PlacedEntry } from './archive/archive-layout.js';
import { PartedFile, type PartSpec } from './archive/parted-file.js';
import { encodeTarHeader } from './archive/tar-header.js';
import { TrailingHasher, type ArchiveDigests } from './archive/trailing-hasher.js';
import { copyBlob } from './copy-blob.js';
import type { PlannedBlob } from './plan-blobs.js';
import { copyFileInto } from '../files/copy-file.js';
import type { PlannedFile } from '../files/plan-files.js';

/** Blobs that may come as parallel ranges count as large (see {@link LARGE_AT_ONCE}). */
const LARGE_BLOB = DEFAULT_RANGE_THRESHOLD;
/**
 * Large blobs fetched at once: on a fast link two beat eight (each large blob streams at full speed and the archive hash
 * follows); on a slow one each opens parallel ranges on the idle connections, so the link is used as fully as before.
 */
const LARGE_AT_ONCE = 2;

/** What writing the archive needs. */
export interface WriteArchiveInput {
  /** Every entry placed; `Buffer` payloads are written as they are, blobs are fetched. */
  layout: ArchiveLayout<Buffer | PlannedBlob | PlannedFile>;
  /** The files the archive is written to (one, or the parts of a split). */
  parts: PartSpec[];
  /** Where blobs are read: a registry client, or the router over local sources too. */
  client: ImageSourceClient;
  cache: BlobCache | undefined;
  concurrency: number;
  signal?: AbortSignal;
  /** Blob bytes landed (negative when a copy had to be redone). */
  onBytes: (bytes: number) => void;
  /** A blob is in place, verified. */
  onBlob: (blob: PlannedBlob, cached: boolean) => void;
}

/**
 * Writes the whole archive: every header and the small metadata at once, then the blobs,
 * `concurrency` at a time in archive order, each streamed straight to its offset, while a
 * worker hashes the finished prefix. Returns the archive's and each part's sha256.
 */
export async function writeArchive(input: WriteArchiveInput): Promise<{ digests: ArchiveDigests; bytesFromCache: number; fileSha256: Map<string, string> }> {
  const { layout, parts, client, cache, signal } = input;
  const file = await PartedFile.create(parts);
  let hasher = new TrailingHasher(parts);
  // Every byte is written once, front to back per blob (a verified stream that fails fails the run), so the hasher
  // follows each write as it lands and ends right behind the last blob instead of re-reading whole blobs at the end.
  // The one exception is a damaged cache entry: its bytes, which the hasher may have read already, are written again
  // (fetched afresh) after its copy takes them back (a negative `onBytes`). From then on the hasher is told nothing
  // more, and the archive is hashed again in one pass once every byte is written: rare, and never a wrong sum.
  let rehash = false;
  file.onWritten = (start, end) => {
    if (!rehash) hasher.complete(start, end);
  };
  /** Marks an entry's zero padding done (its other bytes report themselves as they are written). */
  const entryDone = (entry: PlacedEntry<unknown>): void => {
    if (!rehash) hasher.complete(entry.dataOffset + entry.size, entry.end);
  };
  const onBytes = (bytes: number): void => {
    if (bytes < 0) rehash = true;
    input.onBytes(bytes);
  };
  try {
    hasher.start(signal);
    const mtime = Math.floor(Date.now() / 1000);
    // Every header and the small metadata (manifests, index.json, …) first, in one synchronous pass: thousands of
    // small writes to the page cache cost less as plain system calls than as trips through the thread pool.
    for (const entry of layout.entries) {
      const header = encodeTarHeader({ name: entry.name, size: entry.size, type: entry.type, mtime });
      if (!Buffer.isBuffer(entry.payload)) file.writeSync(header, entry.headerOffset);
      else if (header.length === entry.dataOffset - entry.headerOffset) file.writeSync(Buffer.concat([header, entry.payload]), entry.headerOffset);
      else {
        file.writeSync(header, entry.headerOffset);
        file.writeSync(entry.payload, entry.dataOffset);
      }
      if (Buffer.isBuffer(entry.payload)) entryDone(entry);
    }
    // the end-of-archive blocks are zeros already: the parts were created at full size
    hasher.complete(layout.entries.at(-1)!.end, layout.totalSize);

    let bytesFromCache = 0;
    const blobs = layout.entries.filter((e): e is PlacedEntry<PlannedBlob> => !Buffer.isBuffer(e.payload) && !isPlannedFile(e.payload));
    // Large blobs go at most LARGE_AT_ONCE at a time (each may still open parallel ranges on the idle connections where
    // the link is slow): eight large blobs sharing a fast link all finish near the end, so the archive hash, which must
    // follow archive order, would wait for the slowest and hash most of the archive after the last byte landed.
    const large = new HostSemaphore(LARGE_AT_ONCE);
    await mapLimit(blobs, input.concurrency, async (entry) => {
      signal?.throwIfAborted();
      const blob = entry.payload;
      const release = blob.size >= LARGE_BLOB ? await large.acquire('large', signal) : undefined;
      const { cached } = await copyBlob(blob, entry.dataOffset, { client, cache, file, signal, onBytes }).finally(() => release?.());
      if (cached) bytesFromCache += blob.size;
      entryDone(entry);
      input.onBlob(blob, cached);
    });
    // plain files (`--file`) after the blobs, one at a time: each is read from a local file
    const fileSha256 = new Map<string, string>();
    for (const entry of layout.entries.filter((e): e is PlacedEntry<PlannedFile> => isPlannedFile(e.payload))) {
      signal?.throwIfAborted();
      fileSha256.set(entry.payload.name, await copyFileInto(entry.payload, entry.dataOffset, file, { ...(signal ? { signal } : {}), onBytes: input.onBytes }));
      entryDone(entry);
    }
    if (rehash) {
      await hasher.stop();
      hasher = new TrailingHasher(parts);
      hasher.start(signal);
      hasher.complete(0, layout.totalSize);
    }
    return { digests: await hasher.done(), bytesFromCache, fileSha256 };
  } finally {
    await hasher.stop();
    await file.close();
  }
}

function isPlannedFile(payload: Buffer | PlannedBlob | PlannedFile): payload is PlannedFile {
  return !Buffer.isBuffer(payload) && (payload as PlannedFile).kind === 'file';
}
