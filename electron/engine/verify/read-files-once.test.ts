import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readFilesOnce } from './read-files-once.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-read-once-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CHUNK = 64 * 1024;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

test('every file is hashed in the worker while the sink sees the same bytes, in order, across chunk edges', async () => {
  const sizes = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 7 * CHUNK + 12_345];
  const contents = sizes.map((n) => randomBytes(n));
  const paths = contents.map((c, i) => {
    const path = join(dir, `f${i}`);
    writeFileSync(path, c);
    return path;
  });
  const seen = contents.map(() => [] as Buffer[]);
  let bytes = 0;
  const ended: number[] = [];
  const results = await readFilesOnce(
    paths.map((path, i) => ({ path, sink: { chunk: (b: Buffer) => seen[i]!.push(Buffer.from(b)), fail: () => assert.fail('no failure expected') } })),
    { chunkSize: CHUNK, slots: 2, onBytes: (n) => (bytes += n), onFileEnd: (i) => ended.push(i) },
  );
  assert.deepEqual(
    results.map((r) => [r.bytes, r.sha256, r.error]),
    contents.map((c) => [c.length, sha(c), undefined]),
  );
  contents.forEach((c, i) => assert.ok(Buffer.concat(seen[i]!).equals(c), `sink of file ${i}`));
  assert.equal(bytes, sizes.reduce((a, b) => a + b, 0));
  assert.deepEqual(ended, sizes.map((_, i) => i));
});

test('a file that cannot be opened is reported in its result; the others are still read', async () => {
  const good = join(dir, 'good');
  writeFileSync(good, 'good');
  let failed = '';
  const results = await readFilesOnce([{ path: join(dir, 'gone'), sink: { chunk: () => {}, fail: (m) => (failed = m) } }, { path: good }], { chunkSize: CHUNK, slots: 2 });
  assert.match(results[0]!.error ?? '', /ENOENT/);
  assert.equal(results[0]!.sha256, undefined);
  assert.match(failed, /ENOENT/);
  assert.equal(results[1]!.sha256, sha(Buffer.from('good')));
});

test('an abort stops the reading with an AbortError', async () => {
  const big = join(dir, 'big');
  writeFileSync(big, randomBytes(20 * CHUNK));
  const controller = new AbortController();
  await assert.rejects(
    readFilesOnce([{ path: big, sink: { chunk: () => controller.abort(), fail: () => {} } }], { chunkSize: CHUNK, slots: 2, signal: controller.signal }),
    { name: 'AbortError' },
  );
});
