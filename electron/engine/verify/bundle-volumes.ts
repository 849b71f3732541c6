import type { Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FerryError } from '../errors/ferry-error.js';
import { BUNDLE_FILE } from '../bundle/output-folder.js';

/** One folder holding a bundle, or one volume of a multi-volume set. */
export interface BundleVolume {
  /** The folder, as an absolute path. */
  dir: string;
  /** The names it holds (only these are ever opened, and only when they are regular files). */
  names: Set<string>;
}

/** A file of a volume as found: a regular file and its size, or why it cannot be used. */
export type FoundFile = { ok: true; path: string; size: number } | { ok: false; path: string; problem: string };

/**
 * Opens the folders to verify: each a bundle folder, a mount point with a bundle at its root, or
 * a `bundle.json` (its folder is used). A path that does not exist or is not a folder is bad
 * usage; the same folder given twice is read once.
 */
export async function openBundleVolumes(dirs: string[]): Promise<BundleVolume[]> {
  if (dirs.length === 0) throw new FerryError('bad-usage', 'No bundle folder given: name the bundle folder, or every volume of a multi-volume set.');
  const volumes: BundleVolume[] = [];
  const seen = new Set<string>();
  for (const given of dirs) {
    let path = resolve(given);
    let info: Stats;
    try {
      info = await stat(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new FerryError('bad-usage', code === 'ENOENT' ? `${given} does not exist.` : `Cannot open ${given}: ${code ?? String(error)}.`, { subject: given });
    }
    if (!info.isDirectory()) {
      if (!(info.isFile() && basename(path) === BUNDLE_FILE)) throw new FerryError('bad-usage', `${given} is not a folder.`, { subject: given });
      path = dirname(path);
    }
    const real = await realpath(path).catch(() => path);
    if (seen.has(real)) continue;
    seen.add(real);
    let names: string[];
    try {
      names = await readdir(path);
    } catch (error) {
      throw new FerryError('io', `Cannot list ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`, { subject: path, cause: error });
    }
    volumes.push({ dir: path, names: new Set(names) });
  }
  return volumes;
}

/**
 * Looks at one file of a volume without following links: only regular files are read, so a link
 * or a device planted in a bundle folder never makes verification read outside the folders.
 */
export async function findFile(volume: BundleVolume, name: string): Promise<FoundFile | undefined> {
  if (!volume.names.has(name)) return undefined;
  const path = join(volume.dir, name);
  try {
    const info = await lstat(path);
    if (info.isSymbolicLink()) return { ok: false, path, problem: 'is a symbolic link, not a file (links are not followed)' };
    if (!info.isFile()) return { ok: false, path, problem: 'is not a regular file' };
    return { ok: true, path, size: info.size };
  } catch (error) {
    return { ok: false, path, problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
}
