import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { SlotHasher } from './slot-hasher.js';

/** Verify's reads: 8 MiB each, four in flight or being hashed, so 32 MiB of buffers whatever the bundle's size. */
export const VERIFY_CHUNK = 8 * 1024 * 1024;
const VERIFY_SLOTS = 4;

/** The names of archive files (`bundle.tar`, its parts `bundle.tar.001`…, parity parts `bundle.tar.p01`…). */
const ARCHIVE_FILE = /^bundle\.tar(\.[0-9]{3,}|\.p[0-9]{2,})?$/;

let early: SlotHasher | undefined;

/**
 * Starts verify's hashing thread ahead of need: a command that verifies calls it first thing, so the thread boots
 * (tens of milliseconds) while the command's modules load and bundle.json is read. Given the folders named on the
 * command line, the thread also starts hashing their archive files by itself ({@link archiveFilesIn}) while this one
 * is still loading. Unused, it keeps no process alive.
 */
export function prestartVerifyHasher(dirs: string[] = []): void {
  if (early) return;
  early = new SlotHasher(VERIFY_SLOTS, VERIFY_CHUNK);
  early.unref();
  const folders: { dir: string; names: Iterable<string> }[] = [];
  for (const given of dirs) {
    try {
      let dir = resolve(given);
      if (basename(dir) === 'bundle.json' && statSync(dir).isFile()) dir = dirname(dir);
      folders.push({ dir, names: readdirSync(dir) });
    } catch {
      // verification itself reports a folder it cannot open
    }
  }
  void early.prehash(archiveFilesIn(folders));
}

/**
 * The archive files of the folders (as `openBundleVolumes` names them), in the order verification reads them: data
 * parts in order, then parity parts, each across the folders. Only a guess made before bundle.json is read: what it
 * names is hashed early, and used only for the files verification then reads itself.
 */
export function archiveFilesIn(folders: { dir: string; names: Iterable<string> }[]): string[] {
  const found: { name: string; path: string }[] = [];
  for (const { dir, names } of folders) for (const name of names) if (ARCHIVE_FILE.test(name)) found.push({ name, path: join(dir, name) });
  // stable: the folders' order within one name
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((f) => f.path);
}

/** The hasher a verification reads through: the one started ahead of need when there is one, else a new one. */
export function verifyHasher(signal?: AbortSignal): SlotHasher {
  const ready = early;
  early = undefined;
  if (ready?.adopt(signal)) return ready;
  if (ready) void ready.close();
  return new SlotHasher(VERIFY_SLOTS, VERIFY_CHUNK, signal);
}
