import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir, removeDir } from '../../../e2e/harness/temp-dir.js';
import { FerryError } from '../errors/ferry-error.js';
import { readEntry } from './entry-store.js';
import { openTarStore } from './tar-store.js';

let dir: string;
before(async () => {
  dir = await makeTempDir('ferry-tar-store');
  mkdirSync(join(dir, 'src', 'a'), { recursive: true });
  mkdirSync(join(dir, 'src', 'b'));
  writeFileSync(join(dir, 'src', 'a', 'layer.tar'), 'layer bytes');
  writeFileSync(join(dir, 'src', 'empty'), '');
  symlinkSync('../a/layer.tar', join(dir, 'src', 'b', 'layer.tar'));
  symlinkSync('../../../../etc/hostname', join(dir, 'src', 'b', 'escape'));
  execFileSync('tar', ['-cf', join(dir, 'x.tar'), '-C', join(dir, 'src'), '.']);
  writeFileSync(join(dir, 'not.tar'), 'x'.repeat(2000));
});
after(async () => removeDir(dir));

test('a tar is indexed once and its entries read by range; links inside it are followed, links out are not', async () => {
  const store = await openTarStore(join(dir, 'x.tar'), 'docker-archive:x.tar');
  try {
    const a = await store.get('a/layer.tar');
    assert.equal((await readEntry(store, a!, 100)).toString(), 'layer bytes');
    const linked = await store.get('b/layer.tar');
    assert.equal((await readEntry(store, linked!, 100)).toString(), 'layer bytes');
    assert.equal((await store.get('empty'))?.size, 0);
    assert.equal((await readEntry(store, (await store.get('empty'))!, 100)).length, 0);
    assert.equal(await store.get('b/escape'), undefined);
    assert.equal(await store.get('missing'), undefined);
    await assert.rejects(readEntry(store, a!, 4), (e: unknown) => e instanceof FerryError && /more than the 4 bytes/.test(e.message));
  } finally {
    await store.close();
  }
});

test('a file that is not a tar, a missing file and a folder are bad usage naming the source', async () => {
  const refused = (pattern: RegExp) => (e: unknown) => e instanceof FerryError && e.code === 'bad-usage' && pattern.test(e.message);
  await assert.rejects(openTarStore(join(dir, 'not.tar'), 'docker-archive:not.tar'), refused(/^docker-archive:not\.tar: not an image archive \(not a tar file/));
  await assert.rejects(openTarStore(join(dir, 'gone.tar'), 'oci-archive:gone.tar'), refused(/^oci-archive:gone\.tar: no such file\.$/));
  await assert.rejects(openTarStore(dir, 'oci-archive:dir'), refused(/^oci-archive:dir: not a file but a folder/));
});
