// readInventory treats an inventory as hostile input from the other side of the gap: each refusal, with its message.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MAX_INVENTORY_BYTES, type Inventory } from '../../../shared/inventory.js';
import { makeTempDir, removeDir } from '../../../e2e/harness/index.js';
import { FerryError } from '../errors/ferry-error.js';
import { InventoryBuilder, serializeInventory } from './inventory-builder.js';
import { MAX_INVENTORY_REPOSITORIES, readInventory } from './read-inventory.js';

const d = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
let work: string;
before(async () => {
  work = await makeTempDir('inventory-read');
});
after(() => removeDir(work));

/** A valid inventory: one registry repository with a tag, two blobs. */
function valid(): Inventory {
  const b = new InventoryBuilder();
  b.addSource({ kind: 'registry', registry: 'registry.local:5000' });
  const key = b.addRepository({ registry: 'registry.local:5000', name: 'mirror/library/nginx' });
  b.addTag(key, '1.27', d(1));
  b.addBlob(d(2), 100, key);
  b.addBlob(d(3), 200, key);
  return b.build('2025-01-01T00:00:00.000Z');
}

let count = 0;
/** Writes `content` (an object as JSON, or raw text) and reads it back. */
async function read(content: unknown): Promise<Inventory> {
  const path = join(work, `inv-${++count}.json`);
  await writeFile(path, typeof content === 'string' || Buffer.isBuffer(content) ? content : JSON.stringify(content));
  return (await readInventory(path)).inventory;
}

/** Asserts that reading `content` is refused with a `bad-bundle` error whose message matches `pattern`. */
async function refused(content: unknown, pattern: RegExp): Promise<void> {
  await assert.rejects(read(content), (error) => {
    assert.ok(error instanceof FerryError, String(error));
    assert.equal(error.code, 'bad-bundle');
    assert.match(error.message, /^Inventory .*inv-\d+\.json /);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('readInventory', () => {
  test('reads a valid inventory, and its sha256 is that of the exact bytes', async () => {
    const path = join(work, 'good.json');
    await writeFile(path, serializeInventory(valid()));
    const reading = await readInventory(path);
    assert.deepEqual(reading.inventory, valid());
    assert.equal(reading.sha256, execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' ')[0]);
  });

  test('an unknown schema version is refused by name; a missing one too', async () => {
    await refused({ ...valid(), schemaVersion: 2 }, /has schema 2; this Ferry reads inventory schema 1: use a newer Ferry\./);
    const { schemaVersion: _dropped, ...none } = valid();
    void _dropped;
    await refused(none, /has no schema version/);
  });

  test('another document (a bundle.json, an array, not JSON, a key twice) is refused', async () => {
    await refused({ ...valid(), mediaType: 'application/vnd.ferry.bundle.v1+json' }, /is not a Ferry inventory: its mediaType is "application\/vnd\.ferry\.bundle\.v1\+json"/);
    await refused([], /is not a JSON object/);
    await refused('{"schemaVersion": 1,', /is not JSON Ferry reads/);
    await refused('{"schemaVersion": 1, "schemaVersion": 1}', /appears twice/);
    await refused(Buffer.from([0x7b, 0xff, 0x7d]), /is not JSON Ferry reads: it is not valid UTF-8/);
  });

  test("a repository's registry must follow the reference grammar", async () => {
    const bad = (registry: string): Inventory => ({ ...valid(), repositories: [{ ...valid().repositories[0]!, registry }] });
    await refused(bad('bad host!'), /registry host "bad host!" is not a valid host name/);
    await refused(bad('registry.local:99999'), /port "99999" is outside 1-65535/);
    await refused(bad('::1'), /looks like an IPv6 address/);
    await refused(bad('../../etc'), /is not a valid host name/);
    await refused({ ...valid(), sources: [{ kind: 'registry', registry: 'a b' }] }, /source 0: registry host "a b"/);
    await refused({ ...valid(), sources: [{ kind: 'containerd', namespace: '../x' }] }, /namespace "\.\.\/x" is not a containerd namespace/);
  });

  test('names that could be paths are refused by the grammar: never followed into a file path', async () => {
    const named = (name: string): Inventory => ({ ...valid(), repositories: [{ ...valid().repositories[0]!, name }] });
    await refused(named('../../etc/passwd'), /repositories\.0\.name: a repository path/);
    await refused(named('/abs'), /a repository path/);
    await refused(named('Upper/Case'), /a repository path/);
    await refused(named(`${'a'.repeat(240)}/x`), /characters long; the limit is 255/);
    await refused({ ...valid(), repositories: [{ ...valid().repositories[0]!, tags: { '../x': d(1) } }] }, /repositories\.0\.tags/);
  });

  test('digests, sizes and indices are checked; it must agree with itself', async () => {
    const v = valid();
    await refused({ ...v, blobs: [{ ...v.blobs[0]!, digest: 'sha256:XYZ' }] }, /blobs\.0\.digest: a sha256 digest/);
    await refused({ ...v, blobs: [{ ...v.blobs[0]!, size: -1 }] }, /blobs\.0\.size/);
    await refused({ ...v, blobs: [{ ...v.blobs[0]!, size: 2 ** 60 }] }, /blobs\.0\.size/);
    await refused({ ...v, blobs: [{ ...v.blobs[0]!, repositories: [7] }] }, /names repository 7, but there are 1/);
    await refused({ ...v, blobs: [{ ...v.blobs[0]!, repositories: [0, 0] }] }, /names repository 0 twice/);
    await refused({ ...v, blobs: [v.blobs[0]!, v.blobs[0]!] }, /lists sha256:0+2 twice/);
    await refused({ ...v, repositories: [v.repositories[0]!, v.repositories[0]!] }, /lists "registry\.local:5000\/mirror\/library\/nginx" twice/);
    await refused({ ...v, repositories: [{ ...v.repositories[0]!, manifests: [] }] }, /tags "1\.27" as sha256:0+1, which is not among its manifests/);
    await refused({ ...v, created: 'yesterday' }, /created "yesterday" is not a time/);
  });

  test('counts are bounded before the schema walks them', async () => {
    const many = Array.from({ length: MAX_INVENTORY_REPOSITORIES + 1 }, (_, i) => ({ name: `r${i}`, tags: {}, manifests: [] }));
    await refused({ ...valid(), repositories: many }, /is too large to be read: 100001 repositories, more than the 100000/);
  });

  test('only a regular file of bounded size is read: a link, a folder and an oversized file are refused', async () => {
    const big = join(work, 'big.json');
    await writeFile(big, '');
    await truncate(big, MAX_INVENTORY_BYTES + 1); // sparse: nothing is read
    await assert.rejects(readInventory(big), /larger than the 268435456 bytes it may be; it is not read/);
    const link = join(work, 'link.json');
    await symlink(join(work, 'good.json'), link);
    await assert.rejects(readInventory(link), /is a symbolic link/);
    await mkdir(join(work, 'folder.json'));
    await assert.rejects(readInventory(join(work, 'folder.json')), /is not a regular file \(a folder\)/);
    await assert.rejects(readInventory(join(work, 'absent.json')), (e) => e instanceof FerryError && e.code === 'not-found');
  });
});
