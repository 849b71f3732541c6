// verifyIntegrity against real bundles made by the real engine (makeTestBundle), damaged on disk
// the ways media and people damage them; every fault must be reported, named by part and blob.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import type { IntegrityFault, IntegrityReport } from '../../../shared/verify-report.js';
import { flipByte, makeTestBundle, run, type TestBundle } from '../../../e2e/harness/index.js';
import { PartedFile } from '../bundle/archive/parted-file.js';
import { listTarEntries, type TarEntry } from '../bundle/archive/tar-reader.js';
import { verifyIntegrity } from './verify-integrity.js';
import { verifyBundle } from './verify-bundle.js';

let split: TestBundle;
let whole: TestBundle;
let parity: TestBundle;
let cases = 0;

before(async () => {
  [split, whole, parity] = await Promise.all([
    makeTestBundle({ split: '1MiB', bigLayers: 3 }),
    makeTestBundle({ bigLayers: 1 }),
    makeTestBundle({ split: '1MiB', bigLayers: 2, parity: 1 }),
  ]);
});
after(async () => {
  await Promise.allSettled([split?.cleanup(), whole?.cleanup(), parity?.cleanup()]);
});

/** A fresh copy of a test bundle to damage. */
function fresh(bundle: TestBundle): string {
  const dir = join(bundle.work, `case-${++cases}`);
  cpSync(bundle.dir, dir, { recursive: true });
  return dir;
}

/** Every entry of the archive with its offsets, read by header alone. */
async function archiveEntries(dir: string, manifest: BundleManifest): Promise<TarEntry[]> {
  let start = 0;
  const parts = manifest.archive.parts.map((p) => {
    const spec = { path: join(dir, p.name), start, size: p.size };
    start += p.size;
    return spec;
  });
  const file = await PartedFile.openForRead(parts);
  try {
    const out: TarEntry[] = [];
    for await (const e of listTarEntries(file)) out.push(e);
    return out;
  } finally {
    await file.close();
  }
}

/** The part holding archive byte `offset`, and the offset within it. */
function partAt(manifest: BundleManifest, offset: number): { name: string; within: number } {
  let start = 0;
  for (const p of manifest.archive.parts) {
    if (offset < start + p.size) return { name: p.name, within: offset - start };
    start += p.size;
  }
  throw new Error(`offset ${offset} is past the archive`);
}


/** Inverts one byte at archive offset `offset`; returns the part it is in. */
function flipArchiveByte(dir: string, manifest: BundleManifest, offset: number): string {
  const { name, within } = partAt(manifest, offset);
  flipByte(join(dir, name), within);
  return name;
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const kinds = (r: IntegrityReport): string[] => r.faults.map((f) => `${f.check}/${f.kind}`).sort();
const find = (r: IntegrityReport, predicate: (f: IntegrityFault) => boolean): IntegrityFault => {
  const f = r.faults.find(predicate);
  assert.ok(f, `expected fault not found among:\n${r.faults.map((x) => `  ${x.kind}: ${x.message}`).join('\n')}`);
  return f;
};
const sha256sumCheck = async (dir: string): Promise<number> => (await run('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], { cwd: dir })).code;

/** The first big layer whose data crosses from one part into the next, and where. */
async function bigLayer(dir: string, manifest: BundleManifest): Promise<TarEntry & { digest: string }> {
  const entries = await archiveEntries(dir, manifest);
  const layer = entries.filter((e) => e.size > 500_000).find((e) => partAt(manifest, e.dataOffset).name !== partAt(manifest, e.dataOffset + e.size - 1).name);
  assert.ok(layer, 'a big layer spans two parts');
  return { ...layer, digest: `sha256:${layer.name.slice('blobs/sha256/'.length)}` };
}

describe('an intact bundle', () => {
  test('split: every check passes, every part and blob is counted, and sha256sum -c agrees', async () => {
    const events: string[] = [];
    const report = await verifyIntegrity({ dirs: [split.dir] }, { onProgress: (e) => events.push(e.kind === 'bytes' ? 'bytes' : `${e.kind}:${'item' in e ? e.item : e.kind === 'phase-start' || e.kind === 'phase-end' ? e.phase : ''}`) });
    assert.deepEqual(report.faults, []);
    assert.equal(report.ok, true);
    assert.equal(report.bundleId, split.manifest.id);
    assert.deepEqual(report.checks?.map((c) => [c.id, c.ok]), [
      ['bundle-json', true],
      ['sha256sums', true],
      ['parts', true],
      ['blobs', true],
      ['structure', true],
    ]);
    assert.equal(report.blobsChecked, split.manifest.blobs.length);
    assert.equal(report.bytesChecked, split.manifest.archive.size);
    assert.deepEqual(
      report.parts.map((p) => [p.name, p.size, p.sha256, p.ok]),
      split.manifest.archive.parts.map((p) => [p.name, p.size, p.sha256, true]),
    );
    assert.ok(split.manifest.archive.parts.length >= 4, 'really split');
    // progress: one verify phase, an item per part, byte counts
    assert.equal(events[0], 'phase-start:verify');
    assert.equal(events.at(-1), 'phase-end:verify');
    for (const p of split.manifest.archive.parts) {
      assert.ok(events.includes(`item-start:${p.name}`) && events.includes(`item-end:${p.name}`), p.name);
    }
    assert.ok(events.includes('bytes'));
    assert.equal(await sha256sumCheck(split.dir), 0);
  });

  test('unsplit: bundle.tar alone verifies', async () => {
    const report = await verifyIntegrity({ dirs: [whole.dir] });
    assert.deepEqual(report.faults, []);
    assert.deepEqual(report.parts.map((p) => p.name), ['bundle.tar']);
    assert.equal(report.blobsChecked, whole.manifest.blobs.length);
  });

  test('verifyBundle wraps the integrity report (trust and policy not yet asked for)', async () => {
    const report = await verifyBundle({ dirs: [split.dir] });
    assert.equal(report.ok, true);
    assert.equal(report.integrity.ok, true);
    assert.equal(report.trust, undefined);
    assert.equal(report.policy, undefined);
  });
});

describe('damage inside parts', () => {
  test('a flipped byte inside a blob: the fault names the part and the blob; sha256sum -c agrees it is damaged', async () => {
    const dir = fresh(split);
    const layer = await bigLayer(dir, split.manifest);
    const offset = layer.dataOffset + layer.size - 1000; // in the second part the layer spans
    const part = flipArchiveByte(dir, split.manifest, offset);
    const report = await verifyIntegrity({ dirs: [dir] });
    assert.equal(report.ok, false);
    assert.deepEqual(kinds(report), ['blobs/blob-digest', 'parts/checksum']);
    const blob = find(report, (f) => f.kind === 'blob-digest');
    assert.equal(blob.blob, layer.digest);
    assert.equal(blob.part, part, 'the damaged part of the two the blob spans');
    assert.match(blob.message, new RegExp(`${layer.digest}.*test/big:1.*${part.replace(/\./g, '\\.')}`));
    const checksum = find(report, (f) => f.kind === 'checksum');
    assert.equal(checksum.part, part);
    assert.equal(report.parts.find((p) => p.name === part)?.ok, false);
    assert.notEqual(await sha256sumCheck(dir), 0);
  });

  test('a flipped byte in index.json is caught by the structure check, not only the checksum', async () => {
    const dir = fresh(split);
    const index = (await archiveEntries(dir, split.manifest)).find((e) => e.name === 'index.json')!;
    flipArchiveByte(dir, split.manifest, index.dataOffset + 200);
    const report = await verifyIntegrity({ dirs: [dir] });
    const fault = find(report, (f) => f.check === 'structure' && f.file === 'index.json');
    assert.equal(fault.part, 'bundle.tar.001');
    find(report, (f) => f.kind === 'checksum' && f.part === 'bundle.tar.001');
  });

  test('a damaged tar header is an archive-structure fault naming its part; the parts are still all hashed', async () => {
    const dir = fresh(split);
    const entries = await archiveEntries(dir, split.manifest);
    const later = entries.filter((e) => partAt(split.manifest, e.headerOffset).name === 'bundle.tar.003')[0]!;
    flipArchiveByte(dir, split.manifest, later.headerOffset + 130);
    const report = await verifyIntegrity({ dirs: [dir] });
    const fault = find(report, (f) => f.kind === 'archive-structure');
    assert.equal(fault.part, 'bundle.tar.003');
    assert.match(fault.message, /header at byte \d+ is damaged/);
    assert.ok(!report.faults.some((f) => f.kind === 'blob-missing'), 'blobs after the break are unchecked, not missing');
    assert.equal(report.parts.filter((p) => p.ok).length, split.manifest.archive.parts.length - 1);
    assert.equal(report.checks?.find((c) => c.id === 'blobs')?.ok, false);
  });
});

describe('parts missing, cut short, stray or reordered', () => {
  test('a truncated part: a size fault naming it; blobs and structure are reported as not checked', async () => {
    const dir = fresh(split);
    truncateSync(join(dir, 'bundle.tar.002'), 500_000);
    const report = await verifyIntegrity({ dirs: [dir] });
    assert.deepEqual(kinds(report), ['parts/size']);
    assert.equal(report.faults[0]!.part, 'bundle.tar.002');
    assert.match(report.faults[0]!.message, /500000 bytes.*1048576.*truncated/);
    assert.deepEqual(report.checks?.filter((c) => c.skipped).map((c) => c.id), ['blobs', 'structure']);
  });

  test('a deleted part: missing-file naming it', async () => {
    const dir = fresh(split);
    rmSync(join(dir, 'bundle.tar.003'));
    const report = await verifyIntegrity({ dirs: [dir] });
    assert.deepEqual(kinds(report), ['parts/missing-file']);
    assert.equal(report.faults[0]!.part, 'bundle.tar.003');
    assert.equal(report.repair, undefined, 'no parity, no repair advice');
  });

  test('stray parts: one past the last, the whole archive beside its parts; the archive itself still verifies', async () => {
    const dir = fresh(split);
    const last = split.manifest.archive.parts.at(-1)!.name;
    const next = `bundle.tar.${String(split.manifest.archive.parts.length + 1).padStart(3, '0')}`;
    copyFileSync(join(dir, last), join(dir, next));
    writeFileSync(join(dir, 'bundle.tar'), Buffer.concat(split.manifest.archive.parts.map((p) => readFileSync(join(dir, p.name)))));
    const report = await verifyIntegrity({ dirs: [dir] });
    assert.deepEqual(kinds(report), ['parts/stray-part', 'parts/stray-part']);
    assert.match(find(report, (f) => f.file === next).message, new RegExp(`holds the bytes recorded for ${last.replace(/\./g, '\\.')}`));
    find(report, (f) => f.file === 'bundle.tar');
    assert.equal(report.checks?.find((c) => c.id === 'blobs')?.ok, true);
  });

  test('two parts swapped: each is named as holding the other\'s bytes', async () => {
    const dir = fresh(split);
    renameSync(join(dir, 'bundle.tar.002'), join(dir, 'swap'));
    renameSync(join(dir, 'bundle.tar.003'), join(dir, 'bundle.tar.002'));
    renameSync(join(dir, 'swap'), join(dir, 'bundle.tar.003'));
    const report = await verifyIntegrity({ dirs: [dir] });
    assert.match(find(report, (f) => f.kind === 'checksum' && f.part === 'bundle.tar.002').message, /bundle\.tar\.002 .*holds the bytes recorded for bundle\.tar\.003/);
    assert.match(find(report, (f) => f.kind === 'checksum' && f.part === 'bundle.tar.003').message, /holds the bytes recorded for bundle\.tar\.002/);
  });

  test('a part that is a symbolic link is not followed', async () => {
    const dir = fresh(split);
    renameSync(join(dir, 'bundle.tar.002'), join(split.work, `elsewhere-${cases}`));
    symlinkSync(join(split.work, `elsewhere-${cases}`), join(dir, 'bundle.tar.002'));
    const report = await verifyIntegrity({ dirs: [dir] });
    assert.match(find(report, (f) => f.kind === 'unreadable' && f.part === 'bundle.tar.002').message, /symbolic link/);
  });
});

describe('SHA256SUMS', () => {
  test('a wrong sum, a malformed line and a name outside the bundle are all faults; the outside file is never opened', async () => {
    const dir = fresh(split);
    // a FIFO outside the folder: opening it would block, so a finished run proves it was not opened
    const outside = join(split.work, `fifo-${cases}`);
    execFileSync('mkfifo', [outside]);
    const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8').split('\n');
    sums[1] = `${'0'.repeat(64)}  ${sums[1]!.slice(66)}`;
    sums.push(`${'a'.repeat(64)}  ../${outside.split('/').at(-1)}`, 'not a sums line');
    writeFileSync(join(dir, 'SHA256SUMS'), sums.join('\n'));
    const report = await verifyIntegrity({ dirs: [dir] });
    assert.deepEqual(kinds(report), ['sha256sums/checksum', 'sha256sums/metadata', 'sha256sums/metadata']);
    assert.match(find(report, (f) => f.kind === 'checksum').message, /lists 0{64} for bundle\.tar\.001, but bundle\.json records/);
    assert.match(find(report, (f) => /not a file of this bundle/.test(f.message)).message, /"\.\.\/fifo-\d+".*not read/);
    // (sha256sum -c itself would open the FIFO and hang: Ferry is stricter than coreutils here)
  });

  test('a changed bundle.json no longer matches SHA256SUMS, and a blob it drops is unexpected while a blob it adds is missing', async () => {
    const dir = fresh(split);
    const manifest = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as BundleManifest;
    const dropped = manifest.blobs.find((b) => b.mediaType.includes('layer'))!;
    manifest.blobs = manifest.blobs.filter((b) => b !== dropped);
    const invented = `sha256:${sha256('not in the archive')}`;
    manifest.blobs.push({ digest: invented, size: 18, mediaType: 'application/vnd.oci.image.layer.v1.tar' });
    writeFileSync(join(dir, 'bundle.json'), JSON.stringify(manifest, null, 2));
    const report = await verifyIntegrity({ dirs: [dir] });
    assert.equal(find(report, (f) => f.kind === 'checksum').file, 'bundle.json');
    assert.equal(find(report, (f) => f.kind === 'blob-unexpected').blob, dropped.digest);
    assert.equal(find(report, (f) => f.kind === 'blob-missing').blob, invented);
    // the manifest that references the dropped layer: it is now not a blob of the bundle
    assert.ok(report.faults.some((f) => f.kind === 'reference-missing' && f.blob === dropped.digest));
  });
});

describe('multi-volume sets', () => {
  /** Two volumes by hand: bundle.json on both, the parts shared out, a SHA256SUMS per volume over what it holds. */
  function makeVolumes(): [string, string] {
    const base = join(split.work, `set-${++cases}`);
    const names = split.manifest.archive.parts.map((p) => p.name);
    const halves = [names.slice(0, 2), names.slice(2)];
    return halves.map((partNames, i) => {
      const vol = join(base, `usb${i + 1}`);
      mkdirSync(vol, { recursive: true });
      const files = ['bundle.json', ...partNames];
      for (const f of files) copyFileSync(join(split.dir, f), join(vol, f));
      writeFileSync(join(vol, 'SHA256SUMS'), files.map((f) => `${sha256(readFileSync(join(vol, f)))}  ${f}\n`).join(''));
      writeFileSync(join(vol, 'README.txt'), 'volume of a Ferry bundle\n');
      return vol;
    }) as [string, string];
  }

  test('a set verifies as one bundle, and sha256sum -c passes on each volume', async () => {
    const [a, b] = makeVolumes();
    const report = await verifyIntegrity({ dirs: [a, b] });
    assert.deepEqual(report.faults, []);
    assert.deepEqual(report.dirs, [a, b]);
    assert.deepEqual(new Set(report.parts.map((p) => p.dir)), new Set([a, b]));
    assert.equal(report.blobsChecked, split.manifest.blobs.length);
    assert.equal(await sha256sumCheck(a), 0);
    assert.equal(await sha256sumCheck(b), 0);
  });

  test('the same set with a part gone fails naming the part', async () => {
    const [a, b] = makeVolumes();
    rmSync(join(b, 'bundle.tar.003'));
    const report = await verifyIntegrity({ dirs: [a, b] });
    const missing = find(report, (f) => f.kind === 'missing-file' && f.check === 'parts');
    assert.equal(missing.part, 'bundle.tar.003');
    assert.match(missing.message, /none of the 2 folders/);
  });

  test('volumes of different bundles, and a part on two volumes with different bytes, are inconsistent', async () => {
    const [a, b] = makeVolumes();
    const other = JSON.parse(readFileSync(join(b, 'bundle.json'), 'utf8')) as BundleManifest;
    writeFileSync(join(b, 'bundle.json'), JSON.stringify({ ...other, created: '2020-01-01T00:00:00Z' }, null, 2));
    copyFileSync(join(a, 'bundle.tar.001'), join(b, 'bundle.tar.001'));
    flipByte(join(b, 'bundle.tar.001'), 100_000);
    const report = await verifyIntegrity({ dirs: [a, b] });
    assert.equal(find(report, (f) => f.kind === 'inconsistent-volumes' && f.file === 'bundle.json').dir, b);
    find(report, (f) => f.kind === 'inconsistent-volumes' && f.part === 'bundle.tar.001');
    find(report, (f) => f.kind === 'checksum' && f.part === 'bundle.tar.001' && f.dir === b);
  });
});

describe('several faults at once', () => {
  test('blob damage, metadata damage, a stray part and a wrong sum are all reported together', async () => {
    const dir = fresh(split);
    const entries = await archiveEntries(dir, split.manifest);
    const layer = await bigLayer(dir, split.manifest);
    flipArchiveByte(dir, split.manifest, layer.dataOffset + 10);
    const docker = entries.find((e) => e.name === 'manifest.json')!;
    flipArchiveByte(dir, split.manifest, docker.dataOffset + 30);
    copyFileSync(join(dir, 'bundle.tar.001'), join(dir, 'bundle.tar.099'));
    const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8').replace(/^[0-9a-f]{64}(?= {2}bundle\.tar\.002)/m, 'f'.repeat(64));
    writeFileSync(join(dir, 'SHA256SUMS'), sums);
    const report = await verifyIntegrity({ dirs: [dir] });
    const got = new Set(kinds(report));
    for (const k of ['blobs/blob-digest', 'structure/metadata', 'parts/stray-part', 'sha256sums/checksum', 'parts/checksum']) assert.ok(got.has(k), `${k} in ${[...got].join(', ')}`);
    assert.equal(find(report, (f) => f.kind === 'blob-digest').blob, layer.digest);
    assert.equal(find(report, (f) => f.check === 'structure').file, 'manifest.json');
  });
});

describe('parity', () => {
  test('parity parts are checked like data parts; an unrecorded parity part is stray', async () => {
    const dir = fresh(parity);
    const [p01] = parity.manifest.archive.parity!.parts;
    flipByte(join(dir, p01!.name), 5);
    copyFileSync(join(dir, p01!.name), join(dir, 'bundle.tar.p03'));
    const report = await verifyIntegrity({ dirs: [dir] });
    assert.deepEqual(kinds(report), ['parts/checksum', 'parts/stray-part']);
    assert.equal(find(report, (f) => f.kind === 'checksum').part, p01!.name);
    assert.equal(report.checks?.find((c) => c.id === 'blobs')?.ok, true);
    assert.equal(report.repair?.rebuildable, 1);
  });

  test('a lost data part that parity can rebuild: the report says so and suggests ferry repair', async () => {
    const dir = fresh(parity);
    rmSync(join(dir, 'bundle.tar.002'));
    const report = await verifyIntegrity({ dirs: [dir] });
    assert.deepEqual(report.repair?.lost, ['bundle.tar.002']);
    assert.equal(report.repair?.rebuildable, 1);
    assert.match(report.repair!.message, /can be rebuilt.*ferry repair /);
  });

  test('more parts lost than parity covers: repair cannot help, and says so', async () => {
    const dir = fresh(parity);
    rmSync(join(dir, 'bundle.tar.001'));
    flipByte(join(dir, 'bundle.tar.002'), 7);
    const report = await verifyIntegrity({ dirs: [dir] });
    assert.equal(report.repair?.rebuildable, 0);
    assert.match(report.repair!.message, /2 of the \d+ parts are lost or damaged.*cannot be repaired/);
  });
});

describe('usage and control', () => {
  test('a folder that does not exist is bad usage; a folder without bundle.json is a damaged result', async () => {
    await assert.rejects(verifyIntegrity({ dirs: [join(split.work, 'no-such-folder')] }), { name: 'FerryError', code: 'bad-usage' });
    await assert.rejects(verifyIntegrity({ dirs: [] }), { code: 'bad-usage' });
    const empty = join(split.work, `empty-${++cases}`);
    mkdirSync(empty);
    const report = await verifyIntegrity({ dirs: [empty] });
    assert.equal(report.ok, false);
    assert.deepEqual(kinds(report), ['bundle-json/missing-file', 'sha256sums/missing-file']);
  });

  test('cancelling stops the run with an AbortError', async () => {
    const controller = new AbortController();
    await assert.rejects(
      verifyIntegrity({ dirs: [split.dir] }, { signal: controller.signal, onProgress: (e) => e.kind === 'item-start' && controller.abort() }),
      { name: 'AbortError' },
    );
  });
});
