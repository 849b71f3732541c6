import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, rmdir, statfs, writeFile, open } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { FerryError } from '../errors/ferry-error.js';

/** File names a bundle folder holds; anything else in the folder is left alone. */
export const BUNDLE_FILE = 'bundle.json';
/** The checksum file over bundle.json and every archive file. */
export const SUMS_FILE = 'SHA256SUMS';
/** The archive's base name. */
export const ARCHIVE_BASE = 'bundle.tar';

const OWNED = /^(bundle\.json|SHA256SUMS|bundle\.tar(\.\d{3,}|\.p\d{2,})?|signatures|\.ferry-split-journal\.json)$/;
const PARTIAL = /^\.ferry-.*\.partial$/;

/**
 * The folder a bundle is written into. Everything is written under temporary names
 * (`.ferry-<run>-<name>.partial`) and renamed when complete, `SHA256SUMS` last, so a failed or
 * cancelled run never leaves a folder that looks complete; nothing is written outside the folder.
 */
export class OutputFolder {
  private readonly run = randomBytes(4).toString('hex');
  private readonly temps = new Set<string>();

  private constructor(
    readonly dir: string,
    private readonly created: boolean,
  ) {}

  /** Creates the folder if needed and refuses one that holds a bundle already, unless `force` clears it. */
  static async prepare(dir: string, options: { force: boolean }): Promise<OutputFolder> {
    const path = resolve(dir);
    let created = false;
    let names: string[] = [];
    try {
      names = await readdir(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(error, path);
      await mkdir(path, { recursive: true }).catch((e: unknown) => {
        throw ioError(e, path);
      });
      created = true;
    }
    const owned = names.filter((n) => OWNED.test(n));
    if (owned.length > 0 && !options.force) {
      throw new FerryError(
        'output-exists',
        `Output folder ${path} already holds a bundle (${owned.slice(0, 4).join(', ')}${owned.length > 4 ? ', …' : ''}).`,
        { subject: path, hint: 'replace-existing' },
      );
    }
    // leftovers of an interrupted run, and with --force the old bundle, go before anything is written
    for (const name of names.filter((n) => PARTIAL.test(n) || (options.force && OWNED.test(n)))) {
      await rm(join(path, name), { recursive: true, force: true });
    }
    return new OutputFolder(path, created);
  }

  /** Where a file is written while incomplete. */
  tempPath(name: string): string {
    const path = join(this.dir, `.ferry-${this.run}-${basename(name)}.partial`);
    this.temps.add(name);
    return path;
  }

  /** Where a file ends up. */
  finalPath(name: string): string {
    return join(this.dir, basename(name));
  }

  /** Fails early when the volume cannot hold `bytes` more. */
  async ensureSpace(bytes: number): Promise<void> {
    const s = await statfs(this.dir);
    const free = s.bavail * s.bsize;
    if (free < bytes) {
      throw new FerryError('io', `The bundle needs ${formatGiB(bytes)} but ${this.dir} has only ${formatGiB(free)} free.`, { subject: this.dir });
    }
  }

  /** Writes small file contents under the temporary name, flushed to disk. */
  async writeTemp(name: string, data: Buffer | string): Promise<void> {
    const path = this.tempPath(name);
    await writeFile(path, data, { mode: 0o644 });
    const fh = await open(path, 'r');
    await fh.sync().finally(() => fh.close());
  }

  /** Renames finished files into place, in the order given. */
  async promote(names: string[]): Promise<void> {
    for (const name of names) {
      await rename(join(this.dir, `.ferry-${this.run}-${basename(name)}.partial`), this.finalPath(name));
      this.temps.delete(name);
    }
    await syncDir(this.dir);
  }

  /** Removes what this run wrote under temporary names, and the folder when this run created it and it is empty. */
  async discard(): Promise<void> {
    for (const name of this.temps) await rm(join(this.dir, `.ferry-${this.run}-${basename(name)}.partial`), { force: true });
    this.temps.clear();
    if (this.created) await rmdir(this.dir).catch(() => {});
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    await fh.sync().finally(() => fh.close());
  } catch {
    // not every platform can fsync a directory (Windows); the renames are still atomic
  }
}

function ioError(error: unknown, path: string): FerryError {
  const e = error as NodeJS.ErrnoException;
  return new FerryError('io', `Cannot use output folder ${path}: ${e.code ?? ''} ${e.message}`.trim(), { subject: path, cause: error });
}

function formatGiB(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
