// `ferry split` speed against its floor over the same bytes: openssl sha256 of the archive as it stands (the
// proving pass), `split` into the new parts, openssl sha256 of the new parts, and an fsync of them, with the
// page cache warm for both. Target: ferry split ≤ 1.3× the floor. Ferry hashes every byte four times over two
// passes where the floor hashes it twice (the proving pass is a whole `ferry verify`: part sha256 and every blob's
// digest, on two threads; the copy hashes each chunk for its old part, proving the bytes copied are the bytes
// proven, and for its new part, on two threads), so it keeps up only by using both cores and never stalling on the
// disk: each new part is flushed behind the copy (see copy-into-parts.ts).
//
//   npm run build && npx tsx bench/split-bench.ts
//
// FERRY_BENCH_MIB (default 512) MiB of random layers in one part, split into FERRY_BENCH_SIZE (default 100MB)
// parts. FERRY_BENCH_RUNS (default 3): best of. Each run splits a fresh copy of the bundle (copy not timed).
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTestBundle } from '../e2e/harness/index.js';
import { timedCommand } from './timed-command.js';

const root = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../..' : '..', import.meta.url));

/** Runs a command to its end; its wall time in seconds. */
async function timed(cmd: string, args: string[], cwd?: string): Promise<number> {
  const r = await timedCommand(cmd, args, cwd ? { cwd } : {});
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.seconds;
}

/** The archive files of a bundle folder, in order. */
async function archiveFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => /^bundle\.tar(\.\d+)?$/.test(n)).sort().map((n) => join(dir, n));
}

const runs = Number(process.env.FERRY_BENCH_RUNS ?? 3);
const mib = Number(process.env.FERRY_BENCH_MIB ?? 512);
const size = process.env.FERRY_BENCH_SIZE ?? '100MB';
const bytes = Number(/^(\d+)MB$/.exec(size)?.[1] ?? 100) * 1e6;
const cli = process.env.FERRY_BENCH_CLI ?? join(root, 'dist', 'ferry.mjs'); // `npm run build` first
const TARGET = 1.3;
const made = await makeTestBundle({ bigLayers: Math.max(1, Math.round(mib / 32)), layerBytes: 32 * 1024 * 1024, images: ['test/single:1.0', 'test/big:1'] });
const work = await mkdtemp(join(made.dir, '..', 'ferry-split-bench-'));
/** A fresh copy of the bundle, flushed (its write-back is not charged to the run after it) and in the page cache. */
async function freshCopy(dir: string): Promise<string[]> {
  await cp(made.dir, dir, { recursive: true });
  const files = await archiveFiles(dir);
  await timed('sync', ['-f', ...files]);
  await timed('cat', files);
  return files;
}
try {
  const best = { floor: Infinity, ferry: Infinity, rss: 0 };
  for (let i = 0; i < runs; i++) {
    // the floor: prove, split, hash the new parts, flush them
    const floorDir = join(work, `floor-${i}`);
    const old = await freshCopy(floorDir);
    let floor = await timed('openssl', ['sha256', ...old]);
    floor += await timed('sh', ['-c', `cat "$@" | split -b ${bytes} -d -a 3 - new.`, 'sh', ...old], floorDir);
    const parts = (await readdir(floorDir)).filter((n) => n.startsWith('new.')).map((n) => join(floorDir, n));
    floor += await timed('openssl', ['sha256', ...parts]);
    floor += await timed('sync', ['-f', ...parts]);
    best.floor = Math.min(best.floor, floor);
    await rm(floorDir, { recursive: true, force: true });

    const ferryDir = join(work, `ferry-${i}`);
    await freshCopy(ferryDir);
    const r = await timedCommand(process.execPath, [cli, 'split', ferryDir, '--size', size]);
    if (r.code !== 0) throw new Error(`ferry split exited ${r.code}: ${r.stderr}`);
    best.ferry = Math.min(best.ferry, r.seconds);
    best.rss = Math.max(best.rss, r.peakRssMiB);
    console.log(`  run ${i + 1}: floor ${floor.toFixed(2)} s, ferry split ${r.seconds.toFixed(2)} s (peak RSS ${r.peakRssMiB.toFixed(0)} MiB)`);
    await rm(ferryDir, { recursive: true, force: true });
  }
  const ratio = best.ferry / best.floor;
  const rssMet = best.rss * 1.048576 <= 200;
  console.log(`ferry split --size ${size} of ${mib} MiB; best of ${runs}:`);
  console.log(`  openssl + split + openssl + fsync  ${best.floor.toFixed(2)} s`);
  console.log(`  ferry split (CLI)                  ${best.ferry.toFixed(2)} s`);
  console.log(`  ferry split / floor                ${ratio.toFixed(2)}×  (target ≤ ${TARGET.toFixed(2)}×) ${ratio <= TARGET ? 'met' : 'MISSED'}`);
  console.log(`  ferry split peak RSS               ${best.rss.toFixed(0)} MiB (target ≤ 200 MB) ${rssMet ? 'met' : 'MISSED'}`);
} finally {
  await rm(work, { recursive: true, force: true });
  await made.cleanup();
}
