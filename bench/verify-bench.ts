// `ferry verify` speed against `sha256sum` over the same bytes (bundle.json and every archive file),
// with the page cache warm for both, so the figure is the CPU and read-path cost, not the medium's.
//
//   npm run build && npx tsx bench/verify-bench.ts [BUNDLE_DIR]
//
// Without a folder it makes a bundle of FERRY_BENCH_MIB (default 1024) MiB of random layers split
// into FERRY_BENCH_SPLIT parts (default 256MiB). FERRY_BENCH_RUNS (default 3): best of. Target:
// ferry verify ≤ 1.3× sha256sum, while it also hashes every blob and walks the archive.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTestBundle } from '../e2e/harness/index.js';
import { verifyIntegrity } from '../electron/engine/index.js';
import { timedCommand } from './timed-command.js';

const root = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../..' : '..', import.meta.url));

/** Runs a command to its end, sampling its peak RSS (VmHWM). */
async function timed(cmd: string, args: string[]): Promise<{ seconds: number; peakMiB: number; code: number }> {
  const r = await timedCommand(cmd, args);
  return { seconds: r.seconds, peakMiB: r.peakRssMiB, code: r.code };
}

const runs = Number(process.env.FERRY_BENCH_RUNS ?? 3);
let dir = process.argv[2];
let cleanup = async (): Promise<void> => {};
if (!dir) {
  const mib = Number(process.env.FERRY_BENCH_MIB ?? 1024);
  const made = await makeTestBundle({ split: process.env.FERRY_BENCH_SPLIT ?? '256MiB', bigLayers: Math.max(1, Math.round(mib / 32)), layerBytes: 32 * 1024 * 1024, images: ['test/single:1.0', 'test/big:1'] });
  dir = made.dir;
  cleanup = made.cleanup;
}
try {
  const files = readdirSync(dir).filter((n) => n === 'bundle.json' || n.startsWith('bundle.tar')).sort().map((n) => join(dir!, n));
  await timed('cat', files); // warm the page cache for both contenders
  const cli = process.env.FERRY_BENCH_CLI ?? join(root, 'dist', 'ferry.mjs'); // `npm run build` first
  const best = { sha256sum: Infinity, cli: Infinity, engine: Infinity, cliRss: 0 };
  for (let i = 0; i < runs; i++) {
    const sums = await timed('sha256sum', files);
    best.sha256sum = Math.min(best.sha256sum, sums.seconds);
    const ferry = await timed(process.execPath, [cli, 'verify', dir]);
    if (ferry.code !== 0) throw new Error(`ferry verify exited ${ferry.code}`);
    if (ferry.seconds < best.cli) Object.assign(best, { cli: ferry.seconds, cliRss: ferry.peakMiB });
    const started = performance.now();
    const report = await verifyIntegrity({ dirs: [dir] });
    if (!report.ok) throw new Error('the bundle does not verify');
    best.engine = Math.min(best.engine, (performance.now() - started) / 1000);
  }
  const report = await verifyIntegrity({ dirs: [dir] });
  const mib = report.bytesChecked / 1024 / 1024;
  console.log(`${mib.toFixed(0)} MiB in ${report.parts.length} part(s), ${report.blobsChecked} blobs; best of ${runs}:`);
  console.log(`  sha256sum              ${best.sha256sum.toFixed(2)} s  ${(mib / best.sha256sum).toFixed(0)} MiB/s`);
  console.log(`  ferry verify (CLI)     ${best.cli.toFixed(2)} s  ${(mib / best.cli).toFixed(0)} MiB/s  ${(best.cli / best.sha256sum).toFixed(2)}× sha256sum  peak RSS ${best.cliRss.toFixed(0)} MiB`);
  console.log(`  verifyIntegrity (engine, no start-up) ${best.engine.toFixed(2)} s  ${(best.engine / best.sha256sum).toFixed(2)}× sha256sum`);
} finally {
  await cleanup();
}
