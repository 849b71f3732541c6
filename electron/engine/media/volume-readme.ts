import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import { formatBytes } from '../../../shared/format.js';
import { ARCHIVE_BASE, BUNDLE_FILE, SUMS_FILE } from '../bundle/output-folder.js';
import type { PlannedVolume } from './plan-media.js';

/**
 * The `README.txt` of one volume: which volume of how many, the bundle id, the parts here and on
 * the other volumes, and how to check and reassemble the set with standard tools (sha256sum, cat)
 * or with Ferry. Plain ASCII with CRLF-free lines, readable in any editor.
 */
export function volumeReadme(manifest: BundleManifest, volumes: PlannedVolume[], index: number): string {
  const volume = volumes.find((v) => v.index === index)!;
  const n = volumes.length;
  const data = manifest.archive.parts;
  const parity = manifest.archive.parity;
  const split = data.length > 1;
  const images = manifest.images.length;
  const lines: string[] = [];
  lines.push(`Ferry bundle ${manifest.id}`);
  lines.push(`Volume ${index} of ${n}`);
  lines.push('');
  lines.push(`Made ${manifest.created} by ${manifest.tool.name} ${manifest.tool.version}: ${images} image${images === 1 ? '' : 's'}, archive ${manifest.archive.name} of ${formatBytes(manifest.archive.size)}.`);
  lines.push(`${BUNDLE_FILE} lists every image, blob and part; it is the same on every volume.`);
  lines.push('');
  lines.push('On this volume:');
  for (const p of volume.parts) lines.push(`  ${p.name}  ${p.size} bytes${isParity(p.name) ? '  (parity)' : ''}`);
  if (n > 1) {
    lines.push('');
    lines.push('The whole set:');
    for (const v of volumes) lines.push(`  volume ${v.index}: ${v.parts.map((p) => p.name).join(', ')}`);
  }
  lines.push('');
  lines.push('Check this volume (in this folder):');
  lines.push(`  sha256sum -c ${SUMS_FILE}`);
  lines.push('');
  lines.push('Reassemble the archive:');
  let step = 1;
  if (n > 1) lines.push(`  ${step++}. Copy ${BUNDLE_FILE} and every ${ARCHIVE_BASE}* file from all ${n} volumes into one folder.`);
  if (split) {
    lines.push(`  ${step++}. Join the data parts in order${parity ? ` (the parity parts ${ARCHIVE_BASE}.p* are not part of it)` : ''}:`);
    lines.push(`       cat ${ARCHIVE_BASE}.[0-9]* > ${manifest.archive.name}`);
    lines.push(
      data.length <= 12
        ? `     On Windows: copy /b ${data.map((p) => p.name).join('+')} ${manifest.archive.name}`
        : `     On Windows: copy /b ${data[0]!.name}+${data[1]!.name}+... ${manifest.archive.name}, naming all ${data.length} data parts in order.`,
    );
  }
  lines.push(`  ${step++}. Check it: sha256sum ${manifest.archive.name}`);
  lines.push(`     must print ${manifest.archive.sha256}`);
  lines.push(`     (archive.sha256 in ${BUNDLE_FILE}).`);
  if (parity) {
    lines.push('');
    lines.push(
      `Parity: ${parity.parts.length} parity part${parity.parts.length === 1 ? '' : 's'} (${parity.parts.map((p) => p.name).join(', ')}) can rebuild up to ${parity.parts.length} lost or damaged data part${parity.parts.length === 1 ? '' : 's'} with Ferry (ferry repair).`,
    );
  }
  lines.push('');
  lines.push('With Ferry, check every part, blob and signature in place:');
  lines.push(`  ferry verify ${n > 1 ? volumes.map((v) => `VOL${v.index}`).join(' ') : 'THIS-FOLDER'}`);
  if (n > 1) lines.push('  (VOL1 ... are the mount points of the volumes, all attached at once, or their copies.)');
  lines.push('');
  return lines.join('\n');
}

function isParity(name: string): boolean {
  return /\.p\d{2,}$/.test(name);
}
