import type { VerifiedBundle } from '../../engine/verify/open-verified-bundle.js';
import type { ImportReport } from '../../engine/import/import-report.js';
import { FerryError } from '../../engine/errors/ferry-error.js';
import { formatBytes, formatDuration } from '../output/format-bytes.js';
import { outputMode } from '../output/output-mode.js';
import { withCliAdvice } from '../output/error-hints.js';
import { createProgressPrinter, progressJson } from '../output/progress-printer.js';
import type { CommandContext } from '../command-context.js';
import { DEFAULT_REPORT } from './import-report-file.js';
import type { ProgressEvent } from '../../../shared/progress.js';
import type { WrittenInventory } from '../../engine/inventory/write-inventory.js';

// Each target's implementation (the registry client for --to, containerd and folders for the others, inventories,
// charts, files) is loaded only on the path that needs it: the command starts with little more than its flags.

/** The parsed flags of `ferry import`. */
export interface ImportFlags {
  to?: string;
  toDir?: string;
  toContainerd?: boolean;
  address?: string;
  namespace: string;
  /** `--base DIR` (repeatable): a delta's earlier bundles, for --to-dir / --to-containerd. */
  base?: string[];
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
  inventory?: string;
  json?: boolean;
}


/** What the result says about the inventory written: where, its sha256, its counts, its signature. */
function inventorySummary(written: WrittenInventory): Pick<WrittenInventory, 'file' | 'sha256' | 'counts' | 'signature'> {
  return { file: written.file, sha256: written.sha256, counts: written.counts, ...(written.signature ? { signature: written.signature } : {}) };
}

/** Prints the inventory written: a JSON line `{type: 'inventory', …}`, or one sentence. */
async function printInventory(written: WrittenInventory, json: boolean | undefined, out: NodeJS.WritableStream): Promise<void> {
  const { describeWrittenInventory } = await import('../../engine/inventory/write-inventory.js');
  if (json) out.write(`${JSON.stringify({ type: 'inventory', ...inventorySummary(written) })}\n`);
  else out.write(`Inventory ${describeWrittenInventory(written, formatBytes)}\n`);
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
  const writeFiles = async (bundle: VerifiedBundle): Promise<void> => {
    if (flags.chartsTo !== undefined) {
      const { exportBundleCharts } = await import('../../engine/charts/write-bundle-charts.js');
      const charts = await exportBundleCharts({ bundle, chartsTo: flags.chartsTo }, { signal: ctx.signal });
      if (flags.json) ctx.stdout.write(`${JSON.stringify({ type: 'charts', files: charts })}\n`);
      else ctx.stdout.write(`Wrote ${charts.length} chart file(s) into ${flags.chartsTo}.\n`);
    }
    if (flags.filesTo === undefined) return;
    const { writeBundleFiles } = await import('../../engine/files/write-bundle-files.js');
    const written = await writeBundleFiles({ bundle, filesTo: flags.filesTo }, { signal: ctx.signal });
    if (flags.json) ctx.stdout.write(`${JSON.stringify({ type: 'files', files: written })}\n`);
    else ctx.stdout.write(`Wrote ${written.length} file(s) into ${flags.filesTo}${written.length > 0 ? `: ${written.map((f) => f.name).join(', ')}` : ''}.\n`);
  };
  if ((flags.base?.length ?? 0) > 0 && !flags.toDir && !flags.toContainerd) {
    throw new FerryError('bad-usage', '--base DIR makes a delta complete for --to-dir or --to-containerd; with --to, the registry itself must hold what the delta relies on (ferry verify DELTA --against HOST/PREFIX checks it).');
  }
  if (flags.inventory !== undefined && (targets === 0 || flags.dryRun)) {
    throw new FerryError('bad-usage', '--inventory records what an import put where: give --to, --to-dir or --to-containerd, without --dry-run.');
  }
  if (targets === 0) {
    // the whole bundle is proven (and trusted, when asked) before a file is written
    const { openVerifiedBundle } = await import('../../engine/verify/open-verified-bundle.js');
    await writeFiles(await openVerifiedBundle({ dirs, ...checks, consequence: 'nothing was written' }, { signal: ctx.signal }));
    return;
  }
  if (!flags.to) {
    // an inventory to update must be readable before anything is placed
    const inventory = flags.inventory !== undefined ? await import('../../engine/inventory/update-inventory.js') : undefined;
    const previous = inventory && flags.inventory !== undefined ? ((await inventory.readExistingInventory(flags.inventory)) ?? null) : undefined;
    // the whole bundle is proven first (and trusted, when asked); the archive is checked again as it streams
    const { placeBundle } = await import('./place-bundle.js');
    const bundle = await placeBundle(dirs, checks, flags, ctx);
    if (inventory && flags.inventory !== undefined) {
      const [{ InventoryBuilder }, { addPlacedBundleToInventory }] = await Promise.all([import('../../engine/inventory/inventory-builder.js'), import('../../engine/inventory/inventory-from-bundle.js')]);
      const add = new InventoryBuilder();
      await addPlacedBundleToInventory(add, bundle, flags.namespace, { signal: ctx.signal });
      const onProgress = (e: ProgressEvent): void => {
        if (e.kind === 'warning') ctx.stderr.write(flags.json ? `${JSON.stringify(progressJson(e))}\n` : `warning: ${withCliAdvice(e.message, e.hint, e.subject)}\n`);
      };
      const written = await inventory.updateInventory({ file: flags.inventory, previous, add, onProgress });
      await printInventory(written, flags.json, ctx.stdout);
    }
    await writeFiles(bundle);
    return;
  }
  const to = flags.to;
  const concurrency = flags.concurrency === undefined ? undefined : Number(flags.concurrency);
  if (concurrency !== undefined && !Number.isInteger(concurrency)) throw new FerryError('bad-usage', `--concurrency must be a whole number, not "${flags.concurrency}".`);
  const mode = outputMode(flags.json, ctx.stderr);
  const printer = await createProgressPrinter(mode, ctx.stderr);
  try {
    const { importBundle } = await import('../../engine/import/import-bundle.js');
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
        ...(flags.inventory !== undefined ? { inventory: flags.inventory } : {}),
      },
      { onProgress: printer.onProgress, signal: ctx.signal },
    );
    printer.stop();
    const { report } = result;
    if (mode === 'json') {
      ctx.stdout.write(`${JSON.stringify({ type: 'result', ...(result.reportFile ? { reportFile: result.reportFile } : {}), ...(result.mirrorConfig ? { mirrorConfig: result.mirrorConfig.files } : {}), ...(result.files ? { files: result.files } : {}), ...(result.charts ? { charts: result.charts } : {}), ...(result.chartFiles ? { chartFiles: result.chartFiles } : {}), ...(result.inventory ? { inventory: inventorySummary(result.inventory) } : {}), report })}\n`);
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
    if (result.inventory) await printInventory(result.inventory, false, ctx.stdout);
    if (result.files) ctx.stdout.write(`Wrote ${result.files.length} file(s) into ${flags.filesTo}${result.files.length > 0 ? `: ${result.files.map((f) => f.name).join(', ')}` : ''}.\n`);
  } finally {
    printer.stop();
  }
}
