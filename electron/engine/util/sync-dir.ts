import { open } from 'node:fs/promises';

/** Flushes a directory's entries (renames, deletions) to disk; a no-op where directories cannot be opened (Windows). */
export async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    await fh.sync().finally(() => fh.close());
  } catch {
    // not every platform can fsync a directory; the renames are still atomic
  }
}
