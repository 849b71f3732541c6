// importBundle in process against a real docker-registry: chunked uploads, cross-repository mounts, an abort half-way
// and the rerun that finishes it, a damaged bundle that pushes nothing, a dry run that pushes nothing.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { openSync, readSync, writeSync, closeSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import type { ProgressEvent } from '../../../shared/progress.js';
import { makeTestBundle, skopeo, startRegistry, type RegistryHandle, type TestBundle } from '../../../e2e/harness/index.js';
import { isAbortError } from '../errors/ferry-error.js';
import { importBundle } from './import-bundle.js';

let bundle: TestBundle;
before(async () => {
  bundle = await makeTestBundle({ split: '1MiB', bigLayers: 2, layerBytes: 600 * 1024 });
});
after(() => bundle?.cleanup());

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function catalog(registry: RegistryHandle): Promise<string[]> {
  const res = await request(`${registry.url}/v2/_catalog`, { dispatcher: registry.dispatcher });
  const body = (await res.body.json()) as { repositories?: string[] };
  return body.repositories ?? [];
}

async function rawManifest(registry: RegistryHandle, ref: string): Promise<Buffer> {
  const r = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/${ref}`]);
  assert.equal(r.code, 0, r.stderr);
  return Buffer.from(r.stdout);
}

describe('importBundle into an anonymous registry', () => {
  let target: RegistryHandle;
  before(async () => {
    target = await startRegistry();
  });
  after(() => target?.stop());

  test('an abort after a few blobs pushes no tag; the rerun completes, skipping what is there; chunks and mounts are used', async () => {
    const controller = new AbortController();
    let blobsDone = 0;
    const first = importBundle(
      { dirs: [bundle.dir], to: target.host, registry: { insecureRegistries: [target.host] }, concurrency: 2, chunkSize: 256 * 1024 },
      {
        signal: controller.signal,
        onProgress: (e) => {
          // the bytes meter moves as blobs complete: stop once part of the data is up
          if (e.kind === 'bytes' && e.phase === 'push' && e.done > 0 && e.done >= e.total / 3 && blobsDone++ === 0) controller.abort();
        },
      },
    );
    await assert.rejects(first, (error) => {
      assert.ok(isAbortError(error), String(error));
      return true;
    });
    for (const image of bundle.manifest.images) {
      const res = await request(`${target.url}/v2/${image.repository}/tags/list`, { dispatcher: target.dispatcher });
      const tags = res.statusCode === 200 ? ((await res.body.json()) as { tags?: string[] | null }).tags ?? [] : (await res.body.dump(), []);
      assert.ok(!tags.includes(image.tag!), `no tag ${image.repository}:${image.tag} before its content is complete`);
    }

    const events: ProgressEvent[] = [];
    const result = await importBundle(
      { dirs: [bundle.dir], to: target.host, registry: { insecureRegistries: [target.host] }, concurrency: 2, chunkSize: 256 * 1024, reportFile: join(bundle.work, 'r1.json') },
      { onProgress: (e) => events.push(e) },
    );
    const { stats } = result.report;
    assert.ok(stats.blobsExisting > 0, `the rerun skipped blobs pushed before the abort: ${JSON.stringify(stats)}`);
    // how many blobs the aborted run finished depends on timing: the rerun skips those and pushes the
    // rest (possibly none); completeness is proven below by digests and a full skopeo copy
    // test/multi and test/shared share their base layer: whichever repository gets it second mounts it
    assert.ok(stats.blobsMounted + stats.blobsExisting >= 1);
    for (const image of bundle.manifest.images) {
      const repo = `${image.repository}:${image.tag}`;
      assert.equal(sha(await rawManifest(target, repo)), image.digest, `${repo} keeps its digest`);
    }
    assert.ok(events.some((e) => e.kind === 'item-end' && e.phase === 'push'));
    const copy = await skopeo(['copy', '--all', '--src-tls-verify=false', `docker://${target.host}/test/multi:1`, `oci:${join(bundle.work, 'copy-multi')}:x`]);
    assert.equal(copy.code, 0, copy.stderr);

    // a third run has nothing left to do
    const again = await importBundle({ dirs: [bundle.dir], to: target.host, registry: { insecureRegistries: [target.host] } });
    assert.equal(again.report.stats.blobsUploaded, 0);
    assert.equal(again.report.stats.blobsMounted, 0);
    assert.equal(again.report.stats.manifestsPushed, 0);
    assert.equal(again.report.stats.chunksUploaded, 0);
  });

  test('a fresh prefix: the shared base layer is mounted, not uploaded twice; big layers go up in chunks', async () => {
    const result = await importBundle({ dirs: [bundle.dir], to: `${target.host}/fresh`, registry: { insecureRegistries: [target.host] }, concurrency: 1, chunkSize: 200 * 1024 });
    const { stats } = result.report;
    assert.equal(stats.blobsExisting, 0);
    assert.ok(stats.chunksUploaded >= 3, `the 600 KiB layers went up in 200 KiB chunks: ${stats.chunksUploaded}`);
    assert.ok(stats.blobsMounted >= 1, `mounted: ${JSON.stringify(stats)}`);
    const shared = result.report.images.find((i) => i.repository === 'fresh/test/shared')!;
    assert.ok(shared.blobs.mounted >= 1, 'test/shared mounted the base layer from fresh/test/multi');
    const big = bundle.manifest.images.find((i) => i.repository === 'test/big')!;
    assert.equal(sha(await rawManifest(target, 'fresh/test/big:1')), big.digest);
    const layer = bundle.manifest.blobs.filter((b) => b.size > 500 * 1024)[0]!;
    const res = await request(`${target.url}/v2/fresh/test/big/blobs/${layer.digest}`, { dispatcher: target.dispatcher });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    assert.equal(sha(bytes), layer.digest, 'a chunked blob is whole');
  });
});

describe('importBundle refuses a damaged bundle', () => {
  let target: RegistryHandle;
  before(async () => {
    target = await startRegistry();
  });
  after(() => target?.stop());

  test('one flipped byte in a part: nothing is pushed (the catalog stays empty)', async () => {
    const dir = join(bundle.work, 'damaged');
    cpSync(bundle.dir, dir, { recursive: true });
    const part = join(dir, bundle.manifest.archive.parts[1]!.name);
    const fd = openSync(part, 'r+');
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, 4096);
    b[0] = b[0]! ^ 0xff;
    writeSync(fd, b, 0, 1, 4096);
    closeSync(fd);
    await assert.rejects(importBundle({ dirs: [dir], to: target.host, registry: { insecureRegistries: [target.host] } }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'damaged');
      assert.match(error.message, /nothing was pushed/);
      assert.match(error.message, /bundle\.tar\.002/);
      return true;
    });
    assert.deepEqual(await catalog(target), []);
  });

  test('a dry run maps and pushes nothing', async () => {
    const result = await importBundle({ dirs: [bundle.dir], to: `${target.host}/mirror`, map: [`${bundle.manifest.images[0]!.registry}/test/single=${target.host}/solo`], dryRun: true });
    assert.equal(result.report.dryRun, true);
    const single = result.report.images.find((i) => i.source.includes('test/single'))!;
    assert.match(single.target, new RegExp(`^${target.host}/solo:1\\.0@sha256:`));
    const multi = result.report.images.find((i) => i.source.includes('test/multi'))!;
    assert.match(multi.target, new RegExp(`^${target.host}/mirror/test/multi:1@sha256:`));
    assert.deepEqual(await catalog(target), []);
  });
});
