import type { DiffImage, DiffReport, DiffSide } from '../../../shared/diff-report.js';
import { formatBytes } from '../../../shared/format.js';

/** A digest shortened for a table column (`sha256:0123456789ab…`); the full one is in `--json`. */
function shortDigest(digest: string | undefined): string {
  return digest === undefined ? '-' : `${digest.slice(0, 19)}…`;
}

/** One side in a line: what it is, where, and what it holds. */
function describeSide(side: DiffSide): string {
  const what = side.kind === 'bundle' ? `bundle ${side.bundleId ?? ''}` : `inventory sha256 ${side.sha256.slice(0, 16)}…`;
  const delta = side.delta ? `; a delta relying on ${side.delta.blobsReliedOn} blob(s) (${formatBytes(side.delta.bytesReliedOn)}) held offline` : '';
  return `${what}, made ${side.created}: ${side.path} (${side.images} image(s), ${side.blobs} blob(s), ${formatBytes(side.bytes)}${delta})`;
}

/** The platforms column: one list when both sides agree, `old → new` when not, `unknown` where a side does not record them. */
function platformsCell(image: DiffImage): string {
  const list = (p: string[] | null | undefined): string => (p === null ? 'unknown' : (p ?? []).join(', ') || '-');
  if (!image.old) return list(image.new?.platforms);
  if (!image.new) return list(image.old.platforms);
  const before = list(image.old.platforms);
  const after = list(image.new.platforms);
  return before === after ? after : `${before} → ${after}`;
}

/** The new-bytes column: `new / total`, `unknown` when NEW does not say, `-` for a removed image. */
function bytesCell(image: DiffImage): string {
  if (!image.new) return '-';
  if (image.newBytes == null || image.totalBytes == null) return 'unknown';
  return `${formatBytes(image.newBytes)} / ${formatBytes(image.totalBytes)}`;
}

/** Prints a diff for a security officer: both sides, the counts, one row per image, the new bytes, then notes and warnings. */
export function printDiffText(report: DiffReport, out: NodeJS.WritableStream): void {
  const { counts } = report;
  out.write('What is new in this transfer\n');
  out.write(`  OLD  ${describeSide(report.old)}\n`);
  out.write(`  NEW  ${describeSide(report.new)}\n\n`);
  out.write(`  ${counts.added} added, ${counts.changed} changed, ${counts.removed} removed (in OLD, not in NEW), ${counts.unchanged} unchanged\n\n`);
  if (report.images.length > 0) {
    const header = ['CHANGE', 'IMAGE', 'OLD DIGEST', 'NEW DIGEST', 'PLATFORMS', 'NEW / TOTAL BYTES'];
    const rows = report.images.map((image) => [image.change, image.name, shortDigest(image.old?.digest), shortDigest(image.new?.digest), platformsCell(image), bytesCell(image)]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]): string => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
    out.write(`${line(header)}\n`);
    const indent = ' '.repeat(widths[0]! + 2);
    report.images.forEach((image, i) => {
      out.write(`${line(rows[i]!)}\n`);
      if (image.matchedByPath && image.old) out.write(`${indent}OLD names it ${image.old.name}\n`);
      if (image.otherTagsInOld?.length) out.write(`${indent}OLD holds ${image.otherTagsInOld.join(', ')} of this repository\n`);
    });
    out.write('\n');
  }
  const { blobsAdded } = report;
  out.write(`New in this transfer: ${blobsAdded.count} blob(s), ${formatBytes(blobsAdded.bytes)} (NEW carries ${report.new.blobs} blob(s), ${formatBytes(report.new.bytes)})\n`);
  for (const note of report.notes) out.write(`note: ${note}\n`);
  for (const warning of report.warnings) out.write(`warning: ${warning}\n`);
}
