import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Options of {@link copyFileSynced}. */
export interface CopyFileOptions {
  signal?: AbortSignal | undefined;
  onBytes?: (bytes: number) => void;
  /** Flush to the device every this many bytes, so progress shows what reached the stick rather than the page cache (default 32 MiB). */
  syncEvery?: number;
}

const CHUNK = 1024 * 1024;

/**
 * Copies `from` to a new file `to` (which must not exist), streaming through two 1 MiB buffers
 * (the next read overlaps the current write), hashing what it reads, flushing to the device every
 * `syncEvery` bytes and at the end (fsync). Returns the hex sha256 and size of what was copied.
 */
export async function copyFileSynced(from: string, to: string, options: CopyFileOptions = {}): Promise<{ sha256: string; bytes: number }> {
  const { signal, onBytes } = options;
  const syncEvery = options.syncEvery ?? 32 * 1024 * 1024;
  const src = await open(from, 'r');
  try {
    const out = await open(to, 'wx', 0o644);
    try {
      const hash = createHash('sha256');
      const buffers = [Buffer.allocUnsafeSlow(CHUNK), Buffer.allocUnsafeSlow(CHUNK)];
      let which = 0;
      let position = 0;
      let sinceSync = 0;
      let n = (await src.read(buffers[0]!, 0, CHUNK, 0)).bytesRead;
      while (n > 0) {
        signal?.throwIfAborted();
        const current = buffers[which]!;
        which ^= 1;
        const nextRead = src.read(buffers[which]!, 0, CHUNK, position + n);
        nextRead.catch(() => {}); // awaited below; this only keeps an early write failure from leaving it unhandled
        hash.update(current.subarray(0, n));
        let written = 0;
        while (written < n) written += (await out.write(current, written, n - written, position + written)).bytesWritten;
        position += n;
        sinceSync += n;
        if (sinceSync >= syncEvery) {
          await out.datasync();
          sinceSync = 0;
        }
        onBytes?.(n);
        n = (await nextRead).bytesRead;
      }
      signal?.throwIfAborted(); // no flush for a copy nobody wants any more
      await out.sync();
      return { sha256: hash.digest('hex'), bytes: position };
    } finally {
      await out.close();
    }
  } finally {
    await src.close();
  }
}
