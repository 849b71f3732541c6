// `ferry verify` speed against the tools that hash the same bytes once, with the page cache warm for every
// contender, so the figure is the CPU and read-path cost, not the medium's. Two shapes (issue 17):
//
//   (a) one big image (FERRY_BENCH_MIB, default 512 MiB of 32 MiB random layers; FERRY_BENCH_SPLIT parts, default
//       none): against one `openssl sha256` pass over bundle.json and the archive files (target ≤ 1.3×), coreutils
//       `sha256sum` of the same files (for reference), and the least two hash passes cost in a Node process
//       (`node-two-pass.ts`: two threads each reading and hashing every file, nothing else): Ferry hashes every byte
//       twice (each blob's digest and each archive file's sha256), so that is its floor in Node.
//   (c) FERRY_BENCH_SMALL_IMAGES (default 300) small images (6 shared bases, 2 small layers each): against
//       `sha256sum -c SHA256SUMS` in the bundle folder (target ≤ 2×). Here it is all fixed cost: start-up,
//       bundle.json, the walk of ~1,200 entries.
//
//   npm run build && node dist/bench/verify-bench.js [BUNDLE_DIR]
//
// FERRY_BENCH_SHAPES (default `a,c`) picks shapes; a BUNDLE_DIR is timed as shape (a). FERRY_BENCH_RUNS (default 3):
// best of, the contenders interleaved. FERRY_BENCH_CLI: another built entry to time (default dist/ferry.mjs).
// Ferry does more than either peer: it also hashes every blob and walks the archive (on a second thread).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBundle, verifyIntegrity } from '../electron/engine/index.js';
import { makeTempDir, makeTestBundle, removeDir, seedSmallImages, startRegistry } from '../e2e/harness/index.js';
import { timedCommand } from './timed-command.js';

const root = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../..' : '..', import.meta.url));
const cli = process.env.FERRY_BENCH_CLI ?? join(root, 'dist', 'ferry.mjs'); // `npm run build` first
const twoPass = join(root, 'dist', 'bench', 'node-two-pass.js');
const runs = Math.max(1, Number(process.env.FERRY_BENCH_RUNS ?? 3));
const shapes = new Set((process.env.FERRY_BENCH_SHAPES ?? 'a,c').split(',').map((s) => s.trim()));

/** The best wall time of a command over the runs (it must succeed). */
interface Best {
  seconds: number;
  peakMiB: number;
}

/** Runs a command to its end; throws unless it exits 0. */
async function timed(cmd: string, args: string[], cwd?: string): Promise<Best> {
  const r = await timedCommand(cmd, args, cwd ? { cwd } : {});
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return { seconds: r.seconds, peakMiB: r.peakRssMiB };
}

/** Times each contender `runs` times, interleaved (a busy moment of the machine then lands on all), keeping each one's best. */
async function bestOf(contenders: Record<string, () => Promise<Best>>): Promise<Record<string, Best>> {
  const best: Record<string, Best> = {};
  for (let i = 0; i < runs; i++) {
    for (const [name, run] of Object.entries(contenders)) {
      const r = await run();
      if (!best[name] || r.seconds < best[name].seconds) best[name] = r;
    }
  }
  return best;
}

const verdict = (ratio: number, target: number): string => `${ratio.toFixed(2)}× (target ≤ ${target.toFixed(2)}×) ${ratio <= target ? 'met' : 'MISSED'}`;

/** bundle.json and every archive file: what SHA256SUMS covers and what ferry verify reads. */
function bundleFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n === 'bundle.json' || n.startsWith('bundle.tar'))
    .sort()
    .map((n) => join(dir, n));
}

/** Shape (a): one big image, against one openssl pass (the floor) and sha256sum. */
async function shapeA(dir: string, label: string): Promise<string[]> {
  const files = bundleFiles(dir);
  await timed('cat', files); // warm the page cache for every contender
  const best = await bestOf({
    openssl: () => timed('openssl', ['sha256', ...files]),
    sha256sum: () => timed('sha256sum', files),
    twoPass: () => timed(process.execPath, [twoPass, ...files]),
    ferry: () => timed(process.execPath, [cli, 'verify', dir]),
    engine: async () => {
      const started = performance.now();
      const report = await verifyIntegrity({ dirs: [dir] });
      if (!report.ok) throw new Error('the bundle does not verify');
      return { seconds: (performance.now() - started) / 1000, peakMiB: 0 };
    },
  });
  const report = await verifyIntegrity({ dirs: [dir] });
  const mib = report.bytesChecked / 1024 / 1024;
  const floor = best.openssl!.seconds;
  const line = (name: string, b: Best, extra = ''): string => `  ${name.padEnd(38)} ${b.seconds.toFixed(2)} s  ${(mib / b.seconds).toFixed(0).padStart(5)} MiB/s${extra}`;
  return [
    `${label}: ${mib.toFixed(0)} MiB in ${report.parts.length} part(s), ${report.blobsChecked} blobs; best of ${runs}:`,
    line('openssl sha256 (one pass: the floor)', best.openssl!),
    line('sha256sum (coreutils)', best.sha256sum!),
    line('two hash passes in Node (the floor)', best.twoPass!, `  ${(best.twoPass!.seconds / floor).toFixed(2)}× openssl: Node start-up, two threads, two passes`),
    line('ferry verify (CLI)', best.ferry!, `  peak RSS ${best.ferry!.peakMiB.toFixed(0)} MiB  ${(best.ferry!.seconds / best.sha256sum!.seconds).toFixed(2)}× sha256sum`),
    line('verifyIntegrity (engine, no start-up)', best.engine!, `  ${(best.engine!.seconds / floor).toFixed(2)}× openssl`),
    `  verify (a) / one openssl pass  ${verdict(best.ferry!.seconds / floor, 1.3)}`,
    `  verify (a) / two passes in Node  ${(best.ferry!.seconds / best.twoPass!.seconds).toFixed(2)}× (what start-up, parsing and checking add to the least Node can do)`,
  ];
}

/** Shape (c): many small images, against `sha256sum -c SHA256SUMS` in the folder. */
async function shapeC(dir: string, label: string): Promise<string[]> {
  await timed('cat', bundleFiles(dir));
  const best = await bestOf({
    sums: () => timed('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], dir),
    ferry: () => timed(process.execPath, [cli, 'verify', dir]),
  });
  const report = await verifyIntegrity({ dirs: [dir] });
  const ratio = best.ferry!.seconds / best.sums!.seconds;
  return [
    `${label}: ${(report.bytesChecked / 1024 / 1024).toFixed(0)} MiB, ${report.blobsChecked} blobs; best of ${runs}:`,
    `  sha256sum -c SHA256SUMS               ${best.sums!.seconds.toFixed(2)} s`,
    `  ferry verify (CLI)                    ${best.ferry!.seconds.toFixed(2)} s  peak RSS ${best.ferry!.peakMiB.toFixed(0)} MiB`,
    `  verify (c) / sha256sum -c  ${verdict(ratio, 2)}`,
  ];
}

/** A bundle of many small images, bundled by the engine from a loopback registry. */
async function makeSmallBundle(work: string, count: number): Promise<string> {
  const registry = await startRegistry({ auth: 'none' });
  try {
    const seeded = await seedSmallImages(registry, { imageCount: count, repositoryPrefix: 'shape-c' });
    const dir = join(work, 'small');
    await createBundle({ cache: false, images: seeded.images.map((i) => `${registry.host}/${i.ref}`), outputDir: dir, registry: { insecureRegistries: [registry.host] } });
    return dir;
  } finally {
    await registry.stop();
  }
}

const summary: string[] = [];
const given = process.argv[2];
if (given) {
  summary.push(...(await shapeA(given, given)));
} else {
  if (shapes.has('a')) {
    const mib = Number(process.env.FERRY_BENCH_MIB ?? 512);
    const made = await makeTestBundle({ ...(process.env.FERRY_BENCH_SPLIT ? { split: process.env.FERRY_BENCH_SPLIT } : {}), bigLayers: Math.max(1, Math.round(mib / 32)), layerBytes: 32 * 1024 * 1024, images: ['test/big:1'] });
    try {
      summary.push(...(await shapeA(made.dir, `(a) one ${mib} MiB image`)));
    } finally {
      await made.cleanup();
    }
  }
  if (shapes.has('c')) {
    const count = Number(process.env.FERRY_BENCH_SMALL_IMAGES ?? 300);
    const work = await makeTempDir('ferry-verify-bench');
    try {
      summary.push(...(await shapeC(await makeSmallBundle(work, count), `(c) ${count} small images`)));
    } finally {
      await removeDir(work);
    }
  }
}
console.log(`ferry verify (${cli}):`);
for (const line of summary) console.log(line);
