import { open, type FileHandle } from 'node:fs/promises';
import { SlotHasher, type Slot } from './slot-hasher.js';

/** Where the bytes of a file go besides its sha256, on the calling thread. */
export interface ChunkSink {
  /** The next bytes of the file: a view valid during the call only (copy what must be kept). */
  chunk(bytes: Buffer): void;
  /** Reading stopped early (an I/O error); no more chunks follow. */
  fail(message: string): void;
}

/** One file to read. */
export interface FileToRead {
  path: string;
  sink?: ChunkSink;
}

/** The outcome for one file. */
export interface FileReadResult {
  /** sha256 (hex) of every byte read; undefined when the read failed. */
  sha256?: string;
  bytes: number;
  /** Why the file could not be read whole. */
  error?: string;
}

/** How to read. */
export interface ReadFilesOptions {
  /** Bytes per read (default 8 MiB). */
  chunkSize?: number;
  /** Reads in flight or being hashed at once: memory is chunkSize × slots (default 4). */
  slots?: number;
  /**
   * A hasher started earlier (slots of `chunkSize` bytes), so that its worker thread boots while the caller does other
   * work (reading bundle.json); closed at the end like one made here.
   */
  hasher?: SlotHasher;
  signal?: AbortSignal;
  onBytes?: (bytes: number) => void;
  onFileStart?: (index: number) => void;
  /** A file has been read (its sha256 may still be being computed). */
  onFileEnd?: (index: number, read: { bytes: number; error?: string }) => void;
}

/**
 * Reads files one after another, each byte once, in big sequential reads into shared buffers:
 * a worker thread hashes every file (sha256) from those buffers while each file's `sink` sees the
 * same bytes here, and the next read is already under way. Two hashes of the same bytes run on two
 * cores with one read. An I/O error ends that file (reported in its result), not the run; an
 * abort stops everything.
 */
export async function readFilesOnce(files: FileToRead[], options: ReadFilesOptions = {}): Promise<FileReadResult[]> {
  const chunkSize = options.chunkSize ?? 8 * 1024 * 1024;
  const { signal } = options;
  if (!options.hasher) signal?.throwIfAborted();
  const results: Promise<FileReadResult>[] = [];
  const hasher = options.hasher ?? new SlotHasher(options.slots ?? 4, chunkSize, signal);
  try {
    signal?.throwIfAborted();
    if (hasher.slotSize < chunkSize) throw new RangeError(`the hasher's slots hold ${hasher.slotSize} bytes, fewer than a read of ${chunkSize}`);
    for (const [index, file] of files.entries()) {
      options.onFileStart?.(index);
      const read = await readOne(index, file, hasher, chunkSize, options);
      options.onFileEnd?.(index, read);
      // the worker may still be hashing this file's last chunks: collect its digest later, read on
      results.push(
        hasher.digest(index).then((sha256): FileReadResult => (read.error === undefined ? { bytes: read.bytes, sha256 } : { bytes: read.bytes, error: read.error })),
      );
    }
    return await Promise.all(results);
  } finally {
    await hasher.close();
  }
}

async function readOne(index: number, file: FileToRead, hasher: SlotHasher, chunkSize: number, options: ReadFilesOptions): Promise<{ bytes: number; error?: string }> {
  let fh: FileHandle;
  try {
    fh = await open(file.path, 'r');
  } catch (error) {
    const message = describe(error);
    file.sink?.fail(message);
    return { bytes: 0, error: message };
  }
  let position = 0;
  const into = async (slot: Slot, at: number): Promise<{ slot: Slot; n: number }> => {
    try {
      const { bytesRead } = await fh.read(slot.buffer, 0, chunkSize, at);
      return { slot, n: bytesRead };
    } catch (error) {
      hasher.release(slot.index);
      throw error;
    }
  };
  // with a slot free, the read is under way before this thread turns to hashing the chunk just read (awaiting even
  // a settled promise would start it only once that hashing is done: read and hash one after the other)
  const readAt = (at: number): Promise<{ slot: Slot; n: number }> => {
    const free = hasher.tryAcquire();
    return free ? into(free, at) : hasher.acquire().then((slot) => into(slot, at));
  };
  let pending: Promise<{ slot: Slot; n: number }> | undefined = readAt(0);
  try {
    while (pending) {
      let got: { slot: Slot; n: number };
      try {
        got = await pending;
      } catch (error) {
        pending = undefined;
        if (isAbort(error, options.signal)) throw error;
        const message = describe(error);
        file.sink?.fail(message);
        return { bytes: position, error: message };
      }
      if (got.n === 0) {
        hasher.release(got.slot.index);
        pending = undefined;
        break;
      }
      position += got.n;
      options.signal?.throwIfAborted();
      // the next read runs while both threads hash this chunk
      pending = readAt(position);
      hasher.submit(index, got.slot, got.n);
      file.sink?.chunk(got.slot.buffer.subarray(0, got.n));
      options.onBytes?.(got.n);
    }
    return { bytes: position };
  } finally {
    // a read still in flight (after an abort) must land before its file closes
    if (pending) await pending.then((r) => hasher.release(r.slot.index)).catch(() => undefined);
    await fh.close().catch(() => undefined);
  }
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (error instanceof Error && error.name === 'AbortError');
}

function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ? `${e.code}: ${e.message}` : String(e.message ?? e);
}
