import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { FerryError } from '../errors/ferry-error.js';
import { isCleanEntryName, type EntryStore, type StoreEntry } from './entry-store.js';

/**
 * Opens a folder (an OCI image layout, `oci:DIR`) as an {@link EntryStore}. Only regular files inside the folder are
 * read: a name with `..`, or a link whose target lies outside the folder, is treated as absent, never followed out.
 */
export async function openDirStore(dir: string, label: string): Promise<EntryStore> {
  let root: string;
  try {
    root = await realpath(dir);
    if (!(await stat(root)).isDirectory()) throw new FerryError('bad-usage', `${label}: not a folder (an archive file is oci-archive:PATH).`, { subject: label });
  } catch (error) {
    if (error instanceof FerryError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new FerryError('bad-usage', code === 'ENOENT' ? `${label}: no such folder.` : `${label}: the folder cannot be opened (${code ?? String(error)}).`, { subject: label, cause: error });
  }
  return {
    label,
    async get(name: string): Promise<StoreEntry | undefined> {
      if (!isCleanEntryName(name)) return undefined;
      let real: string;
      try {
        real = await realpath(join(root, ...name.split('/')));
      } catch {
        return undefined;
      }
      if (!real.startsWith(root + sep)) return undefined;
      const info = await stat(real).catch(() => undefined);
      if (!info?.isFile()) return undefined;
      const size = info.size;
      return { name, size, open: () => (size === 0 ? Readable.from([]) : createReadStream(real, { start: 0, end: size - 1, highWaterMark: 1024 * 1024 })) };
    },
    async close() {},
  };
}
