import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { layoutArchive } from './archive-layout.js';
import { PartedFile, planParts } from './parted-file.js';
import { encodeTarHeader, TAR_BLOCK } from './tar-header.js';
import { listTarEntries, readTarEntries, TarFormatError, TarParser, type TarEntry } from './tar-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-tar-reader-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const files = [
  { name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
  { name: 'empty', data: Buffer.alloc(0) },
  { name: 'exact-block', data: Buffer.alloc(TAR_BLOCK, 7) },
  { name: `blobs/sha256/${'a'.repeat(64)}`, data: randomBytes(70_001) },
  { name: `${'d'.repeat(120)}/${'f'.repeat(90)}`, data: Buffer.from('long name through the ustar prefix') },
];

/** An archive as Ferry's bundle writer lays it out and encodes it. */
function ferryArchive() {
  const layout = layoutArchive([
    { name: 'blobs', size: 0, type: 'directory' as const, payload: Buffer.alloc(0) },
    ...files.map((f) => ({ name: f.name, size: f.data.length, type: 'file' as const, payload: f.data })),
  ]);
  const bytes = Buffer.alloc(layout.totalSize);
  for (const e of layout.entries) {
    encodeTarHeader({ name: e.name, size: e.size, type: e.type, mtime: 1_700_000_000 }).copy(bytes, e.headerOffset);
    e.payload.copy(bytes, e.dataOffset);
  }
  return { bytes, layout };
}

/** Runs the push parser over `bytes` cut into `chunk`-sized pieces; returns entries with their data. */
function parse(bytes: Buffer, chunk: number): { entries: (TarEntry & { data: Buffer })[]; end: number | undefined } {
  const entries: (TarEntry & { data: Buffer })[] = [];
  const pieces: Buffer[] = [];
  let end: number | undefined;
  const parser = new TarParser({
    entry: () => (pieces.length = 0),
    data: (_e, c) => pieces.push(Buffer.from(c)),
    entryEnd: (e) => entries.push({ ...e, data: Buffer.concat(pieces) }),
    end: (offset) => (end = offset),
  });
  for (let at = 0; at < bytes.length; at += chunk) parser.push(bytes.subarray(at, at + chunk));
  parser.finish();
  return { entries, end };
}

for (const chunk of [1, 7, 511, 512, 513, 4096, 1 << 20]) {
  test(`the push parser reads Ferry's own archive in ${chunk}-byte chunks: names, offsets, sizes, data`, () => {
    const { bytes, layout } = ferryArchive();
    const { entries, end } = parse(bytes, chunk);
    assert.deepEqual(
      entries.map((e) => [e.name, e.type, e.size, e.headerOffset, e.dataOffset, e.end]),
      layout.entries.map((e) => [e.type === 'directory' ? `${e.name}/` : e.name, e.type, e.size, e.headerOffset, e.dataOffset, e.end]),
    );
    files.forEach((f, i) => assert.ok(entries[i + 1]!.data.equals(f.data), f.name));
    assert.equal(end, layout.totalSize - 2 * TAR_BLOCK);
  });
}

test('readTarEntries streams entries; bodies left unread are skipped', async () => {
  const { bytes } = ferryArchive();
  async function* source() {
    for (let at = 0; at < bytes.length; at += 3000) yield bytes.subarray(at, at + 3000);
  }
  const seen: [string, number, string][] = [];
  for await (const entry of readTarEntries(source())) {
    if (entry.name.startsWith('blobs/sha256/') || entry.name === 'oci-layout') {
      const chunks: Buffer[] = [];
      for await (const c of entry.body) chunks.push(Buffer.from(c));
      seen.push([entry.name, entry.size, Buffer.concat(chunks).toString('hex').slice(0, 40)]);
    } else {
      seen.push([entry.name, entry.size, '']);
    }
  }
  assert.deepEqual(
    seen.map((s) => s[0]),
    ['blobs/', ...files.map((f) => f.name)],
  );
  assert.equal(seen[4]![2], files[3]!.data.toString('hex').slice(0, 40));
  assert.equal(seen[1]![2], files[0]!.data.toString('hex').slice(0, 40));
});

test('listTarEntries indexes a split archive by its headers alone', async () => {
  const { bytes, layout } = ferryArchive();
  const parts = planParts(bytes.length, 20_000, (n) => join(dir, `list-${n}`), 'bundle.tar');
  parts.forEach((p) => writeFileSync(p.path, bytes.subarray(p.start, p.start + p.size)));
  const file = await PartedFile.openForRead(parts);
  try {
    const listed: TarEntry[] = [];
    for await (const e of listTarEntries(file)) listed.push(e);
    assert.deepEqual(
      listed.map((e) => [e.name, e.size, e.dataOffset]),
      layout.entries.map((e) => [e.type === 'directory' ? `${e.name}/` : e.name, e.size, e.dataOffset]),
    );
  } finally {
    await file.close();
  }
});

for (const format of ['gnu', 'posix', 'ustar'] as const) {
  test(`archives written by GNU tar (--format=${format}) read with names, types, sizes and data`, async () => {
    const src = join(dir, `src-${format}`);
    const longDir = format === 'ustar' ? 'd'.repeat(60) : 'd'.repeat(130);
    mkdirSync(join(src, longDir), { recursive: true });
    const contents: Record<string, Buffer> = {
      'small.txt': Buffer.from('hello\n'),
      [`${longDir}/${'f'.repeat(format === 'ustar' ? 90 : 150)}.bin`]: randomBytes(10_000),
      'empty': Buffer.alloc(0),
    };
    for (const [name, data] of Object.entries(contents)) writeFileSync(join(src, name), data);
    symlinkSync('small.txt', join(src, 'link'));
    const archive = join(dir, `sys-${format}.tar`);
    execFileSync('tar', [`--format=${format}`, '-cf', archive, '-C', src, '.']);
    const bytes = readFileSync(archive);
    const byName = new Map<string, TarEntry & { data: Buffer }>();
    for (const e of parse(bytes, 777).entries) byName.set(e.name.replace(/^\.\//, ''), e);
    for (const [name, data] of Object.entries(contents)) {
      const e = byName.get(name);
      assert.ok(e, `${name} listed (have ${[...byName.keys()].join(', ')})`);
      assert.equal(e.type, 'file');
      assert.equal(e.size, data.length);
      assert.ok(e.data.equals(data), `${name} content`);
      // the data offset points at the bytes in the archive file
      assert.ok(bytes.subarray(e.dataOffset, e.dataOffset + e.size).equals(data));
    }
    assert.equal(byName.get('link')?.type, 'symlink');
    assert.equal(byName.get('link')?.linkName, 'small.txt');
    assert.equal(byName.get(`${longDir}/`)?.type, 'directory');
  });
}

test('sizes in base-256 (past 8 GiB, as Ferry writes them) decode', () => {
  const header = encodeTarHeader({ name: 'huge', size: 9 * 1024 ** 3, type: 'file', mtime: 0 });
  let size = -1;
  const parser = new TarParser({ entry: (e) => (size = e.size) });
  parser.push(header);
  assert.equal(size, 9 * 1024 ** 3);
  assert.throws(() => parser.finish(), (e: unknown) => e instanceof TarFormatError && /ends inside entry huge/.test(e.message));
});

test('a damaged header is a TarFormatError naming its offset, and stays one', () => {
  const { bytes, layout } = ferryArchive();
  const at = layout.entries[4]!.headerOffset;
  bytes[at + 130] = bytes[at + 130]! ^ 0x01; // inside the size field
  const parser = new TarParser({});
  const fail = (e: unknown) => e instanceof TarFormatError && e.offset === at && /damaged/.test(e.message);
  assert.throws(() => parser.push(bytes), fail);
  assert.throws(() => parser.push(Buffer.alloc(512)), fail);
});

test('truncated archives and archives without an end marker are errors, not silent success', () => {
  const { bytes, layout } = ferryArchive();
  const cut = layout.entries[4]!.dataOffset + 100;
  assert.throws(() => parse(bytes.subarray(0, cut), 4096), /ends inside entry/);
  assert.throws(() => parse(bytes.subarray(0, layout.entries[4]!.headerOffset + 100), 4096), /inside a header/);
  assert.throws(() => parse(bytes.subarray(0, layout.totalSize - 2 * TAR_BLOCK), 4096), /without its end-of-archive marker/);
});

test('random garbage and random damage never crash the reader: only TarFormatError or success', () => {
  const { bytes } = ferryArchive();
  let errors = 0;
  for (let i = 0; i < 300; i++) {
    const damaged = Buffer.from(bytes);
    const flips = 1 + (i % 5);
    for (let f = 0; f < flips; f++) {
      // bias the damage towards the header blocks, where it matters
      const at = i % 2 === 0 ? Math.floor(Math.random() * 6) * TAR_BLOCK + Math.floor(Math.random() * TAR_BLOCK) : Math.floor(Math.random() * damaged.length);
      damaged[at] = Math.floor(Math.random() * 256);
    }
    try {
      parse(damaged, 1000 + i);
    } catch (error) {
      assert.ok(error instanceof TarFormatError, `unexpected ${String(error)}`);
      errors++;
    }
  }
  assert.ok(errors > 0, 'some damage was detected');
  assert.throws(() => parse(randomBytes(10_000), 4096), TarFormatError);
});

test('a pax record that lies about its length is refused', () => {
  const body = Buffer.from('99 path=x\n');
  const pax = encodeTarHeader({ name: 'PaxHeader', size: body.length, type: 'file', mtime: 0 });
  pax.write('x', 156, 'ascii');
  // fix the checksum for the changed type flag
  pax.write('        ', 148, 8, 'ascii');
  let sum = 0;
  for (const b of pax) sum += b;
  pax.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  const block = Buffer.alloc(TAR_BLOCK);
  body.copy(block);
  assert.throws(() => new TarParser({}).push(Buffer.concat([pax, block])), /pax header has a malformed record/);
});
