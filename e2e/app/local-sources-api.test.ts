// Local sources through the app's API (the real API host in-process, what the Prepare wizard calls): a row of
// `oci-archive:` or `docker-archive:` resolves live like a registry reference, a list file names them relative to its
// folder, and bundle.create carries them next to registry images.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir, removeDir, runOrThrow, seedTestImages, startRegistry, type RegistryHandle, type SeededTestImages } from '../harness/index.js';
import type { CreateBundleSummary, DeltaPlanResult, ImageResolveResult, JobMessage, ListReadResult } from '../../shared/api-contract.js';
import { createApiHost } from '../../electron/engine/api/api-host.js';

let work: string;
let registry: RegistryHandle;
let images: SeededTestImages;
let host: ReturnType<typeof createApiHost>;

before(async () => {
  work = await makeTempDir('ferry-api-local-sources');
  registry = await startRegistry();
  images = await seedTestImages(registry);
  await runOrThrow('skopeo', ['copy', '--src-tls-verify=false', '--all', `docker://${images.multi.fullRef}`, `oci-archive:${join(work, 'multi.tar')}:1`]);
  await runOrThrow('skopeo', ['copy', '--src-tls-verify=false', `docker://${images.single.fullRef}`, `docker-archive:${join(work, 'single.tar')}:test/single:1.0`]);
  host = createApiHost();
  const set = await host.invoke('settings.setOptions', { cacheDir: join(work, 'cache') });
  assert.ok(set.ok, JSON.stringify(set));
});
after(async () => {
  await host?.close();
  await registry?.stop();
  if (work) await removeDir(work);
});

describe('the app and local sources', () => {
  test('image.resolve describes an oci-archive: row (digest kept, every platform) and a docker-archive: row', async () => {
    const oci = await host.invoke('image.resolve', { reference: `oci-archive:${join(work, 'multi.tar')}:1` });
    assert.ok(oci.ok, JSON.stringify(oci));
    const o = oci.result as ImageResolveResult;
    assert.equal(o.reference, 'local.invalid/multi:1');
    assert.equal(o.digest, images.multi.digest);
    assert.deepEqual([...o.platforms].sort(), ['linux/amd64', 'linux/arm/v7', 'linux/arm64/v8']);
    assert.ok(o.compressedSize > 0);
    const docker = await host.invoke('image.resolve', { reference: `docker-archive:${join(work, 'single.tar')}` });
    assert.ok(docker.ok, JSON.stringify(docker));
    assert.equal((docker.result as ImageResolveResult).reference, 'docker.io/test/single:1.0');
    assert.deepEqual((docker.result as ImageResolveResult).platforms, ['linux/amd64']);
  });

  test('a row naming a missing archive fails with the source named, as bad usage', async () => {
    const r = await host.invoke('image.resolve', { reference: `docker-archive:${join(work, 'gone.tar')}` });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.code, 'bad-usage');
    assert.match(r.error.message, /^docker-archive:.*gone\.tar: no such file\.$/);
  });

  test('list.read takes local sources relative to the list file; bundle.create carries them next to a registry image', async () => {
    mkdirSync(join(work, 'lists'));
    await runOrThrow('cp', [join(work, 'multi.tar'), join(work, 'lists', 'multi.tar')]);
    writeFileSync(join(work, 'lists', 'images.yaml'), `images:\n  - ref: oci-archive:multi.tar:1\n    platforms: [linux/arm64]\n  - ${images.shared.fullRef}\n`);
    const read = await host.invoke('list.read', { path: join(work, 'lists', 'images.yaml') });
    assert.ok(read.ok, JSON.stringify(read));
    const list = read.result as ListReadResult;
    assert.deepEqual(list.images, [`oci-archive:${join(work, 'lists', 'multi.tar')}:1`, images.shared.fullRef]);

    const messages: JobMessage[] = [];
    let wake = (): void => undefined;
    const unsubscribe = host.subscribe((m) => {
      messages.push(m);
      wake();
    });
    try {
      const started = await host.invoke('bundle.create', { images: list.images, imagePlatforms: list.imagePlatforms, outputDir: join(work, 'bundle'), insecureRegistries: [registry.host] } as never);
      assert.ok(started.ok, JSON.stringify(started));
      const jobId = (started.result as { jobId: string }).jobId;
      const finalOf = (): JobMessage | undefined => messages.find((m) => m.jobId === jobId && !('event' in m));
      while (!finalOf()) await new Promise<void>((resolve) => (wake = resolve));
      const final = finalOf()!;
      assert.ok('result' in final, JSON.stringify(final));
      const summary = final.result as CreateBundleSummary;
      const byRef = new Map(summary.manifest.images.map((i) => [i.reference, i]));
      const local = byRef.get('local.invalid/multi:1')!;
      assert.equal(local.source, list.images[0]);
      assert.equal(local.originalDigest, images.multi.digest);
      assert.deepEqual(local.manifests.map((m) => m.platform?.architecture), ['arm64']);
      assert.equal(byRef.get(images.shared.fullRef)!.digest, images.shared.digest);
    } finally {
      unsubscribe();
    }
  });

  test('bundle.planDelta plans local rows against an old bundle: what it holds is not carried again', async () => {
    const multi = `oci-archive:${join(work, 'multi.tar')}:1`;
    const single = `docker-archive:${join(work, 'single.tar')}`;
    const r = await host.invoke('bundle.planDelta', { have: [join(work, 'bundle')], images: [{ reference: multi, platforms: ['linux/arm64'] }, { reference: single }] });
    assert.ok(r.ok, JSON.stringify(r));
    const plan = r.result as DeltaPlanResult;
    const [m, d] = plan.images;
    assert.ok(m && 'totalBytes' in m, JSON.stringify(m));
    assert.ok(m.totalBytes > 0 && m.blobs > 0);
    // config and layers are held offline; only the manifest travels again (a delta always carries its manifests)
    assert.equal(m.newBlobs, 1, JSON.stringify(plan));
    assert.ok(m.newBytes < 4096 && m.newBytes < m.totalBytes, JSON.stringify(plan));
    assert.ok(d && 'totalBytes' in d, JSON.stringify(d));
    assert.ok(d.newBlobs > 0 && d.newBytes > 0, 'test/single is not in the old bundle');
    assert.equal(plan.heldBytes, m.totalBytes - m.newBytes);
  });
});
