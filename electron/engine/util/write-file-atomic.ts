import { randomBytes } from 'node:crypto';
import { link, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a small file so that it is either absent or complete: to a temporary name beside it,
 * flushed, then renamed into place.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: { mode?: number; exclusive?: boolean } = {}): Promise<void> {
  const temp = join(dirname(path), `.ferry-${randomBytes(4).toString('hex')}-${basename(path)}.partial`);
  const fh = await open(temp, 'wx', options.mode ?? 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (error) {
    await fh.close();
    await rm(temp, { force: true });
    throw error;
  }
  await fh.close();
  try {
    if (options.exclusive) {
      // link fails when the target exists, unlike rename
      await link(temp, path);
    } else {
      await rename(temp, path);
    }
  } finally {
    await rm(temp, { force: true });
  }
}
