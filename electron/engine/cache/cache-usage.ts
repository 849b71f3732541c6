import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** How much a blob cache folder holds. */
export interface CacheUsage {
  dir: string;
  /** Bytes of the complete blob entries (and staged files). */
  bytes: number;
  /** Complete blob entries. */
  blobs: number;
}

const ENTRY = /^[0-9a-f]{64}$/;

/** Sums the sizes of the regular files under `dir` (0 when it does not exist). */
async function folderBytes(dir: string): Promise<{ bytes: number; files: string[] }> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return { bytes: 0, files: [] };
  }
  let bytes = 0;
  const files: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    try {
      bytes += (await stat(path)).size;
      files.push(entry.name);
    } catch {
      // removed meanwhile
    }
  }
  return { bytes, files };
}

/** Measures the blob cache at `dir` (`blobs/sha256/<hex>` entries plus `staging/`); a missing folder is empty. */
export async function measureCache(dir: string): Promise<CacheUsage> {
  const blobs = await folderBytes(join(dir, 'blobs', 'sha256'));
  const staging = await folderBytes(join(dir, 'staging'));
  return { dir, bytes: blobs.bytes + staging.bytes, blobs: blobs.files.filter((f) => ENTRY.test(f)).length };
}

/**
 * Empties the blob cache at `dir`: removes the folders Ferry writes there (`blobs/`, `staging/`) and nothing
 * else, so a cache folder pointed at a shared place never loses other files. Answers the usage afterwards.
 */
export async function clearCache(dir: string): Promise<CacheUsage> {
  await rm(join(dir, 'blobs'), { recursive: true, force: true });
  await rm(join(dir, 'staging'), { recursive: true, force: true });
  return measureCache(dir);
}
