import type { Readable } from 'node:stream';
import { FerryError } from '../errors/ferry-error.js';

/** One file of a local source (a tar entry, a file of a layout folder, a file received from a daemon). */
export interface StoreEntry {
  /** The path inside the source (`blobs/sha256/…`, `manifest.json`). */
  name: string;
  size: number;
  /** Its bytes as a stream, read from where they lie (no copy). */
  open(): Readable;
}

/** The files of a local source by path: what the OCI layout and docker-save readers work on. */
export interface EntryStore {
  /** The source as the user named it, for messages. */
  readonly label: string;
  /** The entry at `name` (links inside the source followed; never out of it), or undefined. */
  get(name: string): Promise<StoreEntry | undefined>;
  /** Releases open files and temporary folders. */
  close(): Promise<void>;
}

/** Reads a small entry whole, refusing one larger than `maxBytes` (the error names the source and the entry). */
export async function readEntry(store: EntryStore, entry: StoreEntry, maxBytes: number): Promise<Buffer> {
  if (entry.size > maxBytes) throw new FerryError('bad-usage', `${store.label}: ${entry.name} is ${entry.size} bytes, more than the ${maxBytes} bytes such a file may be.`, { subject: store.label });
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of entry.open()) {
    const data = chunk as Buffer;
    total += data.length;
    if (total > maxBytes) throw new FerryError('bad-usage', `${store.label}: ${entry.name} grew past ${maxBytes} bytes while read.`, { subject: store.label });
    chunks.push(data);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Resolves a link target found inside a source against the entry's folder (`a/b` linking to `../c/d` is `c/d`):
 * undefined when it leaves the source (absolute, or `..` past the top). Used for docker-save's layer links.
 */
export function resolveInside(from: string, target: string): string | undefined {
  if (target.startsWith('/') || /^[A-Za-z]:/.test(target)) return undefined;
  const parts = from.split('/').slice(0, -1);
  for (const piece of target.split('/')) {
    if (piece === '' || piece === '.') continue;
    if (piece === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(piece);
  }
  return parts.join('/');
}

/** A path a source may be asked for: relative, no `..`, no empty or `.` components. */
export function isCleanEntryName(name: string): boolean {
  return name !== '' && !name.startsWith('/') && name.split('/').every((p) => p !== '' && p !== '.' && p !== '..');
}
