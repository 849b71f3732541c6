// InventoryBuilder: the same facts in any order give the same bytes; merging an older inventory keeps it and lets
// new tags win; updateInventory creates then updates a file atomically.
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir, removeDir } from '../../../e2e/harness/index.js';
import { FerryError } from '../errors/ferry-error.js';
import { InventoryBuilder, serializeInventory } from './inventory-builder.js';
import { parseInventory } from './read-inventory.js';
import { updateInventory } from './update-inventory.js';

const d = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const CREATED = '2025-01-01T00:00:00.000Z';
let work: string;
before(async () => {
  work = await makeTempDir('inventory-builder');
});
after(() => removeDir(work));

type Fact = (b: InventoryBuilder) => void;
const facts: Fact[] = [
  (b) => b.addSource({ kind: 'registry', registry: 'reg.local:5000', prefix: 'mirror' }),
  (b) => b.addSource({ kind: 'containerd', namespace: 'k8s.io' }),
  (b) => b.addTag(b.addRepository({ registry: 'reg.local:5000', name: 'mirror/zeta' }), 'latest', d(10)),
  (b) => b.addTag(b.addRepository({ registry: 'reg.local:5000', name: 'mirror/zeta' }), '10', d(11)),
  (b) => b.addTag(b.addRepository({ registry: 'reg.local:5000', name: 'mirror/zeta' }), '9', d(11)),
  (b) => b.addTag(b.addRepository({ registry: 'reg.local:5000', name: 'mirror/alpha' }), '1.0', d(12)),
  (b) => b.addManifest(b.addRepository({ registry: 'reg.local:5000', name: 'mirror/alpha' }), d(13)),
  (b) => b.addBlob(d(3), 30, b.addRepository({ registry: 'reg.local:5000', name: 'mirror/zeta' })),
  (b) => b.addBlob(d(3), 30, b.addRepository({ registry: 'reg.local:5000', name: 'mirror/alpha' })),
  (b) => b.addBlob(d(1), 10, b.addRepository({ registry: 'docker.io', name: 'library/nginx' })),
  (b) => b.addBlob(d(2), 20),
];

describe('InventoryBuilder', () => {
  test('deterministic: the same facts in any order give the same bytes, everything sorted', () => {
    const texts = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const order = [...facts];
      for (let i = order.length - 1; i > 0; i--) {
        const j = (seed * 7 + i * 13) % (i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const b = new InventoryBuilder();
      for (const fact of order) fact(b);
      texts.add(serializeInventory(b.build(CREATED)));
    }
    assert.equal(texts.size, 1);
    const inventory = parseInventory(Buffer.from([...texts][0]!), 'built');
    assert.deepEqual(
      inventory.repositories.map((r) => `${r.registry}/${r.name}`),
      ['docker.io/library/nginx', 'reg.local:5000/mirror/alpha', 'reg.local:5000/mirror/zeta'],
    );
    assert.deepEqual(inventory.blobs.map((b) => b.digest), [d(1), d(2), d(3)]);
    assert.deepEqual(inventory.blobs[2]!.repositories, [1, 2]);
    assert.deepEqual(inventory.blobs[1]!.repositories, []);
    assert.deepEqual(inventory.repositories[1]!.manifests, [d(12), d(13)]);
    assert.deepEqual(Object.keys(inventory.repositories[2]!.tags), ['9', '10', 'latest']);
    assert.deepEqual(inventory.sources.map((s) => s.kind), ['containerd', 'registry']);
  });

  test('a tag outside the grammar is not recorded', () => {
    const b = new InventoryBuilder();
    const key = b.addRepository({ name: 'x' });
    assert.equal(b.addTag(key, '../evil', d(1)), false);
    assert.equal(b.addTag(key, 'v1.0', d(1)), true);
    assert.deepEqual(b.build(CREATED).repositories[0]!.tags, { 'v1.0': d(1) });
  });
});

describe('updateInventory', () => {
  test('creates the file, then merges: old content kept, new tags win, indices remapped; written atomically', async () => {
    const file = join(work, 'inventory.json');
    const first = new InventoryBuilder();
    first.addSource({ kind: 'registry', registry: 'reg.local:5000' });
    const app = first.addRepository({ registry: 'reg.local:5000', name: 'team/app' });
    first.addTag(app, '1', d(1));
    first.addBlob(d(100), 5, app);
    const created = await updateInventory({ file, add: first });
    assert.equal(created.counts.repositories, 1);
    assert.equal(created.file, file);

    const second = new InventoryBuilder();
    second.addSource({ kind: 'containerd', namespace: 'k8s.io' });
    const base = second.addRepository({ registry: 'reg.local:5000', name: 'aaa/base' });
    const again = second.addRepository({ registry: 'reg.local:5000', name: 'team/app' });
    second.addTag(again, '1', d(2));
    second.addBlob(d(100), 5, base);
    second.addBlob(d(101), 6, again);
    const updated = await updateInventory({ file, add: second });
    const inventory = parseInventory(await readFile(file), file);
    assert.equal(updated.sha256.length, 64);
    assert.deepEqual(inventory.repositories.map((r) => r.name), ['aaa/base', 'team/app']);
    assert.deepEqual(inventory.repositories[1]!.tags, { '1': d(2) }, 'the new tag wins');
    assert.deepEqual(inventory.repositories[1]!.manifests, [d(1), d(2)], 'the old manifest is kept');
    assert.deepEqual(inventory.blobs, [
      { digest: d(100), size: 5, repositories: [0, 1] },
      { digest: d(101), size: 6, repositories: [1] },
    ]);
    assert.equal(inventory.sources.length, 2);
    assert.deepEqual((await readdir(work)).filter((n) => n.includes('partial')), [], 'no temporary file left');
  });

  test('an existing file that is not a valid inventory is refused, and left alone', async () => {
    const file = join(work, 'broken.json');
    await writeFile(file, '{"schemaVersion": 7}');
    await assert.rejects(updateInventory({ file, add: new InventoryBuilder() }), (error) => {
      assert.ok(error instanceof FerryError);
      assert.match(error.message, /has schema 7; this Ferry reads inventory schema 1: use a newer Ferry; it is not updated \(move it away to start a new one\)/);
      return true;
    });
    assert.equal(await readFile(file, 'utf8'), '{"schemaVersion": 7}');
    await assert.rejects(updateInventory({ file: join(work, 'no-such-folder', 'x.json'), add: new InventoryBuilder() }), /the folder .*no-such-folder does not exist/);
  });
});
