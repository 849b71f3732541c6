import { PARITY_SCHEME, type ParityRecord } from '../../../shared/bundle-manifest.js';
import type { OnProgress } from '../../../shared/progress.js';
import { FerryError } from '../errors/ferry-error.js';
import { MAX_TOTAL_SHARDS } from '../parity/cauchy-matrix.js';
import { encodeParityFiles } from '../parity/encode-parity-files.js';
import { ProgressMeter } from '../progress/progress-meter.js';
import { ARCHIVE_BASE } from './output-folder.js';

/**
 * The most parity parts a bundle may have. Parity beyond a few parts buys little that a second copy
 * of the bundle would not, and every parity part is as large as the largest data part.
 */
export const MAX_PARITY_PARTS = 32;

/** The names of `count` parity parts: `bundle.tar.p01`, `bundle.tar.p02`, … */
export function parityPartNames(count: number, base = ARCHIVE_BASE): string[] {
  const width = Math.max(2, String(count).length);
  return Array.from({ length: count }, (_, i) => `${base}.p${String(i + 1).padStart(width, '0')}`);
}

/** Checks a parity part count (`--parity N`): a whole number from `min` (1, or 0 where 0 means none) to {@link MAX_PARITY_PARTS}. */
export function checkParityCount(value: unknown, min: 0 | 1 = 1): number {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > MAX_PARITY_PARTS) {
    throw new FerryError('bad-usage', `Parity must be a whole number of parts from ${min} to ${MAX_PARITY_PARTS}, not ${String(value)}.`, { subject: String(value) });
  }
  return n;
}

/** Throws unless `dataParts` + `parity` shards fit one GF(2^8) code (256 at most). */
export function checkParityFits(dataParts: number, parity: number): void {
  if (parity > 0 && dataParts + parity > MAX_TOTAL_SHARDS) {
    throw new FerryError(
      'bad-usage',
      `The archive splits into ${dataParts} parts; with ${parity} parity parts that is more than the ${MAX_TOTAL_SHARDS} parts parity can cover. Choose a larger split size.`,
    );
  }
}

/** What {@link writeParityParts} needs. */
export interface WriteParityInput {
  /** The archive's data parts in order: their names, where they are now, and their sizes. */
  parts: { name: string; path: string; size: number }[];
  /** How many parity parts to write. */
  count: number;
  /** Where a parity part is written (a temporary name, promoted by the caller). */
  pathOf: (name: string) => string;
  signal?: AbortSignal;
  onProgress?: OnProgress;
}

/**
 * Encodes the parity parts of an archive's data parts (phase `parity`, with bytes), each hashed as it
 * is written, and returns the `archive.parity` record for `bundle.json`. With one data part every
 * parity part is a full-size coded copy of it.
 */
export async function writeParityParts(input: WriteParityInput): Promise<ParityRecord> {
  const { parts, count, onProgress } = input;
  checkParityFits(parts.length, count);
  const shardSize = Math.max(...parts.map((p) => p.size));
  const names = parityPartNames(count);
  onProgress?.({ kind: 'phase-start', phase: 'parity', totalBytes: parts.length * shardSize, totalItems: count });
  const meter = new ProgressMeter('parity', parts.length * shardSize, onProgress);
  const hashes = await encodeParityFiles({
    data: parts.map((p) => ({ path: p.path, size: p.size })),
    parityPaths: names.map((n) => input.pathOf(n)),
    shardSize,
    signal: input.signal,
    onBytes: (n) => meter.add(n),
  });
  meter.finish();
  onProgress?.({ kind: 'phase-end', phase: 'parity' });
  return {
    scheme: PARITY_SCHEME,
    dataParts: parts.length,
    shardSize,
    parts: names.map((name, i) => ({ name, size: shardSize, sha256: hashes[i]! })),
  };
}
