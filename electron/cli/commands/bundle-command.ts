import type { Command } from 'commander';
import { relative } from 'node:path';
import { checkParityCount, createBundle, readListFile } from '../../engine/index.js';
import { FerryError } from '../../engine/errors/ferry-error.js';
import { formatBytes, formatDuration } from '../output/format-bytes.js';
import { outputMode } from '../output/output-mode.js';
import { createProgressPrinter } from '../output/progress-printer.js';
import type { CommandContext } from '../command-context.js';
import { collect } from '../collect.js';
import { printImageTable } from '../output/image-table.js';
import { printChartList, printFileList } from '../output/file-list.js';

interface BundleFlags {
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

/** `ferry bundle`: images from registries into one bundle folder. */
export function registerBundleCommand(program: Command, ctx: CommandContext): void {
  program
    .command('bundle')
    .description('fetch images from registries into one bundle folder (bundle.json, bundle.tar, SHA256SUMS)')
    .argument('[refs...]', 'image references (nginx:1.27, registry.local:5000/team/app@sha256:…)')
    .option('-f, --list <list>', 'read a list file: one reference per line (# comments), or YAML with images/charts/files (docs/bundle-list.example.yaml); repeatable', collect, [])
    .option('--chart <repo-url/name@version|oci://host/path/name:version>', 'also carry this Helm chart as an OCI artifact; repeatable', collect, [])
    .option('--chart-username <user>', 'Basic credentials for HTTP chart repositories')
    .option('--chart-password <password>', 'Basic credentials for HTTP chart repositories')
    .option('--file <path|url>', 'also carry this plain file (local path or http(s) URL) as files/<name>; repeatable', collect, [])
    .requiredOption('-o, --output <dir>', 'the bundle folder to write')
    .option('--platform <os/arch[/variant][:osversion]>', 'keep only these platforms (repeatable); none: every platform, digests kept', collect, [])
    .option('--insecure-registry <host[:port]>', 'plain HTTP / unverified TLS for this host (repeatable)', collect, [])
    .option('--ca-file <pem>', 'trust this CA in addition to the system CAs (repeatable)', collect, [])
    .option('--split <size|fat32>', 'split the archive into parts (700MB, 3MiB, 4GiB, fat32)')
    .option('--parity <n>', 'also write n Reed–Solomon parity parts (1–32): any n lost or damaged parts can be rebuilt with ferry repair')
    .option('--concurrency <n>', 'blobs fetched at once (default 8)')
    .option('--include-foreign-layers', 'fetch Windows foreign layers from their URLs and carry them')
    .option('--no-cache', 'do not use the local blob cache')
    .option('--cache-dir <dir>', 'blob cache folder (default $XDG_CACHE_HOME/ferry)')
    .option('--force', 'replace a bundle already in the output folder')
    .option('--sign-key <key>', 'sign the finished bundle as its preparer with this private key (ferry keygen); checked before fetching')
    .option('--referrers', 'also carry cosign signatures, attestations and SBOMs (sha256-<hex>.sig/.att/.sbom tags) and OCI 1.1 referrers')
    .option('--json', 'machine-readable result on stdout, progress as JSON lines on stderr')
    .action(async (refs: string[], flags: BundleFlags) => {
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
    });
}
