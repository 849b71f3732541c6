import { writeSync, writevSync, type BigIntStats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/**
 * Writes of at most this many bytes are plain synchronous system calls: into the page cache that takes microseconds,
 * less than the trip through the thread pool and back (which larger writes still take, to overlap with hashing).
 */
export const SYNC_WRITE_MAX = 256 * 1024;

/** One file of a (possibly split) archive: its name on disk and the byte range it holds. */
export interface PartSpec {
  path: string;
  start: number;
  size: number;
}

/**
 * One logical file stored as consecutive parts (`bundle.tar.001`, `.002`, …, or a single file).
 * Writes and reads address the logical offset; a range crossing a part boundary is split.
 */
export class PartedFile {
  /** Told of every range once its write has completed (the archive hasher trails right behind the bytes). */
  onWritten: ((start: number, end: number) => void) | undefined;

  private constructor(
    readonly parts: PartSpec[],
    private readonly handles: FileHandle[],
  ) {}

  /** Creates (truncating) every part at its final size so positional writes can land anywhere. */
  static async create(parts: PartSpec[]): Promise<PartedFile> {
    const handles: FileHandle[] = [];
    try {
      for (const part of parts) {
        const fh = await open(part.path, 'w+', 0o644);
        handles.push(fh);
        await fh.truncate(part.size);
      }
    } catch (error) {
      await Promise.allSettled(handles.map((h) => h.close()));
      throw error;
    }
    return new PartedFile(parts, handles);
  }

  /** Opens existing parts for reading. */
  static async openForRead(parts: PartSpec[]): Promise<PartedFile> {
    const handles: FileHandle[] = [];
    try {
      for (const part of parts) handles.push(await open(part.path, 'r'));
    } catch (error) {
      await Promise.allSettled(handles.map((h) => h.close()));
      throw error;
    }
    return new PartedFile(parts, handles);
  }

  /** Total logical size. */
  get size(): number {
    const last = this.parts[this.parts.length - 1];
    return last ? last.start + last.size : 0;
  }

  /** Writes all of `data` at logical `offset`. */
  async write(data: Uint8Array, offset: number): Promise<void> {
    await this.writeQuietly(data, offset);
    this.onWritten?.(offset, offset + data.length);
  }

  private async writeQuietly(data: Uint8Array, offset: number): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { index, within, room } = this.locate(offset + done);
      const length = Math.min(room, data.length - done);
      let written = 0;
      while (written < length) {
        const r = await this.handles[index]!.write(data, done + written, length - written, within + written);
        written += r.bytesWritten;
      }
      done += length;
    }
  }

  /**
   * Writes all of `data` at logical `offset` synchronously: for the many small pieces (tar headers, manifests) laid
   * down before the blobs stream, where a system call costs less than a trip through the thread pool.
   */
  writeSync(data: Uint8Array, offset: number): void {
    this.writeSyncQuietly(data, offset);
    this.onWritten?.(offset, offset + data.length);
  }

  private writeSyncQuietly(data: Uint8Array, offset: number): void {
    let done = 0;
    while (done < data.length) {
      const { index, within, room } = this.locate(offset + done);
      const length = Math.min(room, data.length - done);
      let written = 0;
      while (written < length) written += writeSync(this.handles[index]!.fd, data, done + written, length - written, within + written);
      done += length;
    }
  }

  /** Writes several buffers back to back at logical `offset`, in one system call when they fall in one part. */
  async writev(buffers: Uint8Array[], offset: number): Promise<void> {
    const length = buffers.reduce((n, b) => n + b.length, 0);
    const { index, within, room } = this.locate(offset);
    if (length > room) {
      await this.write(Buffer.concat(buffers), offset);
      return;
    }
    if (length <= SYNC_WRITE_MAX) {
      const written = writevSync(this.handles[index]!.fd, buffers, within);
      if (written < length) this.writeSyncQuietly(Buffer.concat(buffers).subarray(written), offset + written);
      this.onWritten?.(offset, offset + length);
      return;
    }
    const written = (await this.handles[index]!.writev(buffers, within)).bytesWritten;
    if (written < length) await this.writeQuietly(Buffer.concat(buffers).subarray(written), offset + written);
    this.onWritten?.(offset, offset + length);
  }

  /** Reads up to `length` bytes at logical `offset` into `target`; returns the count read. */
  async read(target: Buffer, offset: number, length: number): Promise<number> {
    let done = 0;
    while (done < length && offset + done < this.size) {
      const { index, within, room } = this.locate(offset + done);
      const want = Math.min(room, length - done);
      const r = await this.handles[index]!.read(target, done, want, within);
      if (r.bytesRead === 0) break;
      done += r.bytesRead;
    }
    return done;
  }

  /**
   * The status (`fstat` of the open handles, times in nanoseconds as bigints) of each part holding bytes of
   * `[offset, offset + length)`, in order: what a reader compares to tell whether those parts changed since.
   */
  async statRange(offset: number, length: number): Promise<BigIntStats[]> {
    const stats: BigIntStats[] = [];
    for (let index = 0; index < this.parts.length; index++) {
      const part = this.parts[index]!;
      if (length > 0 && part.start < offset + length && offset < part.start + part.size) stats.push(await this.handles[index]!.stat({ bigint: true }));
    }
    return stats;
  }

  /** Flushes every part to stable storage. */
  async sync(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.sync()));
  }

  /** Closes every part. */
  async close(): Promise<void> {
    await Promise.allSettled(this.handles.map((h) => h.close()));
  }

  private locate(offset: number): { index: number; within: number; room: number } {
    // parts are few (a handful of media-sized pieces): a linear scan is fine
    for (let index = 0; index < this.parts.length; index++) {
      const part = this.parts[index]!;
      if (offset < part.start + part.size) {
        const within = offset - part.start;
        return { index, within, room: part.size - within };
      }
    }
    throw new RangeError(`offset ${offset} is past the end of the archive (${this.size} bytes)`);
  }
}

/** Splits `totalSize` bytes into parts of at most `partSize` bytes named `<base>.001`, `.002`, …; one part named `<base>` when unsplit. */
export function planParts(totalSize: number, partSize: number | undefined, pathOf: (name: string) => string, base: string): (PartSpec & { name: string })[] {
  if (!partSize || partSize >= totalSize) return [{ name: base, path: pathOf(base), start: 0, size: totalSize }];
  const count = Math.ceil(totalSize / partSize);
  const width = Math.max(3, String(count).length);
  const parts: (PartSpec & { name: string })[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${base}.${String(i + 1).padStart(width, '0')}`;
    const start = i * partSize;
    parts.push({ name, path: pathOf(name), start, size: Math.min(partSize, totalSize - start) });
  }
  return parts;
}
