import { relative } from 'node:path';
import { checkParityCount } from '../../engine/bundle/write-parity.js';
import { createBundle } from '../../engine/bundle/create-bundle.js';
import { readListFile } from '../../engine/bundle/read-list-file.js';
import { FerryError } from '../../engine/errors/ferry-error.js';
import { formatBytes, formatDuration } from '../output/format-bytes.js';
import { outputMode } from '../output/output-mode.js';
import { createProgressPrinter } from '../output/progress-printer.js';
import type { CommandContext } from '../command-context.js';
import { printImageTable } from '../output/image-table.js';
import { printChartList, printFileList } from '../output/file-list.js';

/** The parsed flags of `ferry bundle`. */
export interface BundleFlags {
  list: string[];
  file: string[];
  chart: string[];
  chartUsername?: string;
  chartPassword?: string;
  output: string;
  platform: string[];
  insecureRegistry: string[];
  caFile: string[];
  split?: string;
  parity?: string;
  concurrency?: string;
  json?: boolean;
  includeForeignLayers?: boolean;
  cache: boolean;
  cacheDir?: string;
  force?: boolean;
  signKey?: string;
  referrers?: boolean;
}

/** Runs `ferry bundle` once its flags are parsed: the implementation, imported only when the command runs. */
export async function runBundle(ctx: CommandContext, refs: string[], flags: BundleFlags): Promise<void> {
  const lists = await Promise.all(flags.list.map(readListFile));
  const images = [...refs, ...lists.flatMap((l) => l.images)];
  const files = [...lists.flatMap((l) => l.files), ...flags.file];
  const charts = [...lists.flatMap((l) => l.charts), ...flags.chart];
  const imagePlatforms = lists.flatMap((l) => l.imagePlatforms);
  if (images.length === 0 && files.length === 0 && charts.length === 0) throw new FerryError('bad-usage', 'No images given: name image references, a list file with -f, charts with --chart or plain files with --file.');
  const concurrency = flags.concurrency === undefined ? undefined : Number(flags.concurrency);
  const mode = outputMode(flags.json, ctx.stderr);
  const printer = createProgressPrinter(mode, ctx.stderr);
  try {
    const result = await createBundle(
      {
        images,
        files,
        charts,
        ...(imagePlatforms.length > 0 ? { imagePlatforms } : {}),
        ...(flags.chartUsername !== undefined ? { chartAuth: { username: flags.chartUsername, password: flags.chartPassword ?? '' } } : {}),
        outputDir: flags.output,
        platforms: flags.platform,
        includeForeignLayers: flags.includeForeignLayers ?? false,
        ...(flags.split !== undefined ? { split: flags.split } : {}),
        ...(flags.parity !== undefined ? { parity: checkParityCount(flags.parity) } : {}),
        ...(concurrency !== undefined ? { concurrency } : {}),
        cache: flags.cache,
        ...(flags.cacheDir !== undefined ? { cacheDir: flags.cacheDir } : {}),
        force: flags.force ?? false,
        ...(flags.signKey !== undefined ? { signKey: flags.signKey } : {}),
        ...(flags.referrers ? { referrers: true } : {}),
        registry: { insecureRegistries: flags.insecureRegistry, caFiles: flags.caFile },
      },
      { onProgress: printer.onProgress, signal: ctx.signal },
    );
    printer.stop();
    if (mode === 'json') {
      ctx.stdout.write(`${JSON.stringify({ type: 'result', dir: result.dir, stats: result.stats, ...(result.signature ? { signature: result.signature } : {}), bundle: result.manifest })}\n`);
      return;
    }
    printImageTable(result.manifest, ctx.stdout);
    printChartList(result.manifest, ctx.stdout);
    printFileList(result.manifest, ctx.stdout);
    const { stats, manifest } = result;
    const referenced = manifest.images.reduce((n, i) => n + i.size, 0);
    const saved = referenced - stats.bytes;
    ctx.stdout.write(
      `\nBundle ${result.dir}: ${manifest.images.length} image(s), ${stats.blobs} blobs, ${formatBytes(manifest.archive.size)} in ${manifest.archive.parts.length} file(s)` +
        `${manifest.archive.parity ? ` + ${manifest.archive.parity.parts.length} parity part(s) of ${formatBytes(manifest.archive.parity.shardSize)}` : ''}; ` +
        `fetched ${formatBytes(stats.bytesFetched)}, ${formatBytes(stats.bytesFromCache)} from cache, in ${formatDuration(stats.seconds)}` +
        `${saved > 0 ? `; shared layers saved ${formatBytes(saved)}` : ''}.\n`,
    );
    const referrers = manifest.images.flatMap((i) => i.referrers ?? []);
    if (flags.referrers) {
      const kinds = ['signature', 'attestation', 'sbom', 'other'].map((k) => [k, referrers.filter((r) => r.kind === k).length] as const).filter(([, n]) => n > 0);
      ctx.stdout.write(`Referrers carried: ${referrers.length === 0 ? 'none found' : kinds.map(([k, n]) => `${n} ${k}${n === 1 ? '' : 's'}`).join(', ')} (listed per image in bundle.json).\n`);
    }
    if (result.signature) {
      ctx.stdout.write(`Signed as preparer with key ${result.signature.keyId.slice(0, 16)} (${relative(result.dir, result.signature.file)}).\n`);
    }
  } finally {
    printer.stop();
  }
}
