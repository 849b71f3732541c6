import { mkdir, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { partialName } from '../bundle/partial-name.js';
import { syncDir } from '../util/sync-dir.js';
import { copyFileSynced } from './copy-file.js';

/**
 * A volume's root as Ferry writes it: every file goes under a temporary name
 * (`.ferry-<run>-<name>.partial`, the same pattern as a bundle folder), is flushed to the device,
 * renamed into place, and the folder itself is flushed, so a crash leaves either the old file,
 * the new one, or a leftover Ferry removes next time; never a half-written file under its real name.
 */
export class VolumeFolder {
  private readonly temps = new Set<string>();
  private readonly nestedTemps = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly run: string,
  ) {}

  /** Where `name` is written while incomplete (tracked for {@link discard}). */
  tempPath(name: string): string {
    this.temps.add(name);
    return join(this.dir, partialName(this.run, name));
  }

  /** Where `name` ends up. */
  finalPath(name: string): string {
    return join(this.dir, name);
  }

  /** Writes a small file: temp name, fsync, rename, folder fsync. */
  async writeFile(name: string, data: Buffer | string): Promise<void> {
    const temp = this.tempPath(name);
    await writeFile(temp, data, { mode: 0o644, flag: 'w' });
    await syncPath(temp);
    await this.promote(name);
  }

  /**
   * Mirrors a folder tree (signatures/) into `name`, file by file: each under a temporary name in
   * its folder, flushed, renamed; files the source does not have are removed. No folder is renamed
   * (some FAT drivers lose a renamed folder's entries) and no mode is set (FAT refuses chmod).
   */
  async copyFolder(name: string, from: string): Promise<void> {
    await this.mirror(from, this.finalPath(name));
    await this.sync();
  }

  private async mirror(from: string, to: string): Promise<void> {
    await mkdir(to, { recursive: true });
    const entries = await readdir(from, { withFileTypes: true });
    const wanted = new Set(entries.map((e) => e.name));
    for (const name of await readdir(to)) if (!wanted.has(name)) await rm(join(to, name), { recursive: true, force: true });
    for (const entry of entries) {
      if (entry.isDirectory()) {
        await this.mirror(join(from, entry.name), join(to, entry.name));
      } else if (entry.isFile()) {
        const temp = join(to, partialName(this.run, entry.name));
        this.nestedTemps.add(temp);
        await rm(join(to, entry.name), { force: true });
        await copyFileSynced(join(from, entry.name), temp);
        await rename(temp, join(to, entry.name));
        this.nestedTemps.delete(temp);
      }
    }
    await syncDir(to);
  }

  /** Renames a finished temp file into place and flushes the folder. */
  async promote(name: string): Promise<void> {
    await rename(join(this.dir, partialName(this.run, name)), this.finalPath(name));
    this.temps.delete(name);
    await this.sync();
  }

  /** Flushes the folder's entries (renames, removals) to the device. */
  async sync(): Promise<void> {
    await syncDir(this.dir);
  }

  /** Removes what this run left under temporary names. */
  async discard(): Promise<void> {
    for (const name of this.temps) await rm(join(this.dir, partialName(this.run, name)), { recursive: true, force: true });
    this.temps.clear();
    for (const path of this.nestedTemps) await rm(path, { force: true });
    this.nestedTemps.clear();
  }
}

/** fsync of one file. */
async function syncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
