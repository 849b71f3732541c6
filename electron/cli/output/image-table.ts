import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import { formatBytes, formatPlatformRecord } from '../../../shared/format.js';

/** Prints the images of a bundle as an aligned table: reference, digest carried, platforms, size. */
export function printImageTable(manifest: BundleManifest, out: NodeJS.WritableStream): void {
  const rows = manifest.images.map((image) => [
    image.reference,
    `${image.digest.slice(0, 19)}…${image.asPublished ? '' : ' (filtered)'}`,
    image.manifests
      .map((m) => (m.platform ? formatPlatformRecord(m.platform) : 'unknown'))
      .filter((p) => p !== 'unknown/unknown')
      .join(', ') || '-',
    formatBytes(image.size),
  ]);
  const header = ['IMAGE', 'DIGEST', 'PLATFORMS', 'SIZE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) {
    out.write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}\n`);
  }
}
