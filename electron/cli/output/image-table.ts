import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import { formatBytes, formatPlatformRecord } from '../../../shared/format.js';

/**
 * Prints the images of a bundle as an aligned table: reference, digest carried, platforms, size; and, when any image
 * lacks a platform asked for (`missingPlatforms`), a MISSING column naming those.
 */
export function printImageTable(manifest: BundleManifest, out: NodeJS.WritableStream): void {
  const anyMissing = manifest.images.some((image) => (image.missingPlatforms?.length ?? 0) > 0);
  const rows = manifest.images.map((image) => [
    image.reference,
    `${image.digest.slice(0, 19)}…${image.asPublished ? '' : ' (filtered)'}`,
    image.manifests
      .map((m) => (m.platform ? formatPlatformRecord(m.platform) : 'unknown'))
      .filter((p) => p !== 'unknown/unknown')
      .join(', ') || '-',
    ...(anyMissing ? [image.missingPlatforms?.join(', ') || '-'] : []),
    formatBytes(image.size),
  ]);
  const header = ['IMAGE', 'DIGEST', 'PLATFORMS', ...(anyMissing ? ['MISSING'] : []), 'SIZE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) {
    out.write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}\n`);
  }
}
