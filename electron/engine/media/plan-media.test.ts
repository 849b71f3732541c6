// The media planner on synthetic manifests (no bytes written): consecutive assignment, the
// summary, and every refusal (space, FAT32's 4 GiB − 1 limit, another bundle, one volume named twice).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { BUNDLE_MEDIA_TYPE, BundleManifestSchema, PARITY_SCHEME, type ArchivePart, type BundleManifest } from '../../../shared/bundle-manifest.js';
import { formatBytes } from '../../../shared/format.js';
import { FAT32_MAX_FILE } from '../bundle/parse-size.js';
import { FerryError } from '../errors/ferry-error.js';
import { archiveFiles, planMedia, planMediaBySize, readmeBudget, summarize, type MediaTarget } from './plan-media.js';
import { volumeReadme } from './volume-readme.js';

const GB = 1000 ** 3;
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** A schema-valid manifest whose archive has parts of these sizes (and parity parts, if given). */
function manifestWith(sizes: number[], paritySizes: number[] = []): BundleManifest {
  const part = (name: string, size: number): ArchivePart => ({ name, size, sha256: 'a'.repeat(64) });
  const parts = sizes.length === 1 ? [part('bundle.tar', sizes[0]!)] : sizes.map((s, i) => part(`bundle.tar.${String(i + 1).padStart(3, '0')}`, s));
  return BundleManifestSchema.parse({
    schemaVersion: 1,
    mediaType: BUNDLE_MEDIA_TYPE,
    id: randomUUID(),
    created: '2026-01-01T00:00:00.000Z',
    tool: { name: 'ferry', version: '0.1.0' },
    images: [],
    blobs: [],
    archive: {
      name: 'bundle.tar',
      format: 'oci-layout+docker-archive',
      size: sizes.reduce((n, s) => n + s, 0),
      sha256: 'b'.repeat(64),
      parts,
      ...(paritySizes.length > 0
        ? {
            parity: {
              scheme: PARITY_SCHEME,
              dataParts: parts.length,
              shardSize: Math.max(...sizes),
              parts: paritySizes.map((s, i) => part(`bundle.tar.p${String(i + 1).padStart(2, '0')}`, s)),
            },
          }
        : {}),
    },
  });
}

const target = (path: string, freeBytes: number, extra: Partial<MediaTarget> = {}): MediaTarget => ({ path, freeBytes, blockSize: 4096, fsType: 'exfat', bundleId: null, device: path, ...extra });
const names = (parts: ArchivePart[]): string[] => parts.map((p) => p.name);

describe('planMedia: assignment', () => {
  test('everything fits one volume: one volume with every part, and a summary', () => {
    const m = manifestWith([1 * GB, 1 * GB, 0.5 * GB]);
    const plan = planMedia(m, [target('/media/a', 32 * GB)]);
    assert.equal(plan.ok, true);
    assert.equal(plan.volumes.length, 1);
    assert.deepEqual(names(plan.volumes[0]!.parts), ['bundle.tar.001', 'bundle.tar.002', 'bundle.tar.003']);
    assert.match(plan.summary, /^1 volume: 2\.5\d GB$/);
    assert.deepEqual(plan.unused, []);
  });

  test('parts stay consecutive: each target is filled before the next, data parts then parity parts', () => {
    const m = manifestWith([1 * GB, 1 * GB, 1 * GB, 1 * GB, 1 * GB], [1 * GB]);
    const plan = planMedia(m, [target('/a', 2.2 * GB), target('/b', 2.2 * GB), target('/c', 2.2 * GB), target('/d', 2.2 * GB)]);
    assert.equal(plan.ok, true, JSON.stringify(plan.problems));
    assert.deepEqual(
      plan.volumes.map((v) => names(v.parts)),
      [
        ['bundle.tar.001', 'bundle.tar.002'],
        ['bundle.tar.003', 'bundle.tar.004'],
        ['bundle.tar.005', 'bundle.tar.p01'],
      ],
    );
    assert.deepEqual(plan.unused, ['/d']);
    assert.match(plan.summary, /^3 volumes: 2\.00 \+ 2\.00 \+ 2\.00 GB$/);
    // what is written per volume includes bundle.json, SHA256SUMS and README.txt, and stays within what the target offers
    for (const v of plan.volumes) assert.ok(v.bytes > 2 * GB && v.bytes <= v.usable, `${v.path}: ${v.bytes} of ${v.usable}`);
  });

  test('the summary names every volume in the unit of the largest', () => {
    assert.equal(summarize([29.8 * GB, 29.8 * GB, 11.2 * GB]), '3 volumes: 29.8 + 29.8 + 11.2 GB');
    assert.equal(summarize([3.15e6, 3.15e6, 0.4e6]), '3 volumes: 3.15 + 3.15 + 0.40 MB');
  });

  test('files are counted in whole clusters: a FAT32 stick with 32 KiB clusters holds fewer small parts', () => {
    const m = manifestWith(Array.from({ length: 10 }, () => 1000));
    const small = planMedia(m, [target('/a', 400 * 1024, { blockSize: 4096 })]);
    const big = planMedia(m, [target('/a', 400 * 1024, { blockSize: 32768, fsType: 'vfat' })]);
    assert.equal(small.ok, true);
    assert.equal(big.ok, false, 'ten 1000-byte files take 320 KiB in 32 KiB clusters, and the volume\'s own files 192 KiB more: over 400 KiB');
  });

  test('the same bundle already on a target: its files count as room (they are reused or replaced)', () => {
    const m = manifestWith([1 * GB, 1 * GB]);
    const tight = target('/a', 0.1 * GB, { bundleId: m.id, ownedBytes: 2.05 * GB });
    const plan = planMedia(m, [tight]);
    assert.equal(plan.ok, true, JSON.stringify(plan.problems));
    assert.equal(plan.volumes[0]!.existing, 'same-bundle');
    // without them it would not fit
    assert.equal(planMedia(m, [{ ...tight, bundleId: null, ownedBytes: 0 }]).ok, false);
  });

  test('leftovers of an interrupted run count as room', () => {
    const m = manifestWith([1 * GB]);
    assert.equal(planMedia(m, [target('/a', 0.5 * GB, { leftoverBytes: 0.6 * GB })]).ok, true);
  });

  test('capacity limits what each target gives, and two folders on one volume share its free space', () => {
    const m = manifestWith([1 * MiB, 1 * MiB, 1 * MiB, 1 * MiB]);
    const a = target('/v/a', 10 * GB, { device: 'dev1' });
    const b = target('/v/b', 10 * GB, { device: 'dev1' });
    const capped = planMedia(m, [a, b], { capacity: 2.2 * MiB });
    assert.equal(capped.ok, true, JSON.stringify(capped.problems));
    assert.deepEqual(capped.volumes.map((v) => v.parts.length), [2, 2]);
    // the shared pool: 3 MiB free on the one device cannot take 4 MiB, whatever the per-target capacity
    const pooled = planMedia(m, [{ ...a, freeBytes: 3 * MiB }, { ...b, freeBytes: 3 * MiB }], { capacity: 2.5 * MiB });
    assert.equal(pooled.ok, false);
    assert.equal(pooled.problems[0]!.code, 'no-space');
  });
});

describe('planMedia: refusals, before anything is written', () => {
  test('not enough space: says how much more is needed', () => {
    const m = manifestWith([10 * GB, 10 * GB, 10 * GB, 10 * GB]);
    const plan = planMedia(m, [target('/a', 21 * GB), target('/b', 11 * GB)]);
    assert.equal(plan.ok, false);
    const problem = plan.problems[0]!;
    assert.equal(problem.code, 'no-space');
    // /a takes two parts, /b one; the fourth (10 GB) plus a volume's own files is what is missing
    assert.deepEqual(plan.volumes.map((v) => v.parts.length), [2, 1]);
    assert.match(problem.message, /take 30\.0 GB of the bundle's 40\.0 GB; 10\.0 GB more is needed/);
    assert.throws(
      () => {
        throw new FerryError(problem.code, problem.message);
      },
      (e: FerryError) => e.code === 'no-space',
    );
  });

  test('a part larger than every target says to split the bundle', () => {
    const m = manifestWith([40 * GB]);
    const plan = planMedia(m, [target('/a', 32 * GB), target('/b', 32 * GB)]);
    assert.equal(plan.ok, false);
    assert.match(plan.problems[0]!.message, /bundle\.tar alone \(40\.0 GB\) is larger than any target's room.*split the bundle into smaller parts first/);
    assert.equal(plan.problems[0]!.hint, 'resplit');
  });

  test('a part over 4 GiB − 1 on a FAT32 target is refused with the split command; exFAT takes it', () => {
    const m = manifestWith([5 * GiB, 1 * GiB]);
    for (const fsType of ['vfat', 'msdos', 'FAT32', 'MS-DOS FAT32', 'fat']) {
      const plan = planMedia(m, [target('/media/stick', 64 * GB, { fsType })]);
      assert.equal(plan.ok, false, fsType);
      assert.equal(plan.problems[0]!.code, 'media');
      assert.match(plan.problems[0]!.message, /bundle\.tar\.001 is 5\.37 GB, larger than FAT32's limit of 4 GiB − 1 byte.*split the bundle into parts under 4 GiB first/);
      assert.equal(plan.problems[0]!.hint, 'resplit');
    }
    for (const fsType of ['exfat', 'ExFAT', 'ntfs', 'ext4']) assert.equal(planMedia(m, [target('/media/stick', 64 * GB, { fsType })]).ok, true, fsType);
  });

  test('a part of exactly 4 GiB − 1 byte fits FAT32; one byte more does not', () => {
    assert.equal(planMedia(manifestWith([FAT32_MAX_FILE, 1]), [target('/s', 16 * GB, { fsType: 'vfat' })]).ok, true);
    assert.equal(planMedia(manifestWith([FAT32_MAX_FILE + 1, 1]), [target('/s', 16 * GB, { fsType: 'vfat' })]).ok, false);
  });

  test('a target holding a different bundle is refused, naming it; --force replaces it', () => {
    const m = manifestWith([1 * GB]);
    const other = randomUUID();
    const t = target('/media/b', 4 * GB, { bundleId: other, ownedBytes: 3 * GB });
    const plan = planMedia(m, [t]);
    assert.equal(plan.ok, false);
    assert.equal(plan.problems[0]!.code, 'output-exists');
    assert.ok(plan.problems[0]!.message.includes(other));
    assert.match(plan.problems[0]!.message, /clear it .* to use it\.$/);
    assert.equal(plan.problems[0]!.hint, 'replace-media');
    const forced = planMedia(m, [t], { force: true });
    assert.equal(forced.ok, true);
    assert.equal(forced.volumes[0]!.existing, 'other-bundle');
    assert.equal(forced.volumes[0]!.usable, 7 * GB, 'the replaced bundle frees its space');
  });

  test('a target that cannot be used as it is (stray bundle files, unreadable bundle.json) is refused unless forced', () => {
    const m = manifestWith([1 * GB]);
    const t = target('/media/c', 4 * GB, { blocker: 'holds bundle files (bundle.tar.001) but no bundle.json' });
    assert.match(planMedia(m, [t]).problems[0]!.message, /^\/media\/c holds bundle files/);
    assert.equal(planMedia(m, [t], { force: true }).ok, true);
  });

  test('one volume named twice (same path, or two folders on one file system) is a usage error', () => {
    const m = manifestWith([1 * GB]);
    assert.throws(() => planMedia(m, [target('/a', GB), target('/a', GB)]), (e: FerryError) => e.code === 'bad-usage');
    assert.throws(() => planMedia(m, [target('/a', GB, { device: '7' }), target('/b', GB, { device: '7' })]), (e: FerryError) => e.code === 'bad-usage' && /same volume/.test(e.message));
    assert.throws(() => planMedia(m, []), (e: FerryError) => e.code === 'bad-usage');
  });
});

describe('planMediaBySize: what would it take', () => {
  test('a 71.8 GB bundle in 1 GB parts needs three 32 GB volumes', () => {
    const m = manifestWith([...Array.from({ length: 71 }, () => 1 * GB), 0.8 * GB]);
    const plan = planMediaBySize(m, 32 * GB);
    assert.equal(plan.ok, true);
    assert.equal(plan.volumes.length, 3);
    assert.deepEqual(plan.volumes.map((v) => v.parts.length), [31, 31, 10]);
    assert.match(plan.summary, /^3 volumes: 31\.0 \+ 31\.0 \+ 9\.8\d? GB \(volumes of 32\.0 GB\)$/);
    assert.deepEqual(archiveFiles(m), plan.volumes.flatMap((v) => v.parts), 'every part once, in order');
  });

  test('a part that does not fit one volume, or exceeds FAT32 on FAT volumes, is a problem; unknown file systems get a note', () => {
    const big = manifestWith([5 * GiB, 1 * GiB]);
    assert.match(planMediaBySize(big, 4 * GB).problems.map((p) => p.message).join(' '), /does not fit on a 4\.00 GB volume/);
    const fat = planMediaBySize(big, 64 * GB, { fsType: 'fat32' });
    assert.equal(fat.ok, false);
    assert.match(fat.problems[0]!.message, /split the bundle into parts under 4 GiB first/);
    assert.equal(fat.problems[0]!.hint, 'resplit');
    const unknown = planMediaBySize(big, 64 * GB);
    assert.equal(unknown.ok, true);
    assert.match(unknown.notes.join(' '), /exFAT or NTFS/);
    assert.throws(() => planMediaBySize(big, 0), (e: FerryError) => e.code === 'bad-usage');
  });
});

describe('volume README', () => {
  test('says which volume of how many, lists the parts, and stays within its planned size even for many parts', () => {
    const m = manifestWith(
      Array.from({ length: 600 }, () => 7 * MiB),
      Array.from({ length: 30 }, () => 7 * MiB),
    );
    const plan = planMediaBySize(m, 1 * GB);
    assert.ok(plan.volumes.length > 3);
    for (const v of plan.volumes) {
      const text = volumeReadme(m, plan.volumes, v.index);
      assert.ok(Buffer.byteLength(text) <= readmeBudget(archiveFiles(m).length), `README of volume ${v.index} is ${Buffer.byteLength(text)} bytes`);
      assert.ok(text.includes(`Volume ${v.index} of ${plan.volumes.length}`));
      assert.ok(text.includes(m.id));
      for (const p of v.parts) assert.ok(text.includes(`  ${p.name}  ${p.size} bytes`));
    }
    const first = volumeReadme(m, plan.volumes, 1);
    assert.match(first, /cat bundle\.tar\.\[0-9\]\* > bundle\.tar/);
    assert.match(first, /sha256sum -c SHA256SUMS/);
    assert.match(first, /ferry verify VOL1 VOL2/);
    assert.match(first, /30 parity parts/);
    assert.ok(formatBytes(m.archive.size).length > 0);
  });
});
