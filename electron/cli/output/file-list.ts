import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import { formatBytes } from './format-bytes.js';

/** Prints the bundle's plain files (`files/<name>`): name, size, sha256 and source; nothing when there are none. */
export function printFileList(manifest: BundleManifest, out: NodeJS.WritableStream): void {
  const files = manifest.files ?? [];
  if (files.length === 0) return;
  out.write(`\nFiles (${files.length}):\n`);
  const width = Math.max(4, ...files.map((f) => f.name.length));
  for (const f of files) out.write(`  ${f.name.padEnd(width)}  ${formatBytes(f.size).padStart(10)}  sha256:${f.sha256}  from ${f.source}\n`);
}

/** Prints the bundle's Helm charts, and for each the images it may need (listed, never added); nothing when there are none. */
export function printChartList(manifest: BundleManifest, out: NodeJS.WritableStream): void {
  const charts = manifest.charts ?? [];
  if (charts.length === 0) return;
  out.write(`\nCharts (${charts.length}):\n`);
  for (const c of charts) {
    out.write(`  ${c.name} ${c.version}  ${formatBytes(c.size)}  ${c.digest}${c.provenance ? '  (with provenance)' : ''}\n    from ${c.source}\n    chart ${c.chartDigest}\n`);
    if (c.images.length > 0) {
      const carried = new Set(manifest.images.flatMap((i) => [i.source, i.reference]));
      out.write(`    images this chart may need (not added):\n`);
      for (const image of c.images) out.write(`      ${image}${carried.has(image) ? '  (in this bundle)' : ''}\n`);
    }
  }
}
