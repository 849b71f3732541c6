/** The one size parser: part sizes, media capacities and rates as users type them, for the engine, the CLI and the app alike. */

/** FAT32's largest file: 4 GiB minus one byte. */
export const FAT32_MAX_FILE = 4 * 1024 ** 3 - 1;

/** The smallest part a bundle is split into. */
export const MIN_PART_SIZE = 1024 * 1024;

const UNITS: Readonly<Record<string, number>> = {
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

/**
 * A byte count with an optional decimal or binary unit (`512`, `64KiB`, `1.5MB`, `2 GB`), rounded down; undefined when
 * `input` is not one. Units are the ones in {@link UNITS}: `4Gi` (no `B`) is not a unit, so it is refused here and
 * everywhere this parser is used.
 */
export function parseByteCount(input: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(input.trim().toLowerCase());
  const unit = m ? UNITS[m[2]!] : undefined;
  if (!m || unit === undefined) return undefined;
  const bytes = Math.floor(Number(m[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Why a part size is refused, or its bytes: `700MB`, `3MiB`, `4GiB`, a byte count, or `fat32` (4 GiB − 1 byte); at least {@link MIN_PART_SIZE}. */
export function checkPartSize(input: string | number): { bytes: number } | { problem: 'not-a-size' | 'too-small' } {
  const bytes = typeof input === 'number' ? input : input.trim().toLowerCase() === 'fat32' ? FAT32_MAX_FILE : parseByteCount(input);
  if (bytes === undefined) return { problem: 'not-a-size' };
  if (!Number.isSafeInteger(bytes) || bytes < MIN_PART_SIZE) return { problem: 'too-small' };
  return { bytes };
}
