import { importBundle } from '../../engine/import/import-bundle.js';
import { verifyBundle, verifyFailure } from '../../engine/verify/verify-bundle.js';
import { writeBundleFiles } from '../../engine/files/write-bundle-files.js';
import { exportBundleCharts } from '../../engine/charts/write-bundle-charts.js';
import type { ImportReport } from '../../engine/import/import-report.js';
import { FerryError } from '../../engine/errors/ferry-error.js';
import { formatBytes, formatDuration } from '../output/format-bytes.js';
import { outputMode } from '../output/output-mode.js';
import { createProgressPrinter } from '../output/progress-printer.js';
import type { CommandContext } from '../command-context.js';
import { placeBundle } from './place-bundle.js';
import { DEFAULT_REPORT } from './import-report-file.js';

/** The parsed flags of `ferry import`. */
export interface ImportFlags {
  to?: string;
  toDir?: string;
  toContainerd?: boolean;
  address?: string;
  namespace: string;
  trust: string[];
  requireApproval?: boolean;
  policy?: string;
  cosignKey: string[];
  map: string[];
  dryRun?: boolean;
  insecureRegistry: string[];
  caFile: string[];
  concurrency?: string;
  report?: string;
  mirrorConfig?: string;
  filesTo?: string;
  chartsTo?: string;
  json?: boolean;
}


/** Prints `source → target` for every image (and, in a dry run, every chart: `chart NAME VERSION`). */
function printMapping(report: ImportReport, out: NodeJS.WritableStream): void {
  const charts = report.dryRun ? (report.charts ?? []).map((c) => ({ source: `chart ${c.name} ${c.version}`, target: c.target, rule: c.rule })) : [];
  const rows = [...report.images, ...charts];
  const width = Math.max(6, ...rows.map((i) => i.source.length));
  out.write(`${'SOURCE'.padEnd(width)}  TARGET\n`);
  for (const row of rows) out.write(`${row.source.padEnd(width)}  ${row.target}${row.rule ? `  (--map ${row.rule})` : ''}\n`);
}

/** Runs `ferry import` once its flags are parsed: the implementation, imported only when the command runs. */
export async function runImport(ctx: CommandContext, dirs: string[], flags: ImportFlags): Promise<void> {
  const targets = [flags.to, flags.toDir, flags.toContainerd].filter(Boolean).length;
  if (targets > 1 || (targets === 0 && flags.filesTo === undefined && flags.chartsTo === undefined)) {
    throw new FerryError('bad-usage', 'Give exactly one target: --to HOST[:PORT][/PREFIX] (a registry), --to-dir DIR (k3s/k0s images folder) or --to-containerd; --files-to DIR and --charts-to DIR may go alone or with it.');
  }
  const checks = {
    trustedKeys: flags.trust,
    ...(flags.requireApproval ? { requireApproval: true } : {}),
    ...(flags.policy ? { policy: flags.policy } : {}),
    ...(flags.cosignKey.length > 0 ? { cosignKeys: flags.cosignKey } : {}),
  };
  const writeFiles = async (verify: boolean): Promise<void> => {
    if (flags.chartsTo !== undefined) {
      const charts = await exportBundleCharts({ dirs, chartsTo: flags.chartsTo, verify, checks }, { signal: ctx.signal });
      verify = false;
      if (flags.json) ctx.stdout.write(`${JSON.stringify({ type: 'charts', files: charts })}\n`);
      else ctx.stdout.write(`Wrote ${charts.length} chart file(s) into ${flags.chartsTo}.\n`);
    }
    if (flags.filesTo === undefined) return;
    const written = await writeBundleFiles({ dirs, filesTo: flags.filesTo, verify, checks }, { signal: ctx.signal });
    if (flags.json) ctx.stdout.write(`${JSON.stringify({ type: 'files', files: written })}\n`);
    else ctx.stdout.write(`Wrote ${written.length} file(s) into ${flags.filesTo}${written.length > 0 ? `: ${written.map((f) => f.name).join(', ')}` : ''}.\n`);
  };
  if (targets === 0) {
    await writeFiles(true);
    return;
  }
  if (!flags.to) {
    // placing streams the archive checked part by part against bundle.json; signatures and policy are checked first when asked
    if (flags.trust.length > 0 || flags.requireApproval || flags.policy || flags.cosignKey.length > 0) {
      const failure = verifyFailure(await verifyBundle({ dirs, ...checks }, { signal: ctx.signal }), 'by ferry verify');
      if (failure) throw new FerryError(failure.code, `${failure.message.replace(/\.$/, '')}; nothing was placed.`, { subject: failure.subject ?? dirs[0]! });
    }
    await placeBundle(dirs, flags, ctx);
    await writeFiles(true);
    return;
  }
  const to = flags.to;
  const concurrency = flags.concurrency === undefined ? undefined : Number(flags.concurrency);
  if (concurrency !== undefined && !Number.isInteger(concurrency)) throw new FerryError('bad-usage', `--concurrency must be a whole number, not "${flags.concurrency}".`);
  const mode = outputMode(flags.json, ctx.stderr);
  const printer = createProgressPrinter(mode, ctx.stderr);
  try {
    const result = await importBundle(
      {
        dirs,
        to,
        checks,
        map: flags.map,
        dryRun: flags.dryRun ?? false,
        ...(concurrency !== undefined ? { concurrency } : {}),
        registry: { insecureRegistries: flags.insecureRegistry, caFiles: flags.caFile },
        ...(flags.dryRun ? {} : { reportFile: flags.report ?? DEFAULT_REPORT }),
        ...(flags.mirrorConfig !== undefined && !flags.dryRun ? { mirrorConfigDir: flags.mirrorConfig } : {}),
        ...(flags.filesTo !== undefined && !flags.dryRun ? { filesTo: flags.filesTo } : {}),
        ...(flags.chartsTo !== undefined && !flags.dryRun ? { chartsTo: flags.chartsTo } : {}),
      },
      { onProgress: printer.onProgress, signal: ctx.signal },
    );
    printer.stop();
    const { report } = result;
    if (mode === 'json') {
      ctx.stdout.write(`${JSON.stringify({ type: 'result', ...(result.reportFile ? { reportFile: result.reportFile } : {}), ...(result.mirrorConfig ? { mirrorConfig: result.mirrorConfig.files } : {}), ...(result.files ? { files: result.files } : {}), ...(result.charts ? { charts: result.charts } : {}), ...(result.chartFiles ? { chartFiles: result.chartFiles } : {}), report })}\n`);
      return;
    }
    printMapping(report, ctx.stdout);
    if (report.dryRun) {
      ctx.stdout.write(`\nDry run: ${report.images.length} image(s) would go to ${report.target}; nothing was pushed.\n`);
      return;
    }
    const s = report.stats;
    ctx.stdout.write(
      `\nImported ${report.images.length} image(s) into ${report.target}: ${s.blobsUploaded} blob(s) uploaded (${formatBytes(s.bytesUploaded)}), ` +
        `${s.blobsMounted} mounted, ${s.blobsExisting} already there (skipped); ${s.manifestsPushed} manifest(s) pushed, ${s.manifestsExisting} already there; ` +
        `${s.tagsPushed} tag(s) put${s.tagsExisting ? `, ${s.tagsExisting} already right` : ''}${s.uploadsResumed ? `; ${s.uploadsResumed} interrupted upload(s) resumed` : ''}, in ${formatDuration(s.seconds)}.\nReport: ${result.reportFile}\n`,
    );
    if (result.mirrorConfig) ctx.stdout.write(`Mirror configuration: ${result.mirrorConfig.files.join(', ')}\n`);
    for (const chart of result.charts ?? []) ctx.stdout.write(`Chart ${chart.name} ${chart.version} → ${chart.target} (${chart.digest})${chart.rule ? `  (--map ${chart.rule})` : ''}\n`);
    if (result.chartFiles) ctx.stdout.write(`Wrote ${result.chartFiles.length} chart file(s) into ${flags.chartsTo}.\n`);
    if (result.files) ctx.stdout.write(`Wrote ${result.files.length} file(s) into ${flags.filesTo}${result.files.length > 0 ? `: ${result.files.map((f) => f.name).join(', ')}` : ''}.\n`);
  } finally {
    printer.stop();
  }
}
