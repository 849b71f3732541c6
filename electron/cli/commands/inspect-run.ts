import { resolve } from 'node:path';
import { inspectBundle } from '../../engine/bundle/inspect-bundle.js';
import { FerryError } from '../../engine/errors/ferry-error.js';
import { DELTA_NOT_LOADABLE, describeDelta } from '../../engine/bundle/describe-delta.js';
import type { CommandContext } from '../command-context.js';
import { cliAdvice } from '../output/error-hints.js';
import { formatBytes } from '../output/format-bytes.js';
import { printImageTable } from '../output/image-table.js';
import { collidingTagAdvice, collidingTags } from '../../engine/bundle/archive/colliding-tags.js';
import { printChartList, printFileList } from '../output/file-list.js';

/** Runs `ferry inspect` once its flags are parsed: the implementation, imported only when the command runs. */
export async function runInspect(
  ctx: CommandContext,
  dir: string,
  flags: { json?: boolean; html?: string; trust: string[]; requireApproval?: boolean; policy?: string; verify?: boolean; cosignKey: string[]; against?: string },
): Promise<void> {
  if (flags.against !== undefined && !flags.html) {
    throw new FerryError('bad-usage', '--against adds "What changed" to the HTML report: give --html REPORT.html too (or run ferry diff OLD NEW).');
  }
  const { manifest, warnings, hints, path } = await inspectBundle(dir);
  if (flags.html) {
    // "What changed" against an older bundle or an inventory (the same diff as `ferry diff OLD DIR`), first: a bad OLD fails fast
    const diff = flags.against === undefined ? undefined : await (await import('../../engine/diff/diff-holdings.js')).diffHoldings(flags.against, dir, { signal: ctx.signal });
    // the review (trust, policy, cosign, verify) loads only for a report
    const [{ reviewBundle }, { renderHtmlReport }, { writeFileAtomic }] = await Promise.all([
      import('../../engine/report/review-bundle.js'),
      import('../../engine/report/html-report.js'),
      import('../../engine/util/write-file-atomic.js'),
    ]);
    const review = await reviewBundle(
      {
        dir,
        trustedKeys: flags.trust,
        ...(flags.requireApproval ? { requireApproval: true } : {}),
        ...(flags.policy ? { policy: flags.policy } : {}),
        ...(flags.verify ? { verify: true } : {}),
        ...(flags.cosignKey.length > 0 ? { cosignKeys: flags.cosignKey } : {}),
      },
      { signal: ctx.signal },
    );
    const html = renderHtmlReport(diff ? { ...review, diff } : review);
    await writeFileAtomic(resolve(flags.html), html);
    ctx.stderr.write(`ferry: wrote review report ${resolve(flags.html)}\n`);
  }
  const delta = describeDelta(manifest);
  if (flags.json) {
    const summary = delta
      ? { isDelta: true, against: delta.against, blobsCarried: delta.blobsCarried, bytesCarried: delta.bytesCarried, blobsReliedOn: delta.blobsOmitted, bytesReliedOn: delta.bytesOmitted, loadableAlone: false, notLoadable: delta.notLoadable, note: DELTA_NOT_LOADABLE }
      : { isDelta: false };
    // per image, the platforms asked for that it lacks (also in bundle.images[].missingPlatforms)
    const missingPlatforms = manifest.images.filter((i) => (i.missingPlatforms?.length ?? 0) > 0).map((i) => ({ image: i.reference, missing: i.missingPlatforms! }));
    ctx.stdout.write(`${JSON.stringify({ type: 'result', path, warnings, hints, advice: hints.map((h) => cliAdvice(h)), delta: summary, missingPlatforms, bundle: manifest }, null, 2)}\n`);
    return;
  }
  const out = ctx.stdout;
  out.write(`Bundle ${manifest.id}\n  created ${manifest.created} by ${manifest.tool.name} ${manifest.tool.version}\n`);
  out.write(`  platforms: ${manifest.platforms?.join(', ') ?? 'all (as published)'}\n`);
  if (delta) {
    out.write(`  DELTA: relies on ${delta.blobsOmitted} blob${delta.blobsOmitted === 1 ? '' : 's'} (${formatBytes(delta.bytesOmitted)}) held offline; carries ${delta.blobsCarried} blobs (${formatBytes(delta.bytesCarried)}) of ${formatBytes(delta.bytesCarried + delta.bytesOmitted)}\n`);
    for (const line of delta.againstText) out.write(`    made against ${line}\n`);
    out.write(`    ${DELTA_NOT_LOADABLE} ${cliAdvice('base-bundles')}\n`);
  }
  out.write('\n');
  printImageTable(manifest, out);
  out.write(`\nSources and digests:\n`);
  for (const image of manifest.images) {
    out.write(`  ${image.source}\n    from     ${image.reference}\n    original ${image.originalDigest}\n`);
    if (image.digest !== image.originalDigest) out.write(`    carried  ${image.digest} (platforms filtered)\n`);
    if (image.missingPlatforms?.length) out.write(`    missing  ${image.missingPlatforms.join(', ')} (asked for, not published: nodes of ${image.missingPlatforms.length === 1 ? 'that platform' : 'those platforms'} cannot run it)\n`);
    if (image.originalManifest) out.write(`    the published index is carried too, as evidence for signatures over ${image.originalDigest.slice(0, 19)}…\n`);
    if (!image.dockerLoadable) out.write(`    not in manifest.json: docker load cannot load it (a layer is not carried${delta ? ', or is held offline: this is a delta' : ''})\n`);
  }
  // index.json gives each image only its tag (containerd's convention): how to reach each when tags collide
  for (const collision of collidingTags(manifest.images.map((i) => ({ name: i.reference, tag: i.tag })))) out.write(`  note: ${collidingTagAdvice(collision)}\n`);
  const carried = manifest.images.some((i) => (i.referrers?.length ?? 0) > 0)
    ? await (await import('../../engine/referrers/bundle-artifacts.js')).readBundleArtifacts(dir, { signal: ctx.signal })
    : undefined;
  for (const image of manifest.images.filter((i) => (i.referrers?.length ?? 0) > 0)) {
    out.write(`\nSignatures, attestations and SBOMs of ${image.reference}:\n`);
    for (const r of image.referrers ?? []) {
      const summary = carried?.artifacts.get(image.reference)?.find((a) => a.digest === r.digest);
      out.write(`  ${r.kind.padEnd(11)} ${summary?.detail ?? r.artifactType ?? ''}${summary || r.artifactType ? '  ' : ''}${r.tag ?? `referrer of ${r.subject.slice(0, 19)}`}  ${r.digest}\n`);
    }
  }
  printChartList(manifest, out);
  printFileList(manifest, out);
  const total = manifest.blobs.reduce((n, b) => n + b.size, 0);
  out.write(`\n${manifest.blobs.length} distinct blobs${delta ? ' carried' : ''}, ${formatBytes(total)}${delta ? `; ${delta.blobsOmitted} more (${formatBytes(delta.bytesOmitted)}) held offline` : ''}\n`);
  out.write(`Archive ${manifest.archive.name}: ${formatBytes(manifest.archive.size)}, sha256 ${manifest.archive.sha256}\n`);
  for (const part of manifest.archive.parts) out.write(`  ${part.name}  ${formatBytes(part.size)}  ${part.sha256}\n`);
  // the delta's warning is the DELTA block at the top
  for (const w of warnings.filter((w) => !delta || !w.startsWith(delta.headline))) out.write(`\nwarning: ${w}\n`);
  for (const h of hints.filter((h) => h !== 'base-bundles')) out.write(`  ${cliAdvice(h)}\n`);
}
