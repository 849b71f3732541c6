import { relative } from 'node:path';
import { checkParityCount } from '../../engine/bundle/write-parity.js';
import { createBundle } from '../../engine/bundle/create-bundle.js';
import { parseByteCount } from '../../engine/bundle/parse-size.js';
import { FerryError } from '../../engine/errors/ferry-error.js';
import { formatBytes, formatDuration } from '../output/format-bytes.js';
import { outputMode } from '../output/output-mode.js';
import { createProgressPrinter } from '../output/progress-printer.js';
import type { CommandContext } from '../command-context.js';
import { printImageTable } from '../output/image-table.js';
import { printChartList, printFileList } from '../output/file-list.js';
import { describeDeltaBase } from '../../engine/bundle/describe-delta.js';

/** The parsed flags of `ferry bundle`. */
export interface BundleFlags {
  list: string[];
  file: string[];
  chart: string[];
  chartUsername?: string;
  chartPassword?: string;
  output: string;
  platform: string[];
  allPlatformsRequired?: boolean;
  insecureRegistry: string[];
  caFile: string[];
  split?: string;
  parity?: string;
  concurrency?: string;
  lowSpeedLimit?: string;
  lowSpeedTime?: string;
  json?: boolean;
  includeForeignLayers?: boolean;
  cache: boolean;
  cacheDir?: string;
  force?: boolean;
  signKey?: string;
  referrers?: boolean;
  have: string[];
  trust: string[];
}

/** Runs `ferry bundle` once its flags are parsed: the implementation, imported only when the command runs. */
export async function runBundle(ctx: CommandContext, refs: string[], flags: BundleFlags): Promise<void> {
  // list files (YAML among them) are read by a module loaded only when one is given
  const readListFile = flags.list.length > 0 ? (await import('../../engine/bundle/read-list-file.js')).readListFile : undefined;
  const lists = readListFile ? await Promise.all(flags.list.map(readListFile)) : [];
  const images = [...refs, ...lists.flatMap((l) => l.images)];
  const files = [...lists.flatMap((l) => l.files), ...flags.file];
  const charts = [...lists.flatMap((l) => l.charts), ...flags.chart];
  const imagePlatforms = lists.flatMap((l) => l.imagePlatforms);
  if (images.length === 0 && files.length === 0 && charts.length === 0) throw new FerryError('bad-usage', 'No images given: name image references, a list file with -f, charts with --chart or plain files with --file.');
  const concurrency = flags.concurrency === undefined ? undefined : Number(flags.concurrency);
  const lowSpeed = lowSpeedOptions(flags);
  const mode = outputMode(flags.json, ctx.stderr);
  const printer = await createProgressPrinter(mode, ctx.stderr);
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
        ...(flags.allPlatformsRequired ? { allPlatformsRequired: true } : {}),
        includeForeignLayers: flags.includeForeignLayers ?? false,
        ...(flags.split !== undefined ? { split: flags.split } : {}),
        ...(flags.parity !== undefined ? { parity: checkParityCount(flags.parity) } : {}),
        ...(concurrency !== undefined ? { concurrency } : {}),
        cache: flags.cache,
        ...(flags.cacheDir !== undefined ? { cacheDir: flags.cacheDir } : {}),
        force: flags.force ?? false,
        ...(flags.signKey !== undefined ? { signKey: flags.signKey } : {}),
        ...(flags.referrers ? { referrers: true } : {}),
        ...(flags.have.length > 0 ? { have: flags.have } : {}),
        ...(flags.trust.length > 0 ? { trustedKeys: flags.trust } : {}),
        registry: { insecureRegistries: flags.insecureRegistry, caFiles: flags.caFile, ...lowSpeed },
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
    const saved = referenced - stats.bytes - stats.bytesOmitted;
    ctx.stdout.write(
      `\nBundle ${result.dir}: ${manifest.images.length} image(s), ${stats.blobs} blobs, ${formatBytes(manifest.archive.size)} in ${manifest.archive.parts.length} file(s)` +
        `${manifest.archive.parity ? ` + ${manifest.archive.parity.parts.length} parity part(s) of ${formatBytes(manifest.archive.parity.shardSize)}` : ''}; ` +
        `fetched ${formatBytes(stats.bytesFetched)}, ${formatBytes(stats.bytesFromCache)} from cache, in ${formatDuration(stats.seconds)}` +
        `${saved > 0 ? `; shared layers saved ${formatBytes(saved)}` : ''}.\n`,
    );
    if (manifest.delta) {
      const full = stats.bytes + stats.bytesOmitted;
      ctx.stdout.write(
        `Delta against ${manifest.delta.against.map(describeDeltaBase).join('; ')}: carries ${formatBytes(stats.bytes)} of ${formatBytes(full)}; ` +
          `${formatBytes(stats.bytesOmitted)} held offline (${stats.blobsOmitted} blob${stats.blobsOmitted === 1 ? '' : 's'} not fetched). ` +
          `It is not loadable alone (docker load, ctr import): import it on top of what it relies on.\n`,
      );
    } else if (flags.have.length > 0) {
      ctx.stdout.write(`Not a delta: nothing these images need is held offline according to ${flags.have.join(', ')}; the bundle is complete.\n`);
    }
    const referrers = manifest.images.flatMap((i) => i.referrers ?? []);
    if (flags.referrers) {
      const kinds = ['signature', 'attestation', 'sbom', 'other'].map((k) => [k, referrers.filter((r) => r.kind === k).length] as const).filter(([, n]) => n > 0);
      ctx.stdout.write(`Referrers carried: ${referrers.length === 0 ? 'none found' : kinds.map(([k, n]) => `${n} ${k}${n === 1 ? '' : 's'}`).join(', ')} (listed per image in bundle.json).\n`);
    }
    const lacking = manifest.images.filter((i) => (i.missingPlatforms?.length ?? 0) > 0);
    if (lacking.length > 0) {
      ctx.stdout.write(
        `${lacking.length} image(s) lack a platform asked for and are carried without it (MISSING above; bundle.json missingPlatforms): ` +
          `nodes of those platforms cannot run them. --all-platforms-required makes this an error.\n`,
      );
    }
    if (result.signature) {
      ctx.stdout.write(`Signed as preparer with key ${result.signature.keyId.slice(0, 16)} (${relative(result.dir, result.signature.file)}).\n`);
    }
  } finally {
    printer.stop();
  }
}

/** `--low-speed-limit` (a byte count per second, units allowed, 0: off) and `--low-speed-time` (seconds) as client options. */
function lowSpeedOptions(flags: BundleFlags): { lowSpeedLimit?: number; lowSpeedTimeMs?: number } {
  const options: { lowSpeedLimit?: number; lowSpeedTimeMs?: number } = {};
  if (flags.lowSpeedLimit !== undefined) {
    const bytes = parseByteCount(flags.lowSpeedLimit);
    if (bytes === undefined || !Number.isSafeInteger(bytes)) {
      throw new FerryError('bad-usage', `--low-speed-limit "${flags.lowSpeedLimit}" is not a rate in bytes per second; use e.g. 1024, 1KiB or 0 (never).`, {
        subject: flags.lowSpeedLimit,
      });
    }
    options.lowSpeedLimit = bytes;
  }
  if (flags.lowSpeedTime !== undefined) {
    const seconds = /^\s*\d+(\.\d+)?\s*$/.test(flags.lowSpeedTime) ? Number(flags.lowSpeedTime) : NaN;
    if (!(seconds >= 0.1) || seconds > 24 * 3600) {
      throw new FerryError('bad-usage', `--low-speed-time "${flags.lowSpeedTime}" is not a number of seconds from 0.1 to 86400; use e.g. 30.`, {
        subject: flags.lowSpeedTime,
      });
    }
    options.lowSpeedTimeMs = Math.round(seconds * 1000);
  }
  return options;
}
