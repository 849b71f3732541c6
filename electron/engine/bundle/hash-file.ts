import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';

/** What {@link hashFile} reports. */
export interface HashedFile {
  sha256: string;
  size: number;
}

/**
 * Streams a file through sha256 (1 MiB at a time, constant memory). `also` receives the same bytes
 * (e.g. a whole-archive hash fed part by part); `onBytes` counts them; `signal` stops between reads.
 */
export async function hashFile(path: string, options: { also?: Hash[]; onBytes?: (n: number) => void; signal?: AbortSignal } = {}): Promise<HashedFile> {
  const hash = createHash('sha256');
  const fh = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    let size = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      const { bytesRead } = await fh.read(buffer, 0, buffer.length, size);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      hash.update(chunk);
      for (const h of options.also ?? []) h.update(chunk);
      size += bytesRead;
      options.onBytes?.(bytesRead);
    }
    return { sha256: hash.digest('hex'), size };
  } finally {
    await fh.close();
  }
}
