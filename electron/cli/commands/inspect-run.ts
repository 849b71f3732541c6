import { resolve } from 'node:path';
import { inspectBundle } from '../../engine/bundle/inspect-bundle.js';
import type { CommandContext } from '../command-context.js';
import { formatBytes } from '../output/format-bytes.js';
import { printImageTable } from '../output/image-table.js';
import { printChartList, printFileList } from '../output/file-list.js';

/** Runs `ferry inspect` once its flags are parsed: the implementation, imported only when the command runs. */
export async function runInspect(ctx: CommandContext, dir: string, flags: { json?: boolean; html?: string; trust: string[]; requireApproval?: boolean; policy?: string; verify?: boolean; cosignKey: string[] }): Promise<void> {
  const { manifest, warnings, path } = await inspectBundle(dir);
  if (flags.html) {
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
    const html = renderHtmlReport(review);
    await writeFileAtomic(resolve(flags.html), html);
    ctx.stderr.write(`ferry: wrote review report ${resolve(flags.html)}\n`);
  }
  if (flags.json) {
    ctx.stdout.write(`${JSON.stringify({ type: 'result', path, warnings, bundle: manifest }, null, 2)}\n`);
    return;
  }
  const out = ctx.stdout;
  out.write(`Bundle ${manifest.id}\n  created ${manifest.created} by ${manifest.tool.name} ${manifest.tool.version}\n`);
  out.write(`  platforms: ${manifest.platforms?.join(', ') ?? 'all (as published)'}\n\n`);
  printImageTable(manifest, out);
  out.write(`\nSources and digests:\n`);
  for (const image of manifest.images) {
    out.write(`  ${image.source}\n    from     ${image.reference}\n    original ${image.originalDigest}\n`);
    if (image.digest !== image.originalDigest) out.write(`    carried  ${image.digest} (platforms filtered)\n`);
    if (image.originalManifest) out.write(`    the published index is carried too, as evidence for signatures over ${image.originalDigest.slice(0, 19)}…\n`);
    if (!image.dockerLoadable) out.write(`    not in manifest.json: docker load cannot load it (a layer is not carried)\n`);
  }
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
  out.write(`\n${manifest.blobs.length} distinct blobs, ${formatBytes(total)}\n`);
  out.write(`Archive ${manifest.archive.name}: ${formatBytes(manifest.archive.size)}, sha256 ${manifest.archive.sha256}\n`);
  for (const part of manifest.archive.parts) out.write(`  ${part.name}  ${formatBytes(part.size)}  ${part.sha256}\n`);
  for (const w of warnings) out.write(`\nwarning: ${w}\n`);
}
