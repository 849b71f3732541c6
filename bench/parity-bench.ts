// Parity speed: the Reed–Solomon codec in memory, and parity files encoded from data files on disk
// (page-cached, so the figure is the CPU side of `ferry bundle --parity`, not the medium's).
//
//   npx tsx bench/parity-bench.ts            (FERRY_BENCH_MIB sets the file-level archive size, default 256)
import { randomFillSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchmarkParity } from '../electron/engine/parity/parity-benchmark.js';
import { encodeParityFiles } from '../electron/engine/parity/encode-parity-files.js';
import { rebuildShardFiles } from '../electron/engine/parity/rebuild-shard-files.js';

const MIB = 1024 * 1024;

async function fileLevel(k: number, n: number, totalMiB: number): Promise<{ encode: number; rebuild: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-parity-bench-'));
  try {
    const shardSize = Math.ceil((totalMiB * MIB) / k);
    const data = [];
    for (let j = 0; j < k; j++) {
      const path = join(dir, `data.${j}`);
      await writeFile(path, randomFillSync(Buffer.alloc(shardSize)));
      data.push({ path, size: shardSize });
    }
    const parityPaths = Array.from({ length: n }, (_, p) => join(dir, `parity.${p}`));
    let started = performance.now();
    await encodeParityFiles({ data, parityPaths, shardSize });
    const encode = (k * shardSize) / ((performance.now() - started) / 1000) / 1e6;
    const lost = [...Array(Math.min(k, n)).keys()];
    started = performance.now();
    await rebuildShardFiles({
      dataShards: k,
      parityShards: n,
      shardSize,
      shards: [...data, ...parityPaths.map((path) => ({ path, size: shardSize }))],
      lost,
      outputPaths: lost.map((i) => join(dir, `rebuilt.${i}`)),
    });
    const rebuild = (k * shardSize) / ((performance.now() - started) / 1000) / 1e6;
    return { encode, rebuild };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const totalMiB = Number(process.env.FERRY_BENCH_MIB ?? 256);
console.log('codec in memory (MB/s of data):');
for (const [k, n] of [[4, 1], [4, 2], [8, 2], [10, 4], [20, 3]] as const) {
  const r = benchmarkParity({ dataShards: k, parityShards: n });
  console.log(`  k=${String(k).padStart(2)} n=${n}  encode ${r.encodeMBps.toFixed(0).padStart(5)}  decode (${Math.min(k, n)} lost) ${r.decodeMBps.toFixed(0).padStart(5)}`);
}
console.log(`files on disk, ${totalMiB} MiB archive (MB/s of data):`);
for (const [k, n] of [[4, 2], [8, 2]] as const) {
  const r = await fileLevel(k, n, totalMiB);
  console.log(`  k=${String(k).padStart(2)} n=${n}  encode ${r.encode.toFixed(0).padStart(5)}  rebuild ${r.rebuild.toFixed(0).padStart(5)}`);
}
