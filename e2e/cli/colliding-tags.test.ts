// Two images with the same tag in one bundle (`test/multi:1`, `test/shared:1`): index.json keeps containerd's
// convention (`org.opencontainers.image.ref.name` = the tag alone), so `ferry bundle` warns, `ferry inspect` says how to
// reach each image, and the way it names works: skopeo `docker-archive:bundle.tar:NAME` reads each image.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir, removeDir, seedTestImages, skopeo, startRegistry, type RegistryHandle, type SeededTestImages } from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';

let work: string;
let registry: RegistryHandle;
let images: SeededTestImages;
let dir: string;
let bundleStderr: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  work = await makeTempDir('ferry-e2e-colliding-tags');
  env = { HOME: join(work, 'home'), XDG_CACHE_HOME: join(work, 'cache') };
  registry = await startRegistry();
  images = await seedTestImages(registry);
  dir = join(work, 'bundle');
  const r = await runFerry(['bundle', '--insecure-registry', registry.host, '--no-cache', '-o', dir, `${registry.host}/test/multi:1`, `${registry.host}/test/shared:1`, `${registry.host}/test/single:1.0`], { env });
  assert.equal(r.code, 0, r.stderr);
  bundleStderr = r.stderr;
});

after(async () => {
  await registry?.stop();
  if (work) await removeDir(work);
});

describe('tags that collide in index.json', () => {
  test('index.json keeps the tag alone in ref.name (containerd convention), so two images say "1" there', () => {
    const index = JSON.parse(execFileSync('tar', ['-xOf', join(dir, 'bundle.tar'), 'index.json'], { encoding: 'utf8' })) as { manifests: { annotations: Record<string, string> }[] };
    const names = index.manifests.map((m) => [m.annotations['io.containerd.image.name'], m.annotations['org.opencontainers.image.ref.name']]);
    assert.deepEqual(names, [
      [`${registry.host}/test/multi:1`, '1'],
      [`${registry.host}/test/shared:1`, '1'],
      [`${registry.host}/test/single:1.0`, '1.0'],
    ]);
  });

  test('ferry bundle warns once for the colliding tag, naming both images and the way to reach each', () => {
    const lines = bundleStderr.split('\n').filter((l) => l.includes('names 2 images'));
    assert.equal(lines.length, 1, bundleStderr);
    assert.match(lines[0]!, /Tag 1 names 2 images in bundle\.tar's index\.json/);
    assert.ok(lines[0]!.includes(`${registry.host}/test/multi:1, ${registry.host}/test/shared:1`), lines[0]);
    assert.match(lines[0]!, /docker-archive:bundle\.tar:NAME/);
    assert.doesNotMatch(bundleStderr, /Tag 1\.0 names/);
  });

  test('ferry inspect says the same under the images', async () => {
    const r = await runFerry(['inspect', dir], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /note: Tag 1 names 2 images .*oci-archive:bundle\.tar:1 reads only the first/);
  });

  test('docker-archive:bundle.tar:NAME reaches each image; oci-archive:bundle.tar:1 only the first', async () => {
    for (const image of [images.multi, images.shared]) {
      const r = await skopeo(['inspect', '--raw', `docker-archive:${join(dir, 'bundle.tar')}:${registry.host}/${image.repository}:1`]);
      assert.equal(r.code, 0, r.stderr);
      // docker-archive gives each image's linux/amd64 manifest as docker-save lists it: the config names the image
      const config = JSON.parse(r.stdout) as { config: { digest: string } };
      const amd64 = image.platforms.find((p) => p.platform.architecture === 'amd64')!;
      assert.equal(config.config.digest, amd64.config.digest, image.repository);
    }
    const first = await skopeo(['inspect', '--raw', `oci-archive:${join(dir, 'bundle.tar')}:1`]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal((JSON.parse(first.stdout) as { mediaType: string }).mediaType, images.multi.mediaType);
  });
});
