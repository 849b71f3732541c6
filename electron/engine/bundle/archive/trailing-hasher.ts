import { createHash, type Hash } from 'node:crypto';
import type { PartedFile } from './parted-file.js';

/** The sha256 of the whole archive and of each part. */
export interface ArchiveDigests {
  sha256: string;
  parts: string[];
}

const CHUNK = 4 * 1024 * 1024;

/**
 * Hashes the archive while it is still being written, trailing just behind the writers.
 *
 * Entries are written in parallel at their offsets; as soon as the bytes from the hasher's
 * cursor onward are complete, it reads them back (from the page cache: they were just written)
 * and feeds the whole-archive hash and the current part's hash. So the archive and every part
 * get their sha256 without a second pass over the data once the last blob lands.
 */
export class TrailingHasher {
  private readonly whole: Hash = createHash('sha256');
  private readonly partHashes: Hash[];
  private readonly partDigests: string[] = [];
  /** Region ends keyed by region start, for regions complete but not yet hashed. */
  private readonly completed = new Map<number, number>();
  private cursor = 0;
  private wake: (() => void) | undefined;
  private readonly buffer = Buffer.allocUnsafe(CHUNK);
  private running: Promise<ArchiveDigests> | undefined;

  constructor(
    private readonly file: PartedFile,
    private readonly onHashed: (bytes: number) => void = () => {},
  ) {
    this.partHashes = file.parts.map(() => createHash('sha256'));
  }

  /** Marks [start, end) as fully written. */
  complete(start: number, end: number): void {
    if (end > start) this.completed.set(start, end);
    this.wake?.();
  }

  /** Starts hashing in the background; the promise settles when the whole file is hashed. */
  start(signal?: AbortSignal): Promise<ArchiveDigests> {
    this.running ??= this.run(signal);
    // avoid an unhandled rejection while the writers are still busy; callers await `done()`
    this.running.catch(() => {});
    return this.running;
  }

  /** Waits for the hash of everything; call after every region is completed. */
  done(): Promise<ArchiveDigests> {
    return this.start();
  }

  /** Bytes hashed so far. */
  get hashed(): number {
    return this.cursor;
  }

  private async run(signal?: AbortSignal): Promise<ArchiveDigests> {
    const onAbort = (): void => this.wake?.();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.hashAll(signal);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async hashAll(signal?: AbortSignal): Promise<ArchiveDigests> {
    const total = this.file.size;
    let partIndex = 0;
    while (this.cursor < total) {
      signal?.throwIfAborted();
      const end = this.completed.get(this.cursor);
      if (end === undefined) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      this.completed.delete(this.cursor);
      let position = this.cursor;
      while (position < end) {
        const part = this.file.parts[partIndex]!;
        const partEnd = part.start + part.size;
        const want = Math.min(CHUNK, end - position, partEnd - position);
        const got = await this.file.read(this.buffer, position, want);
        if (got !== want) throw new Error(`archive read back short at offset ${position}`);
        const chunk = this.buffer.subarray(0, got);
        this.whole.update(chunk);
        this.partHashes[partIndex]!.update(chunk);
        position += got;
        this.onHashed(got);
        if (position === partEnd) {
          this.partDigests.push(this.partHashes[partIndex]!.digest('hex'));
          partIndex++;
        }
      }
      this.cursor = end;
    }
    return { sha256: this.whole.digest('hex'), parts: this.partDigests };
  }
}
