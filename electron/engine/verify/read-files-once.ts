import { open, type FileHandle } from 'node:fs/promises';
import { fileIdentity, SlotHasher, type Joined, type Slot } from './slot-hasher.js';

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
 *
 * A file the hasher began hashing by itself beforehand ({@link SlotHasher.prehash}) is joined: the worker hashes only
 * what lies past what it read itself, and its digest counts only when it read the very same file (the same identity:
 * device, inode, size, modification and change times, when the worker opened it and when this thread opened it and
 * finished it); a file that changed in between is reported so.
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
      const joined = hasher.join(index, file.path);
      const read = await readOne(index, file, hasher, chunkSize, options, joined !== undefined);
      options.onFileEnd?.(index, read);
      // the worker may still be hashing this file's last chunks: collect its digest later, read on
      results.push(hasher.digest(index).then((sha256) => settle(sha256, read, joined)));
    }
    return await Promise.all(results);
  } finally {
    await hasher.close();
  }
}

/** One file as read here: how many bytes, or why not all; for a prehashed file, its identity when opened and when done. */
interface OneRead {
  bytes: number;
  error?: string;
  opened?: string;
  closed?: string;
}

/** A file's result: its digest, unless the read failed or the worker's head start was over another file. */
async function settle(sha256: string, read: OneRead, joined: Promise<Joined> | undefined): Promise<FileReadResult> {
  if (read.error !== undefined) return { bytes: read.bytes, error: read.error };
  if (joined) {
    const { identity } = await joined;
    if (read.opened !== read.closed || (identity !== undefined && identity !== read.opened)) return { bytes: read.bytes, error: 'changed while it was being verified' };
  }
  return { bytes: read.bytes, sha256 };
}

async function readOne(index: number, file: FileToRead, hasher: SlotHasher, chunkSize: number, options: ReadFilesOptions, joined: boolean): Promise<OneRead> {
  let fh: FileHandle;
  try {
    fh = await open(file.path, 'r');
  } catch (error) {
    const message = describe(error);
    file.sink?.fail(message);
    return { bytes: 0, error: message };
  }
  let opened: string | undefined;
  if (joined) {
    try {
      opened = fileIdentity(await fh.stat({ bigint: true }));
    } catch (error) {
      await fh.close().catch(() => undefined);
      const message = describe(error);
      file.sink?.fail(message);
      return { bytes: 0, error: message };
    }
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
    if (!joined) return { bytes: position };
    const closed = await fh.stat({ bigint: true }).then(fileIdentity, () => undefined);
    return { bytes: position, ...(opened ? { opened } : {}), ...(closed ? { closed } : {}) };
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
