// `ferry split` end to end: a real bundle re-split in place (CLI and engine), the archive proven
// unchanged by sha256sum, cat and skopeo; signatures removed loudly; leftovers never mixed in;
// interrupted splits finished by a rerun; extra disk space measured while splitting.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BundleManifest } from '../../shared/bundle-manifest.js';
import type { ProgressEvent } from '../../shared/progress.js';
import { approveBundle, generateSigningKey, signBundle, splitBundle } from '../../electron/engine/index.js';
import { flipByte, makeTestBundle, run, skopeo, type TestBundle } from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';

const MIB = 1024 * 1024;
let base: TestBundle;
let copies = 0;

before(async () => {
  // about 3.2 MB of archive in four 1 MiB parts (the last one short), with two parity parts
  base = await makeTestBundle({ split: '1MiB', bigLayers: 3, parity: 2 });
});
after(async () => {
  await base?.cleanup();
});


const readManifest = (dir: string): BundleManifest => JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as BundleManifest;
const fileSha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
/** Every file of the folder (hidden ones and signatures/ included) with the sha256 of its bytes. */
const snapshot = (dir: string): Record<string, string> =>
  Object.fromEntries(
    (readdirSync(dir, { recursive: true }) as string[]).sort().map((name) => [name, statSync(join(dir, name)).isFile() ? fileSha(join(dir, name)) : 'folder']),
  );
/** Files of the folder (hidden ones included), sorted. */
const listing = (dir: string): string[] => readdirSync(dir).sort();
/** Bytes of the regular files directly in the folder. */
const folderBytes = (dir: string): number =>
  readdirSync(dir).reduce((n, name) => {
    try {
      const s = statSync(join(dir, name));
      return s.isFile() ? n + s.size : n;
    } catch {
      return n; // renamed or removed while we looked
    }
  }, 0);

/** Proves a bundle folder whole and its archive the original: sha256sum -c, cat, and skopeo on the reassembled tar. */
async function assertSameArchive(dir: string): Promise<BundleManifest> {
  const manifest = readManifest(dir);
  const check = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir });
  assert.equal(check.code, 0, check.stdout + check.stderr);
  const listed = readFileSync(join(dir, 'SHA256SUMS'), 'utf8').trim().split('\n').map((l) => l.slice(66));
  assert.deepEqual(listed, ['bundle.json', ...manifest.archive.parts.map((p) => p.name), ...(manifest.archive.parity?.parts ?? []).map((p) => p.name)]);
  assert.equal(manifest.archive.sha256, base.manifest.archive.sha256);
  assert.equal(manifest.archive.size, base.manifest.archive.size);
  assert.equal(manifest.id, base.manifest.id);
  assert.deepEqual(manifest.images, base.manifest.images);
  const tar = join(base.work, `reassembled-${++copies}.tar`);
  const names = manifest.archive.parts.map((p) => p.name).join(' ');
  assert.equal((await run('sh', ['-c', `cat ${names} > ${tar}`], { cwd: dir })).code, 0);
  assert.equal(fileSha(tar), base.manifest.archive.sha256);
  // `1` names test/multi:1 first in index.json; the docker-save view names each image in full
  const multi = manifest.images.find((i) => i.reference.endsWith('/test/multi:1'))!;
  const raw = await skopeo(['inspect', '--raw', `oci-archive:${tar}:1`]);
  assert.equal(raw.code, 0, raw.stderr);
  assert.equal(`sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`, multi.digest);
  const big = manifest.images.find((i) => i.reference.endsWith('/test/big:1'))!;
  const docker = await skopeo(['inspect', `docker-archive:${tar}:${big.reference}`]);
  assert.equal(docker.code, 0, docker.stderr);
  return manifest;
}


describe('ferry split', () => {
  test('1 MiB → 3 MiB → 1 MiB: the archive never changes, and the round trip gives back the very same parts', async () => {
    const dir = base.copy();
    const up = await runFerry(['split', dir, '--size', '3MiB']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /4 part\(s\) of up to 1\.05 MB \+ 2 parity part\(s\) → 2 part\(s\) of up to 3\.15 MB \+ 2 parity part\(s\); archive sha256 unchanged/);
    const three = await assertSameArchive(dir);
    assert.deepEqual(three.archive.parts.map((p) => p.size), [3 * MIB, base.manifest.archive.size - 3 * MIB]);
    assert.equal(three.archive.parity?.shardSize, 3 * MIB);
    assert.deepEqual(listing(dir), ['SHA256SUMS', 'bundle.json', 'bundle.tar.001', 'bundle.tar.002', 'bundle.tar.p01', 'bundle.tar.p02']);

    const down = await runFerry(['split', dir, '--size', '1MiB']);
    assert.equal(down.code, 0, down.stderr);
    const one = await assertSameArchive(dir);
    assert.deepEqual(one.archive.parts, base.manifest.archive.parts, 'the same parts, byte for byte');
    assert.deepEqual(one.archive.parity, base.manifest.archive.parity, 'and the same parity');
    // the new parts are just as repairable
    flipByte(join(dir, 'bundle.tar.001'), 10);
    assert.equal((await runFerry(['repair', dir])).code, 0);
  });

  test('fat32 with --parity 0: one part named bundle.tar for a small bundle, no parity left', async () => {
    const dir = base.copy();
    const r = await runFerry(['split', dir, '--size', 'fat32', '--parity', '0']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(listing(dir), ['SHA256SUMS', 'bundle.json', 'bundle.tar']);
    const m = await assertSameArchive(dir);
    assert.equal(m.archive.parity, undefined);
    assert.deepEqual(m.archive.parts.map((p) => p.name), ['bundle.tar']);
    // and back to parts with parity, from one part
    const back = await runFerry(['split', dir, '--size', '2MB', '--parity', '1']);
    assert.equal(back.code, 0, back.stderr);
    const two = await assertSameArchive(dir);
    assert.deepEqual(two.archive.parts.map((p) => p.size), [2_000_000, base.manifest.archive.size - 2_000_000]);
    assert.equal(two.archive.parity?.parts.length, 1);
  });

  test('changing only the parity keeps the data parts in place and rewrites the parity', async () => {
    const dir = base.copy();
    const inodes = base.manifest.archive.parts.map((p) => statSync(join(dir, p.name)).ino);
    const r = await runFerry(['split', dir, '--size', '1MiB', '--parity', '3', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const m = await assertSameArchive(dir);
    assert.equal(m.archive.parity?.parts.length, 3);
    assert.deepEqual(m.archive.parts, base.manifest.archive.parts);
    assert.deepEqual(base.manifest.archive.parts.map((p) => statSync(join(dir, p.name)).ino), inodes, 'data parts untouched');
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { changed: boolean; after: { parity: number } };
    assert.equal(result.changed, true);
    assert.equal(result.after.parity, 3);
  });

  test('the layout it already has: nothing to do, nothing touched', async () => {
    const dir = base.copy();
    const before = fileSha(join(dir, 'bundle.json'));
    const r = await runFerry(['split', dir, '--size', '1MiB']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /already has 4 part\(s\).*nothing to do/);
    assert.equal(fileSha(join(dir, 'bundle.json')), before);
  });

  test('signatures no longer match the new bundle.json: removed, and said so loudly', async () => {
    const dir = base.copy();
    const alice = await generateSigningKey(join(base.work, `alice-${++copies}`));
    const bob = await generateSigningKey(join(base.work, `bob-${copies}`));
    await signBundle(dir, alice.privateKeyFile);
    await approveBundle(dir, bob.privateKeyFile);
    const r = await runFerry(['split', dir, '--size', '3MiB']);
    assert.equal(r.code, 0, r.stderr);
    for (const out of [r.stdout, r.stderr]) {
      assert.match(out, /WARNING: removed 2 signature\(s\)/);
      assert.ok(out.includes(`signatures/approver-${bob.keyId.slice(0, 16)}.json`), out);
      assert.match(out, /must be signed and approved again/);
    }
    assert.ok(!existsSync(join(dir, 'signatures')));
    await assertSameArchive(dir);
  });

  test('a signature that does not verify: the bundle fails verification, so nothing is split or removed (exit 1)', async () => {
    const dir = base.copy();
    mkdirSync(join(dir, 'signatures'));
    writeFileSync(join(dir, 'signatures', 'preparer-0123456789abcdef.json'), '{}\n');
    const before = snapshot(dir);
    const r = await runFerry(['split', dir, '--size', '3MiB']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /not trusted.*nothing was changed.*signatures\/preparer-0123456789abcdef\.json/);
    assert.deepEqual(snapshot(dir), before);
  });

  test('temporary files of earlier runs are cleared, reported, and never mixed in', async () => {
    const dir = base.copy();
    writeFileSync(join(dir, '.ferry-0badc0de-bundle.tar.001.partial'), 'half a part');
    const r = await runFerry(['split', dir, '--size', '2MiB']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`Removed .ferry-0badc0de-bundle.tar.001.partial, left by an earlier run`), r.stdout);
    assert.deepEqual(listing(dir), ['SHA256SUMS', 'bundle.json', 'bundle.tar.001', 'bundle.tar.002', 'bundle.tar.p01', 'bundle.tar.p02']);
    await assertSameArchive(dir);
  });

  test('stray parts (of an older split, or planted) fail verification: named, and nothing is changed (exit 1)', async () => {
    const dir = base.copy();
    writeFileSync(join(dir, 'bundle.tar.005'), 'stray part of an older split');
    writeFileSync(join(dir, 'bundle.tar.p03'), 'stray parity');
    const before = snapshot(dir);
    const r = await runFerry(['split', dir, '--size', '2MiB']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /nothing was changed/);
    for (const name of ['bundle.tar.005', 'bundle.tar.p03']) assert.ok(r.stderr.includes(name), `${name} named:\n${r.stderr}`);
    assert.deepEqual(snapshot(dir), before);
  });

  test('a damaged part is found before anything changes (exit 1, pointing to repair)', async () => {
    const dir = base.copy();
    flipByte(join(dir, 'bundle.tar.003'), 42);
    const before = listing(dir);
    const r = await runFerry(['split', dir, '--size', '3MiB']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /damaged.*nothing was changed\. bundle\.tar\.003 in \S+ is damaged.*Run ferry repair \S+, then split again/);
    assert.deepEqual(listing(dir), before);
    assert.equal(fileSha(join(dir, 'bundle.json')), fileSha(join(base.dir, 'bundle.json')));
  });

  test('usage errors exit 2', async () => {
    const dir = base.copy();
    assert.equal((await runFerry(['split', dir])).code, 2, 'no --size');
    assert.equal((await runFerry(['split', dir, '--size', '500KiB'])).code, 2, 'parts below 1 MiB');
    assert.equal((await runFerry(['split', dir, '--size', '1MiB', '--parity', '40'])).code, 2, 'too much parity');
    assert.equal((await runFerry(['split', dir, '--size', 'big'])).code, 2, 'not a size');
  });
});

describe('interrupted splits', () => {
  test('cancelled after the first new part: the folder stops looking complete, and rerunning the CLI finishes it', async () => {
    const dir = base.copy();
    const controller = new AbortController();
    const onProgress = (e: ProgressEvent): void => {
      if (e.kind === 'item-end' && e.phase === 'split' && e.detail === 'written') controller.abort();
    };
    // 1 MiB → 1.5 MiB: the first new part holds old part 1 and half of part 2
    await assert.rejects(splitBundle({ dir, size: '1.5MiB' }, { onProgress, signal: controller.signal }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'cancelled');
      assert.match(error.message, /run ferry split .* --size 1572864 --parity 2 to finish it/);
      return true;
    });
    const mid = listing(dir);
    assert.ok(!mid.includes('SHA256SUMS'), `no SHA256SUMS mid-split: ${mid.join(' ')}`);
    assert.ok(mid.includes('.ferry-split-journal.json'));
    assert.ok(!mid.includes('bundle.tar.001'), 'old part 1 was copied whole, so it is gone already');
    assert.ok(mid.includes('bundle.tar.002'), 'old part 2 is only half copied, so it stays');
    assert.ok(!mid.includes('bundle.tar.p01'), 'old parity is gone');

    // meanwhile: repair refuses, and a split to another size is told how to finish this one
    const repair = await runFerry(['repair', dir]);
    assert.equal(repair.code, 1);
    assert.match(repair.stderr, /middle of an interrupted ferry split/);
    const other = await runFerry(['split', dir, '--size', '3MiB']);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /finish it first: ferry split .* --size 1572864 --parity 2/);

    const r = await runFerry(['split', dir, '--size', '1.5MiB']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Finished an interrupted split/);
    const m = await assertSameArchive(dir);
    assert.deepEqual(m.archive.parts.map((p) => p.size), [1.5 * MIB, 1.5 * MIB, base.manifest.archive.size - 3 * MIB]);
    assert.deepEqual(listing(dir), ['SHA256SUMS', 'bundle.json', 'bundle.tar.001', 'bundle.tar.002', 'bundle.tar.003', 'bundle.tar.p01', 'bundle.tar.p02']);
  });

  test('cancelled while encoding parity: a rerun in process completes it with the parity first asked for', async () => {
    const dir = base.copy();
    const controller = new AbortController();
    const onProgress = (e: ProgressEvent): void => {
      if (e.kind === 'phase-start' && e.phase === 'parity') controller.abort();
    };
    await assert.rejects(splitBundle({ dir, size: '3MiB', parity: 1 }, { onProgress, signal: controller.signal }), { code: 'cancelled' });
    assert.ok(!listing(dir).includes('SHA256SUMS'));
    const result = await splitBundle({ dir, size: '3MiB' });
    assert.equal(result.resumed, true);
    assert.equal(result.after.parity, 1, 'the parity of the interrupted split');
    assert.equal(result.before.parts, 4);
    await assertSameArchive(dir);
    assert.ok(!listing(dir).some((n) => n.startsWith('.ferry-')), `no temporary files: ${listing(dir).join(' ')}`);
  });

  test('stopped during the final renames (some done, some not): a rerun finishes them', async () => {
    const dir = base.copy();
    const controller = new AbortController();
    const onProgress = (e: ProgressEvent): void => {
      if (e.kind === 'phase-end' && e.phase === 'parity') controller.abort();
    };
    await assert.rejects(splitBundle({ dir, size: '2MiB' }, { onProgress, signal: controller.signal }), { code: 'cancelled' });
    const journal = JSON.parse(readFileSync(join(dir, '.ferry-split-journal.json'), 'utf8')) as { run: string; commit?: { manifest: string } };
    assert.ok(journal.commit, 'the new bundle.json is in the journal');
    // as a crash half-way through the renames leaves it: the first new part and p01 in place, the rest not
    for (const name of ['bundle.tar.001', 'bundle.tar.p01']) renameSync(join(dir, `.ferry-${journal.run}-${name}.partial`), join(dir, name));
    assert.ok(!existsSync(join(dir, 'SHA256SUMS')));
    const r = await runFerry(['split', dir, '--size', '2MiB']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Finished an interrupted split/);
    const m = await assertSameArchive(dir);
    assert.equal(readFileSync(join(dir, 'bundle.json'), 'utf8'), journal.commit.manifest);
    assert.deepEqual(m.archive.parts.map((p) => p.size), [2 * MIB, base.manifest.archive.size - 2 * MIB]);
    assert.deepEqual(listing(dir), ['SHA256SUMS', 'bundle.json', 'bundle.tar.001', 'bundle.tar.002', 'bundle.tar.p01', 'bundle.tar.p02']);
  });

  test('cancelled on its very first byte: only the journal and the moved SHA256SUMS show, and a rerun finishes', async () => {
    const dir = base.copy();
    const controller = new AbortController();
    const onProgress = (e: ProgressEvent): void => {
      if (e.kind === 'phase-start' && e.phase === 'split') controller.abort();
    };
    await assert.rejects(splitBundle({ dir, size: '3MiB' }, { onProgress, signal: controller.signal }), { code: 'cancelled' });
    for (const p of base.manifest.archive.parts) assert.ok(existsSync(join(dir, p.name)), `${p.name} still there`);
    assert.ok(!existsSync(join(dir, 'SHA256SUMS')));
    await splitBundle({ dir, size: '3MiB' });
    await assertSameArchive(dir);
  });
});

describe('disk space while splitting', () => {
  /** Splits in process, sampling the folder's size at every progress event; returns the peak above the start. */
  async function measure(dir: string, size: string, frugal: boolean): Promise<{ sampled: number; engine: number }> {
    const start = folderBytes(dir);
    let peak = start;
    const onProgress = (): void => {
      peak = Math.max(peak, folderBytes(dir));
    };
    const result = await splitBundle({ dir, size, frugal }, { onProgress });
    return { sampled: peak - start, engine: result.peakExtraBytes };
  }

  test('frugal, 1 MiB ↔ 3 MiB parts without parity: about one part extra at most, never two', async (t) => {
    const dir = base.copy();
    // drop parity first, so the folder's size is the archive's
    assert.equal((await splitBundle({ dir, size: '1MiB', parity: 0 })).after.parity, 0);
    for (const size of ['3MiB', '1MiB', '2MiB']) {
      const largest = Math.max(...readManifest(dir).archive.parts.map((p) => p.size), Math.min(parseInt(size) * MIB, base.manifest.archive.size));
      const { sampled, engine } = await measure(dir, size, true);
      t.diagnostic(`to ${size}: folder grew by at most ${sampled} bytes (engine: ${engine}); largest part ${largest}`);
      assert.ok(engine <= largest, `${size}: the engine saw ${engine} bytes extra, more than one part (${largest})`);
      assert.ok(engine >= MIB, `${size}: a split does need about a part extra (${engine})`);
      assert.ok(sampled <= largest + 64 * 1024, `${size}: the folder grew by ${sampled} bytes, more than one part (${largest})`);
      assert.ok(sampled <= 2 * largest);
      await assertSameArchive(dir);
    }
  });

  test('with room to spare, flushes run behind the copy: at most the largest old part and three new parts extra', async (t) => {
    const dir = base.copy();
    assert.equal((await splitBundle({ dir, size: '1MiB', parity: 0 })).after.parity, 0);
    for (const size of ['2MiB', '1MiB', '3MiB']) {
      const largestOld = Math.max(...readManifest(dir).archive.parts.map((p) => p.size));
      const largestNew = Math.min(parseFloat(size) * MIB, base.manifest.archive.size);
      const bound = largestOld + 3 * largestNew;
      const { sampled, engine } = await measure(dir, size, false);
      t.diagnostic(`to ${size}: folder grew by at most ${sampled} bytes (engine: ${engine}); bound ${bound}`);
      assert.ok(engine <= bound, `${size}: the engine saw ${engine} bytes extra, more than ${bound}`);
      assert.ok(sampled <= bound + 64 * 1024, `${size}: the folder grew by ${sampled} bytes, more than ${bound}`);
      const m = await assertSameArchive(dir);
      assert.equal(m.archive.parts[0]!.size, largestNew);
      assert.ok(!listing(dir).some((n) => n.startsWith('.ferry-')), `no temporary files: ${listing(dir).join(' ')}`);
    }
  });
});
