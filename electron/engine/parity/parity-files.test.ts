// Parity files on disk: stripes over real files, an uneven last part, rebuilt files byte for byte.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir, removeDir } from '../../../e2e/harness/index.js';
import { encodeParityFiles } from './encode-parity-files.js';
import { benchmarkParity } from './parity-benchmark.js';
import { ReedSolomon } from './reed-solomon.js';
import { rebuildShardFiles } from './rebuild-shard-files.js';
import { stripeChunkSize } from './shard-io.js';

let work: string;
before(async () => {
  work = await makeTempDir('ferry-parity-files');
});
after(async () => {
  if (work) await removeDir(work);
});

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Writes `sizes.length` random data files and returns them with their contents. */
function dataFiles(name: string, sizes: number[]): { path: string; size: number; bytes: Buffer }[] {
  return sizes.map((size, i) => {
    const bytes = randomBytes(size);
    const path = join(work, `${name}.${i}`);
    writeFileSync(path, bytes);
    return { path, size, bytes };
  });
}

describe('parity files', () => {
  test('encoding files in small chunks equals encoding whole zero-padded shards in memory', async () => {
    const sizes = [10_000, 10_000, 10_000, 3_333]; // the last part is short
    const data = dataFiles('enc', sizes);
    const parityPaths = [join(work, 'enc.p1'), join(work, 'enc.p2')];
    let reported = 0;
    const hashes = await encodeParityFiles({ data, parityPaths, shardSize: 10_000, chunkSize: 4096, onBytes: (n) => (reported += n) });
    assert.equal(reported, 4 * 10_000);
    const padded = data.map((d) => {
      const b = new Uint8Array(10_000);
      b.set(d.bytes);
      return b;
    });
    const parity = [new Uint8Array(10_000), new Uint8Array(10_000)];
    new ReedSolomon(4, 2).encode(padded, parity);
    parityPaths.forEach((p, i) => {
      const onDisk = readFileSync(p);
      assert.equal(onDisk.length, 10_000);
      assert.deepEqual(new Uint8Array(onDisk), parity[i]);
      assert.equal(hashes[i], sha(onDisk));
    });
  });

  test('rebuilds any two lost files of 3 + 2, a short last part at its own size', async () => {
    const sizes = [70_001, 70_001, 12_345];
    const data = dataFiles('reb', sizes);
    const shardSize = 70_001;
    const parityPaths = [join(work, 'reb.p1'), join(work, 'reb.p2')];
    await encodeParityFiles({ data, parityPaths, shardSize, chunkSize: 8192 });
    const shards = [...data.map((d) => ({ path: d.path, size: d.size })), ...parityPaths.map((path) => ({ path, size: shardSize }))];
    const originals = shards.map((s) => readFileSync(s.path));
    for (let a = 0; a < 5; a++) {
      for (let b = a + 1; b < 5; b++) {
        const outputPaths = [join(work, `out-${a}-${b}.a`), join(work, `out-${a}-${b}.b`)];
        // the lost files are unreadable: point them at nothing to prove they are never opened
        const damaged = shards.map((s, i) => (i === a || i === b ? { path: join(work, 'missing'), size: s.size } : s));
        const hashes = await rebuildShardFiles({ dataShards: 3, parityShards: 2, shardSize, shards: damaged, lost: [a, b], outputPaths, chunkSize: 8192 });
        [a, b].forEach((lost, i) => {
          const rebuilt = readFileSync(outputPaths[i]!);
          assert.equal(rebuilt.length, shards[lost]!.size, `shard ${lost} keeps its size`);
          assert.ok(rebuilt.equals(originals[lost]!), `shard ${lost} (with ${a},${b} lost) rebuilt exactly`);
          assert.equal(hashes[i], sha(rebuilt));
        });
      }
    }
  });

  test('one data part: each parity file is a full-size coded copy that rebuilds it', async () => {
    const data = dataFiles('one', [50_000]);
    const parityPaths = [join(work, 'one.p1')];
    await encodeParityFiles({ data, parityPaths, shardSize: 50_000 });
    assert.equal(statSync(parityPaths[0]!).size, 50_000);
    const out = join(work, 'one.rebuilt');
    await rebuildShardFiles({
      dataShards: 1,
      parityShards: 1,
      shardSize: 50_000,
      shards: [{ path: join(work, 'missing'), size: 50_000 }, { path: parityPaths[0]!, size: 50_000 }],
      lost: [0],
      outputPaths: [out],
    });
    assert.ok(readFileSync(out).equals(data[0]!.bytes));
  });

  test('an aborted signal stops encoding', async () => {
    const data = dataFiles('abort', [200_000, 200_000]);
    const controller = new AbortController();
    await assert.rejects(
      encodeParityFiles({
        data,
        parityPaths: [join(work, 'abort.p1')],
        shardSize: 200_000,
        chunkSize: 4096,
        signal: controller.signal,
        onBytes: () => controller.abort(),
      }),
      { name: 'AbortError' },
    );
  });

  test('a data file shorter than recorded fails the encoding with every read settled first', async () => {
    const data = dataFiles('short', [300_000, 300_000]);
    await assert.rejects(
      encodeParityFiles({ data: [data[0]!, { path: data[1]!.path, size: 400_000 }], parityPaths: [join(work, 'short.p1')], shardSize: 400_000, chunkSize: 65_536 }),
      /unexpected end of file at byte 300000/,
    );
    await assert.rejects(
      rebuildShardFiles({
        dataShards: 2,
        parityShards: 1,
        shardSize: 300_000,
        shards: [{ path: join(work, 'missing'), size: 300_000 }, data[1]!, { path: join(work, 'no-parity-here'), size: 300_000 }],
        lost: [0],
        outputPaths: [join(work, 'short.out')],
      }),
      { code: 'ENOENT' },
    );
  });

  test('chunk sizes: 1 MiB, smaller for many shards, never past the shard', () => {
    assert.equal(stripeChunkSize(6, 1 << 30), 1024 * 1024);
    assert.equal(stripeChunkSize(16, 1 << 30), 1024 * 1024);
    assert.equal(stripeChunkSize(200, 1 << 30), 80 * 1024);
    assert.equal(stripeChunkSize(256, 1 << 30), 64 * 1024);
    assert.equal(stripeChunkSize(3, 1001), 1004);
  });

  test('the benchmark measures both directions and checks what it rebuilt', () => {
    const r = benchmarkParity({ dataShards: 3, parityShards: 2, chunkBytes: 64 * 1024, totalBytes: 4 * 1024 * 1024 });
    assert.ok(r.encodeMBps > 0 && r.decodeMBps > 0);
    assert.equal(r.bytes, 21 * 3 * 64 * 1024);
  });
});
