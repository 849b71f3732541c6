import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FerryError } from '../errors/ferry-error.js';
import { entryPath, readTarEntries, TarFormatError } from '../bundle/archive/tar-reader.js';
import { isCleanEntryName, resolveInside, type EntryStore, type StoreEntry } from './entry-store.js';

/** Entries up to this size are kept in memory (manifest.json, configs, index.json); larger ones go to files. */
const IN_MEMORY = 64 * 1024;
const MAX_ENTRIES = 1_000_000;
const MAX_LINK_HOPS = 8;

type Received = { kind: 'memory'; bytes: Buffer } | { kind: 'file'; path: string; size: number } | { kind: 'link'; target: string };

/**
 * Reads a docker-save tar stream once, as it comes (a Docker Engine's `GET /images/{name}/get`), keeping each entry —
 * small ones in memory, layers as files of a temporary folder under `baseDir` — so that the image can be served in
 * whatever order the bundle needs. No tar is written; the folder is removed on `close()`.
 */
export async function receiveTarStream(stream: AsyncIterable<Uint8Array>, options: { label: string; baseDir: string; signal?: AbortSignal; onBytes?: (n: number) => void }): Promise<EntryStore> {
  const { label } = options;
  await mkdir(options.baseDir, { recursive: true });
  const dir = await mkdtemp(join(options.baseDir, 'ferry-received-'));
  const entries = new Map<string, Received>();
  try {
    let n = 0;
    for await (const entry of readTarEntries(stream, options.signal ? { signal: options.signal } : {})) {
      const name = entryPath(entry.name);
      if (++n > MAX_ENTRIES) throw new FerryError('bad-usage', `${label}: the stream has more than ${MAX_ENTRIES} entries; it is not an image archive.`, { subject: label });
      if (!isCleanEntryName(name)) continue;
      if ((entry.type === 'symlink' || entry.type === 'hardlink') && entry.linkName !== undefined) {
        const target = entry.type === 'hardlink' ? entryPath(entry.linkName) : resolveInside(name, entry.linkName);
        if (target !== undefined) entries.set(name, { kind: 'link', target });
        continue;
      }
      if (entry.type !== 'file') continue;
      if (entry.size <= IN_MEMORY) {
        const chunks: Buffer[] = [];
        for await (const chunk of entry.body) chunks.push(Buffer.from(chunk));
        entries.set(name, { kind: 'memory', bytes: Buffer.concat(chunks) });
        options.onBytes?.(entry.size);
        continue;
      }
      const path = join(dir, String(n));
      const handle = await open(path, 'wx', 0o600);
      try {
        let batch: Buffer[] = [];
        let batched = 0;
        for await (const chunk of entry.body) {
          // the chunks are views of the stream's buffers: copy into a batch, written about 1 MiB at a time
          batch.push(Buffer.from(chunk));
          batched += chunk.length;
          if (batched >= 1024 * 1024) {
            await handle.writev(batch);
            options.onBytes?.(batched);
            batch = [];
            batched = 0;
          }
        }
        if (batched > 0) {
          await handle.writev(batch);
          options.onBytes?.(batched);
        }
      } finally {
        await handle.close();
      }
      entries.set(name, { kind: 'file', path, size: entry.size });
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    if (error instanceof TarFormatError) throw new FerryError('bad-usage', `${label}: what the Docker Engine sent is not an image archive (${error.message} at byte ${error.offset}).`, { subject: label });
    throw error;
  }
  return {
    label,
    async get(name: string): Promise<StoreEntry | undefined> {
      let path = name;
      for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
        const found = entries.get(path);
        if (!found) return undefined;
        if (found.kind === 'link') {
          path = found.target;
          continue;
        }
        if (found.kind === 'memory') {
          const bytes = found.bytes;
          return { name, size: bytes.length, open: () => Readable.from([bytes]) };
        }
        const file = found;
        return { name, size: file.size, open: () => createReadStream(file.path, { highWaterMark: 1024 * 1024 }) };
      }
      return undefined;
    },
    async close() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
