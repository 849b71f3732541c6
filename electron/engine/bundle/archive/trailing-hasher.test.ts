import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PartedFile, planParts } from './parted-file.js';
import { TrailingHasher } from './trailing-hasher.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-parted-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

for (const partSize of [undefined, 1_000_003, 4 * 1024 * 1024]) {
  test(`regions written out of order hash like the whole file (part size ${partSize ?? 'none'})`, async () => {
    const data = randomBytes(9 * 1024 * 1024 + 777);
    const parts = planParts(data.length, partSize, (name) => join(dir, `${partSize}-${name}`), 'bundle.tar');
    const file = await PartedFile.create(parts);
    let hashedBytes = 0;
    const hasher = new TrailingHasher(parts, (n) => (hashedBytes += n));
    hasher.start();
    // regions of uneven sizes, completed in a shuffled order, as parallel blob writers do
    const cuts = [0, 1, 4096, 700_000, 2_500_001, 5_000_000, 8_888_888, data.length];
    const regions = cuts.slice(1).map((end, i) => [cuts[i]!, end] as const);
    for (const [start, end] of [...regions].sort(() => Math.random() - 0.5)) {
      await file.write(data.subarray(start, end), start);
      hasher.complete(start, end);
    }
    const digests = await hasher.done();
    await file.close();
    assert.equal(digests.sha256, sha(data));
    assert.equal(hashedBytes, data.length);
    assert.equal(digests.parts.length, parts.length);
    const joined = Buffer.concat(parts.map((p) => readFileSync(p.path)));
    assert.ok(joined.equals(data), 'the parts concatenate to the data (cat bundle.tar.* > bundle.tar)');
    parts.forEach((p, i) => assert.equal(digests.parts[i], sha(data.subarray(p.start, p.start + p.size))));
  });
}

test('parts are named .001, .002 … and cover the file exactly', () => {
  const parts = planParts(10_000_000, 3_000_000, (n) => n, 'bundle.tar');
  assert.deepEqual(
    parts.map((p) => [p.name, p.start, p.size]),
    [
      ['bundle.tar.001', 0, 3_000_000],
      ['bundle.tar.002', 3_000_000, 3_000_000],
      ['bundle.tar.003', 6_000_000, 3_000_000],
      ['bundle.tar.004', 9_000_000, 1_000_000],
    ],
  );
  assert.deepEqual(planParts(100, undefined, (n) => n, 'bundle.tar').map((p) => p.name), ['bundle.tar']);
  assert.deepEqual(planParts(100, 1000, (n) => n, 'bundle.tar').map((p) => p.name), ['bundle.tar']);
});

test('done() before every region is complete is an error, not a wrong digest', async () => {
  const parts = planParts(2000, undefined, (n) => join(dir, `early-${n}`), 'bundle.tar');
  const file = await PartedFile.create(parts);
  const hasher = new TrailingHasher(parts);
  hasher.start();
  hasher.complete(0, 1000);
  await assert.rejects(hasher.done(), /never completed/);
  await hasher.stop();
  await file.close();
});

test('an aborted hasher stops waiting', async () => {
  const parts = planParts(1000, undefined, (n) => join(dir, `abort-${n}`), 'bundle.tar');
  const file = await PartedFile.create(parts);
  const controller = new AbortController();
  const hasher = new TrailingHasher(parts);
  const running = hasher.start(controller.signal);
  controller.abort();
  await assert.rejects(running, { name: 'AbortError' });
  await file.close();
});

test('following every write as it lands (onWritten) hashes like the whole file, and a rewrite behind the hasher is refused', async () => {
  const data = randomBytes(3 * 1024 * 1024 + 5);
  const parts = planParts(data.length, 1_000_000, (name) => join(dir, `written-${name}`), 'bundle.tar');
  const file = await PartedFile.create(parts);
  const hasher = new TrailingHasher(parts);
  hasher.start();
  file.onWritten = (start, end) => hasher.complete(start, end);
  // two "blobs" streamed at once, each front to back in uneven batches, one as writev
  const half = 1_600_001;
  const streams = [
    [0, half],
    [half, data.length],
  ].map(async ([from, to]) => {
    for (let at = from!; at < to!; at += 300_007) {
      const end = Math.min(to!, at + 300_007);
      if (from === 0) await file.write(data.subarray(at, end), at);
      else await file.writev([data.subarray(at, at + 10), data.subarray(at + 10, end)], at);
    }
  });
  await Promise.all(streams);
  await assert.rejects(file.write(data.subarray(0, 10), 0), /written again/);
  const digests = await hasher.done();
  await file.close();
  assert.equal(digests.sha256, sha(data));
  parts.forEach((p, i) => assert.equal(digests.parts[i], sha(data.subarray(p.start, p.start + p.size))));
});
