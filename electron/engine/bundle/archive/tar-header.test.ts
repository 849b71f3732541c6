import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import tar from 'tar-stream';
import { layoutArchive } from './archive-layout.js';
import { encodeTarHeader, paddedSize, TAR_BLOCK } from './tar-header.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-tar-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Builds a whole archive in memory the way the bundle writer lays it out. */
function buildArchive(files: { name: string; data: Buffer }[]): Buffer {
  const layout = layoutArchive([
    { name: 'blobs', size: 0, type: 'directory' as const, payload: Buffer.alloc(0) },
    ...files.map((f) => ({ name: f.name, size: f.data.length, type: 'file' as const, payload: f.data })),
  ]);
  const out = Buffer.alloc(layout.totalSize);
  for (const e of layout.entries) {
    encodeTarHeader({ name: e.name, size: e.size, type: e.type, mtime: 1_700_000_000 }).copy(out, e.headerOffset);
    e.payload.copy(out, e.dataOffset);
  }
  return out;
}

const files = [
  { name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
  { name: 'empty', data: Buffer.alloc(0) },
  { name: 'exact-block', data: Buffer.alloc(TAR_BLOCK, 7) },
  { name: `blobs/${'a'.repeat(64)}`, data: Buffer.from('hello') },
  { name: `${'d'.repeat(120)}/${'f'.repeat(90)}`, data: Buffer.from('long name through the ustar prefix') },
];

test('tar-stream reads back every entry, name, size and content', async () => {
  const archive = buildArchive(files);
  const extract = tar.extract();
  const seen: { name: string; data: Buffer; type: string }[] = [];
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      seen.push({ name: header.name, data: Buffer.concat(chunks), type: header.type ?? '' });
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve).on('error', reject);
    Readable.from([archive]).pipe(extract);
  });
  assert.equal(seen[0]!.type, 'directory');
  assert.deepEqual(
    seen.slice(1).map((s) => [s.name, s.data.toString('hex')]),
    files.map((f) => [f.name, f.data.toString('hex')]),
  );
});

test('GNU tar lists the archive without complaint', () => {
  const path = join(dir, 'a.tar');
  writeFileSync(path, buildArchive(files));
  const listing = execFileSync('tar', ['-tvf', path], { encoding: 'utf8' });
  for (const f of files) assert.match(listing, new RegExp(`${f.data.length} .*${f.name.slice(-30)}`));
});

test('sizes past 8 GiB use base-256, and the checksum stays valid', async () => {
  const header = encodeTarHeader({ name: 'huge', size: 9 * 1024 ** 3, type: 'file', mtime: 0 });
  assert.equal(header[124], 0x80);
  const decoded = tar.extract();
  const size = await new Promise<number>((resolve, reject) => {
    decoded.on('entry', (h, stream) => {
      resolve(h.size ?? 0);
      stream.resume();
      decoded.destroy();
    });
    decoded.on('error', reject);
    decoded.write(Buffer.concat([header, Buffer.alloc(TAR_BLOCK)]));
  });
  assert.equal(size, 9 * 1024 ** 3);
});

test('padding rounds to whole blocks', () => {
  assert.equal(paddedSize(0), 0);
  assert.equal(paddedSize(1), 512);
  assert.equal(paddedSize(512), 512);
  assert.equal(paddedSize(513), 1024);
});

test('a name too long for ustar is refused, not truncated', () => {
  assert.throws(() => encodeTarHeader({ name: 'x'.repeat(300), size: 1, type: 'file', mtime: 0 }), /too long/);
});
