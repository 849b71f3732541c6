import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readFilesOnce } from './read-files-once.js';
import { SlotHasher } from './slot-hasher.js';

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

test('files the worker began hashing by itself are joined: one digest over its head start and the rest, whatever the head start', async () => {
  const contents = [randomBytes(9 * CHUNK + 777), randomBytes(3 * CHUNK), Buffer.alloc(0), randomBytes(CHUNK)];
  const paths = contents.map((c, i) => {
    const path = join(dir, `pre${i}`);
    writeFileSync(path, c);
    return path;
  });
  // read whole before the join (the worker idle first), and joined at once (any head start, often part of a file)
  for (const waitForIdle of [true, false]) {
    const hasher = new SlotHasher(2, CHUNK);
    const idle = hasher.prehash(paths);
    if (waitForIdle) await idle;
    const seen = contents.map(() => [] as Buffer[]);
    const results = await readFilesOnce(
      paths.map((path, i) => ({ path, sink: { chunk: (b: Buffer) => seen[i]!.push(Buffer.from(b)), fail: () => assert.fail('no failure expected') } })),
      { chunkSize: CHUNK, hasher },
    );
    assert.deepEqual(
      results.map((r) => [r.bytes, r.sha256, r.error]),
      contents.map((c) => [c.length, sha(c), undefined]),
      `after the worker was ${waitForIdle ? 'idle' : 'told'}`,
    );
    contents.forEach((c, i) => assert.ok(Buffer.concat(seen[i]!).equals(c), `sink of file ${i}`));
  }
});

test('the worker says how far it got and which file it read; a path it never read is joined from the start', async () => {
  const content = randomBytes(5 * CHUNK + 3);
  const path = join(dir, 'head-start');
  writeFileSync(path, content);
  const hasher = new SlotHasher(2, CHUNK);
  try {
    await hasher.prehash([path, join(dir, 'not-there')]);
    const joined = await hasher.join(0, path);
    assert.equal(joined?.at, content.length);
    assert.match(joined?.identity ?? '', /^\d+:\d+:\d+:\d+:\d+$/);
    assert.deepEqual(await hasher.join(1, join(dir, 'not-there')), { at: 0 });
    assert.equal(hasher.join(2, join(dir, 'never-named')), undefined);
  } finally {
    await hasher.close();
  }
});

test('a file changed after the worker read it is reported as changed, not given a digest of two files', async () => {
  const path = join(dir, 'changed');
  const original = randomBytes(4 * CHUNK);
  writeFileSync(path, original);
  const hasher = new SlotHasher(2, CHUNK);
  await hasher.prehash([path]);
  // the same size, one byte flipped, and the modification time put back: the change time still moves
  const flipped = Buffer.from(original);
  flipped[CHUNK + 5] ^= 0xff;
  writeFileSync(path, flipped);
  utimesSync(path, new Date(1_700_000_000_000), new Date(1_700_000_000_000));
  const [result] = await readFilesOnce([{ path }], { chunkSize: CHUNK, hasher });
  assert.equal(result!.sha256, undefined);
  assert.equal(result!.error, 'changed while it was being verified');
});

test('the worker reads no link and no FIFO by itself (no hang); those files are then read and hashed as before', async () => {
  const target = join(dir, 'link-target');
  const content = randomBytes(2 * CHUNK + 1);
  writeFileSync(target, content);
  const link = join(dir, 'a-link');
  symlinkSync(target, link);
  const fifo = join(dir, 'a-fifo');
  execFileSync('mkfifo', [fifo]);
  const hasher = new SlotHasher(2, CHUNK);
  await hasher.prehash([fifo, link]);
  assert.deepEqual(await hasher.join(0, link), { at: 0 });
  const [result] = await readFilesOnce([{ path: link }], { chunkSize: CHUNK, hasher });
  assert.equal(result!.sha256, sha(content));
});
