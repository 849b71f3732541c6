import { FerryError } from '../errors/ferry-error.js';

/** FAT32's largest file: 4 GiB minus one byte. */
export const FAT32_MAX_FILE = 4 * 1024 ** 3 - 1;

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1000,
  m: 1000 ** 2,
  mb: 1000 ** 2,
  g: 1000 ** 3,
  gb: 1000 ** 3,
  t: 1000 ** 4,
  tb: 1000 ** 4,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Parses a part size: `700MB` (decimal), `3MiB` (binary), `4GiB`, a byte count, or `fat32` (4 GiB − 1 byte). */
export function parseSize(input: string | number): number {
  const bytes = typeof input === 'number' ? input : bytesOf(input);
  if (!Number.isSafeInteger(bytes) || bytes < 1024 * 1024) {
    throw new FerryError('bad-usage', `Split size "${input}" is too small; parts must be at least 1 MiB.`, { subject: String(input) });
  }
  return bytes;
}

/** A byte count with an optional decimal or binary unit (`512`, `64KiB`, `1.5MB`), rounded down; undefined when `input` is not one. */
export function parseByteCount(input: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(input.trim().toLowerCase());
  const unit = m ? UNITS[m[2]!] : undefined;
  return m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : undefined;
}

function bytesOf(input: string): number {
  if (input.trim().toLowerCase() === 'fat32') return FAT32_MAX_FILE;
  const bytes = parseByteCount(input);
  if (bytes === undefined) {
    throw new FerryError('bad-usage', `Split size "${input}" is not a size; use e.g. 700MB, 3MiB, 4GiB or fat32.`, { subject: input });
  }
  return bytes;
}
