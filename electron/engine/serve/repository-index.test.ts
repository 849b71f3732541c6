// The served repositories are built from manifests read out of the archive: on its own (no verification before it),
// the builder must fail with a FerryError naming the blob, the image and the bundle, never a bare parse error.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import { flipByte, makeTestBundle, rejectsWith, type TestBundle } from '../../../e2e/harness/index.js';
import { BundleArchive } from '../bundle/bundle-archive.js';
import { buildRepositoryIndex } from './repository-index.js';

let bundle: TestBundle;

before(async () => {
  bundle = await makeTestBundle();
});

after(async () => {
  await bundle?.cleanup();
});

const single = () => bundle.manifest.images.find((i) => i.repository === 'test/single')!;

/** Builds the index of the bundle in `dir` as `manifest` describes it (the archive opened with that manifest). */
async function indexWith(dir: string, manifest: BundleManifest) {
  const archive = await BundleArchive.open([dir], { manifest });
  try {
    return await buildRepositoryIndex(manifest, archive);
  } finally {
    await archive.close();
  }
}

/** The bundle's manifest with test/single's image digest replaced by `digest` (a blob of the archive, with its true digest). */
function claiming(digest: string): BundleManifest {
  return { ...bundle.manifest, images: bundle.manifest.images.map((i) => (i.repository === 'test/single' ? { ...i, digest } : i)) };
}

/** test/single's manifest, as the archive holds it. */
async function singleManifest(): Promise<{ config: { digest: string }; layers: { digest: string }[] }> {
  const archive = await BundleArchive.open([bundle.dir]);
  try {
    return JSON.parse((await archive.readBlob(single().digest)).toString()) as { config: { digest: string }; layers: { digest: string }[] };
  } finally {
    await archive.close();
  }
}

describe('buildRepositoryIndex', () => {
  test('an intact bundle: one repository per source path, tags to the carried digests', async () => {
    const index = await indexWith(bundle.dir, bundle.manifest);
    assert.deepEqual([...index.repositories.keys()].sort(), ['test/multi', 'test/shared', 'test/single']);
    assert.equal(index.repositories.get('test/single')!.tags.get('1.0'), single().digest);
    assert.equal(index.manifestTypes.get(single().digest), single().mediaType);
  });

  test('a manifest blob that is not JSON (a gzip layer, under its true digest): a damaged error naming blob, image and bundle', async () => {
    const layer = (await singleManifest()).layers[0]!.digest;
    const error = await rejectsWith(indexWith(bundle.dir, claiming(layer)), 'damaged', /is not JSON Ferry reads: it is not valid (UTF-8|JSON)/);
    assert.equal(error.subject, layer);
    for (const name of [layer, single().reference, `the bundle at ${bundle.dir}`]) assert.ok(error.message.includes(name), `${name} in: ${error.message}`);
    assert.doesNotMatch(error.message, /^Unexpected token|in JSON at position/);
  });

  test('JSON that is not a manifest (the image config) is refused the same way', async () => {
    const config = (await singleManifest()).config.digest;
    const error = await rejectsWith(indexWith(bundle.dir, claiming(config)), 'damaged', /is not a manifest: its "schemaVersion" is missing, not 2/);
    for (const name of [config, single().reference, bundle.dir]) assert.ok(error.message.includes(name), `${name} in: ${error.message}`);
  });

  test('a manifest whose bytes no longer match its digest (one byte flipped in bundle.tar) is refused, naming it', async () => {
    const dir = bundle.copy();
    const archive = await BundleArchive.open([dir]);
    const at = archive.blob(single().digest)!.offset;
    await archive.close();
    assert.equal(bundle.manifest.archive.parts.length, 1);
    flipByte(join(dir, bundle.manifest.archive.parts[0]!.name), at + 5);
    const error = await rejectsWith(indexWith(dir, bundle.manifest), 'damaged', /does not match its digest \(it hashes to sha256:[a-f0-9]{64}\)/);
    for (const name of [single().digest, single().reference, dir]) assert.ok(error.message.includes(name), `${name} in: ${error.message}`);
  });
});
