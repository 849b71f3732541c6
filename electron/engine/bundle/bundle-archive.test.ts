// BundleArchive: random access to a bundle's blobs straight from its parts, checked against bundle.json.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTestBundle, type TestBundle } from '../../../e2e/harness/index.js';
import { BundleArchive } from './bundle-archive.js';

let bundle: TestBundle;
before(async () => {
  bundle = await makeTestBundle({ split: '1MiB', bigLayers: 3, layerBytes: 700 * 1024 });
});
after(() => bundle?.cleanup());

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function streamed(archive: BundleArchive, digest: string, range?: { start?: number; end?: number }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of archive.openBlob(digest, range)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('BundleArchive', () => {
  test('every blob of bundle.json reads back with its digest, across part boundaries', async () => {
    assert.ok(bundle.manifest.archive.parts.length >= 3);
    const archive = await BundleArchive.open([bundle.dir]);
    try {
      for (const blob of bundle.manifest.blobs) {
        assert.equal(archive.blob(blob.digest)?.size, blob.size);
        assert.equal(sha(await streamed(archive, blob.digest)), blob.digest);
      }
      const small = bundle.manifest.blobs.find((b) => b.size < 4096)!;
      assert.equal(sha(await archive.readBlob(small.digest)), small.digest);
      const index = JSON.parse((await archive.readEntry('index.json')).toString()) as { manifests: unknown[] };
      assert.equal(index.manifests.length, bundle.manifest.images.length);
    } finally {
      await archive.close();
    }
  });

  test('ranges read the bytes asked for', async () => {
    const archive = await BundleArchive.open([bundle.dir]);
    try {
      const big = [...bundle.manifest.blobs].sort((a, b) => b.size - a.size)[0]!;
      const whole = await streamed(archive, big.digest);
      const part = await streamed(archive, big.digest, { start: 1000, end: big.size - 7 });
      assert.deepEqual(part, whole.subarray(1000, big.size - 7));
      assert.throws(() => archive.openBlob(`sha256:${'0'.repeat(64)}`), /does not hold blob/);
    } finally {
      await archive.close();
    }
  });

  test('reads a set whose parts are spread over several folders', async () => {
    const parts = bundle.manifest.archive.parts;
    const vols = [join(bundle.work, 'vol1'), join(bundle.work, 'vol2')];
    for (const [i, vol] of vols.entries()) {
      mkdirSync(vol);
      cpSync(join(bundle.dir, 'bundle.json'), join(vol, 'bundle.json'));
      for (const [j, p] of parts.entries()) if (j % 2 === i) cpSync(join(bundle.dir, p.name), join(vol, p.name));
    }
    const archive = await BundleArchive.open(vols);
    try {
      for (const blob of bundle.manifest.blobs) assert.equal(sha(await streamed(archive, blob.digest)), blob.digest);
    } finally {
      await archive.close();
    }
    await assert.rejects(BundleArchive.open([vols[0]!]), /bundle\.tar\.002.*missing/);
  });
});
