import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DiffSide } from '../../../shared/diff-report.js';
import { compareSides } from './diff-holdings.js';
import type { DiffSideData, SideImage } from './read-diff-side.js';

const d = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;

function side(kind: DiffSide['kind'], images: SideImage[], carried: [string, number][], extraHeld: [string, number | undefined][] = []): DiffSideData {
  return {
    summary: { path: kind, kind, sha256: '0'.repeat(64), created: 'x', images: images.length, blobs: carried.length, bytes: carried.reduce((n, [, s]) => n + s, 0), platformsKnown: kind === 'bundle' },
    images,
    held: new Map<string, number | undefined>([...extraHeld, ...carried]),
    carried: new Map(carried),
    referrerTags: 0,
    warnings: [],
  };
}

function image(repository: string, suffix: string, digest: string, blobs: [string, number][] | null = null, platforms: string[] | null = null): SideImage {
  return { repository, path: repository.split('/').slice(1).join('/'), suffix, digest, platforms, blobs: blobs ? new Map(blobs) : null };
}

test('added, changed, removed, unchanged; new bytes only for blobs NEW carries and OLD lacks; the same report whatever the input order', () => {
  const old = side('bundle', [image('r.io/a', ':1', d(1)), image('r.io/b', ':1', d(2)), image('r.io/c', ':1', d(3))], [[d(10), 100], [d(11), 50]]);
  const newImages = [
    image('r.io/a', ':1', d(1), [[d(10), 100]], ['linux/amd64']),
    image('r.io/b', ':1', d(4), [[d(10), 100], [d(12), 7], [d(13), 5]], ['linux/amd64']),
    image('r.io/c', ':2', d(5), [[d(14), 9]], ['linux/arm64']),
  ];
  // d(13) is relied on (a delta): needed, not carried
  const next = side('bundle', newImages, [[d(10), 100], [d(12), 7], [d(14), 9]]);
  const report = compareSides(old, next);
  assert.deepEqual(report.counts, { added: 1, changed: 1, removed: 1, unchanged: 1 });
  assert.deepEqual(report.images.map((i) => [i.change, i.name]), [['added', 'r.io/c:2'], ['changed', 'r.io/b:1'], ['removed', 'r.io/c:1'], ['unchanged', 'r.io/a:1']]);
  const b = report.images[1]!;
  assert.deepEqual([b.newBytes, b.newBlobs, b.totalBytes], [7, 1, 112]);
  assert.deepEqual(report.images[0]!.otherTagsInOld, ['r.io/c:1'], 'an added tag names the tags of its repository OLD holds and NEW does not');
  assert.deepEqual(report.blobsAdded, { count: 2, bytes: 16 });
  const shuffled = compareSides({ ...old, images: [...old.images].reverse() }, { ...next, images: [...newImages].reverse() });
  assert.deepEqual(JSON.stringify(shuffled), JSON.stringify(report));
});

test('a blob OLD records with another size counts as new, with a warning; a digest-only record (an inventory manifest) counts as held', () => {
  const old = side('bundle', [], [[d(10), 100]], [[d(11), undefined]]);
  const next = side('bundle', [image('r.io/a', ':1', d(1), [[d(10), 101], [d(11), 3]])], [[d(10), 101], [d(11), 3]]);
  const report = compareSides(old, next);
  assert.deepEqual(report.blobsAdded, { count: 1, bytes: 101 });
  assert.equal(report.images[0]!.newBytes, 101);
  assert.match(report.warnings[0]!, /OLD records blob .* as 100 bytes, NEW as 101: it counts as new/);
});

test('names are matched by repository path only between an inventory and a bundle, and only when one repository fits on each side', () => {
  const inventory = side('inventory', [image('off:5000/mirror/team/app', ':1', d(1)), image('off:5000/mirror/x/tool', ':1', d(2)), image('off:5000/mirror/y/tool', ':1', d(3))], []);
  inventory.images[0]!.path = 'mirror/team/app';
  inventory.images[1]!.path = 'mirror/x/tool';
  inventory.images[2]!.path = 'mirror/y/tool';
  const bundle = side('bundle', [image('src.io/team/app', ':1', d(9), []), image('src.io/tool', ':1', d(2), [])], []);
  const report = compareSides(inventory, bundle);
  const app = report.images.find((i) => i.name === 'src.io/team/app:1')!;
  assert.equal(app.change, 'changed');
  assert.equal(app.matchedByPath, true);
  assert.equal(app.old!.name, 'off:5000/mirror/team/app:1');
  // two repositories end with /tool: no guess
  assert.equal(report.images.find((i) => i.name === 'src.io/tool:1')!.change, 'added');
  assert.deepEqual(report.counts, { added: 1, changed: 1, removed: 2, unchanged: 0 });
  assert.match(report.notes[0]!, /1 image\(s\) were matched by repository path/);
  // two bundles: a source name is the name; another registry is another image
  const other = side('bundle', [image('other.io/team/app', ':1', d(1))], []);
  assert.deepEqual(compareSides(other, bundle).counts, { added: 2, changed: 0, removed: 1, unchanged: 0 });
});

test('unknowns stay unknown: an inventory as NEW has no per-image bytes or platforms, and the notes say why', () => {
  const old = side('bundle', [], []);
  const next = side('inventory', [image('r.io/a', ':1', d(1))], [[d(10), 5]]);
  next.referrerTags = 2;
  const report = compareSides(old, next);
  assert.deepEqual([report.images[0]!.newBytes, report.images[0]!.totalBytes, report.images[0]!.new!.platforms], [null, null, null]);
  assert.equal(report.notes.length, 3);
  assert.match(report.notes.join(' '), /does not record platforms.*2 signature or attestation tag\(s\).*per-image new bytes are unknown/);
  assert.deepEqual(JSON.parse(JSON.stringify(report)), report, 'plain JSON');
});

test('an image pinned by digest only is the same image only with the same digest', () => {
  const old = side('bundle', [image('r.io/a', `@${d(1)}`, d(1))], []);
  const next = side('bundle', [image('r.io/a', `@${d(1)}`, d(1), []), image('r.io/a', `@${d(2)}`, d(2), [])], []);
  assert.deepEqual(compareSides(old, next).counts, { added: 1, changed: 0, removed: 0, unchanged: 1 });
});
