import { constants, createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { FerryError } from '../errors/ferry-error.js';
import { entryPath, listTarEntries, TarFormatError, type TarEntry } from '../bundle/archive/tar-reader.js';
import { resolveInside, type EntryStore, type StoreEntry } from './entry-store.js';

/** The most entries Ferry indexes in one archive (an image archive has a few per image). */
const MAX_ENTRIES = 1_000_000;
/** Links followed one after another before an entry is given up as a loop. */
const MAX_LINK_HOPS = 8;

/**
 * Opens a tar file as an {@link EntryStore}: its headers are read once, jumping over the data (a few reads per entry,
 * whatever the archive's size), and each entry is then read by range straight from the file — nothing is extracted.
 * A missing file or one that is not a tar is a `bad-usage` error naming the source.
 */
export async function openTarStore(path: string, label: string, signal?: AbortSignal): Promise<EntryStore> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FerryError('bad-usage', `${label}: no such file.`, { subject: label });
    throw new FerryError('bad-usage', `${label}: the file cannot be opened (${code ?? String(error)}).`, { subject: label, cause: error });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new FerryError('bad-usage', `${label}: not a file${info.isDirectory() ? ' but a folder (an OCI layout folder is oci:DIR)' : ''}.`, { subject: label });
    const entries = new Map<string, TarEntry>();
    try {
      for await (const entry of listTarEntries({ read: async (target, offset, length) => (await handle.read(target, 0, length, offset)).bytesRead }, signal ? { signal } : {})) {
        if (entries.size >= MAX_ENTRIES) throw new FerryError('bad-usage', `${label}: more than ${MAX_ENTRIES} entries; not an image archive Ferry reads.`, { subject: label });
        if (entry.dataOffset + entry.size > info.size) throw new TarFormatError('an entry runs past the end of the file', entry.headerOffset);
        // the last entry of a name wins, as tar extracts it
        entries.set(entryPath(entry.name), entry);
      }
    } catch (error) {
      if (error instanceof TarFormatError) {
        throw new FerryError('bad-usage', `${label}: not an image archive (not a tar file: ${error.message} at byte ${error.offset}).`, { subject: label });
      }
      throw error;
    }
    return new TarStore(label, path, entries);
  } finally {
    await handle.close();
  }
}

class TarStore implements EntryStore {
  constructor(
    readonly label: string,
    private readonly path: string,
    private readonly entries: Map<string, TarEntry>,
  ) {}

  async get(name: string): Promise<StoreEntry | undefined> {
    let path = name;
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      const entry = this.entries.get(path);
      if (!entry) return undefined;
      if (entry.type === 'file') return this.#entry(name, entry);
      if (entry.type === 'hardlink' && entry.linkName !== undefined) path = entryPath(entry.linkName);
      else if (entry.type === 'symlink' && entry.linkName !== undefined) {
        const target = resolveInside(path, entry.linkName);
        if (target === undefined) return undefined;
        path = target;
      } else return undefined;
    }
    return undefined;
  }

  #entry(name: string, entry: TarEntry): StoreEntry {
    return {
      name,
      size: entry.size,
      open: (): Readable =>
        entry.size === 0
          ? Readable.from([])
          : // each read opens the file at the entry's range: many entries stream at once, nothing is extracted
            createReadStream(this.path, { start: entry.dataOffset, end: entry.dataOffset + entry.size - 1, highWaterMark: 1024 * 1024 }),
    };
  }

  async close(): Promise<void> {}
}
