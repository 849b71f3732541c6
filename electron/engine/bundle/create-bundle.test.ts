// createBundle() through the façade, in process: interruption, resume from the cache, cancellation.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  buildSingleImage,
  makeRandomLayer,
  makeTempDir,
  pushImage,
  removeDir,
  run,
  startCuttingProxy,
  startRegistry,
  type BuiltImage,
  type RegistryHandle,
} from '../../../e2e/harness/index.js';
import type { ProgressEvent } from '../../../shared/progress.js';
import { createBundle } from '../index.js';

let work: string;
let storage: string;
let image: BuiltImage;
const LAYERS = 6;
const LAYER_BYTES = 3 * 1024 * 1024;

before(async () => {
  work = await makeTempDir('ferry-create-bundle');
  storage = join(work, 'storage');
  const layers = [];
  for (let i = 0; i < LAYERS; i++) layers.push(await makeRandomLayer(LAYER_BYTES, { name: `data/${i}.bin` }));
  image = buildSingleImage('oci', { os: 'linux', architecture: 'amd64' }, layers);
  const seed = await startRegistry({ rootDir: storage });
  try {
    await pushImage(seed, 'big/app', '1', image);
  } finally {
    await seed.stop();
  }
});
after(async () => {
  if (work) await removeDir(work);
});

/** Files that would make a folder look like a finished bundle. */
const completeLooking = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir).filter((n) => n === 'bundle.json' || n === 'SHA256SUMS' || n.startsWith('bundle.tar')) : [];

describe('a registry that stops mid-transfer', () => {
  let registry: RegistryHandle;
  after(() => registry?.stop());

  test('fails without leaving a complete-looking bundle, and a rerun fetches only what is missing', async () => {
    registry = await startRegistry({ rootDir: storage });
    const cacheDir = join(work, 'cache');
    const dir = join(work, 'interrupted');
    // the registry's connections die once about half the layer bytes have crossed
    const proxy = await startCuttingProxy(registry.host, { cutAfterBytes: (LAYERS / 2) * LAYER_BYTES });
    try {
      await assert.rejects(
        createBundle(
          { images: [`${proxy.host}/big/app:1`], outputDir: dir, cacheDir, concurrency: 1, registry: { insecureRegistries: [proxy.host], retries: 1 } },
          {},
        ),
        (error: Error & { code?: string }) => {
          assert.ok(['network', 'registry-error', 'timeout'].includes(error.code ?? ''), `${error.code}: ${error.message}`);
          return true;
        },
      );
    } finally {
      await proxy.stop();
    }
    assert.deepEqual(completeLooking(dir), []);
    // the run created the folder, so it removes it; had it existed, only the temporary files would go
    assert.ok(!existsSync(dir) || readdirSync(dir).every((n) => !n.endsWith('.partial')), 'temporary files removed');

    // the registry again: only the missing layers are fetched
    const result = await createBundle({
      images: [`${registry.host}/big/app:1`],
      outputDir: dir,
      cacheDir,
      concurrency: 1,
      registry: { insecureRegistries: [registry.host] },
    });
    assert.equal(result.manifest.images[0]!.digest, image.manifest.digest);
    assert.ok(result.stats.bytesFromCache >= 2 * LAYER_BYTES, `from cache: ${result.stats.bytesFromCache}`);
    assert.ok(result.stats.bytesFetched <= result.stats.bytes - 2 * LAYER_BYTES, `fetched again: ${result.stats.bytesFetched}`);
    assert.deepEqual(completeLooking(dir).sort(), ['SHA256SUMS', 'bundle.json', 'bundle.tar']);

    // and a third run is served wholly from the cache
    const again = await createBundle({ images: [`${registry.host}/big/app:1`], outputDir: join(work, 'warm'), cacheDir, registry: { insecureRegistries: [registry.host] } });
    // only the manifest and config (read while resolving) come over the network again
    assert.ok(again.stats.bytesFetched < 4096, `fetched ${again.stats.bytesFetched}`);
    assert.ok(again.stats.bytesFromCache >= LAYERS * LAYER_BYTES);
  });
});

describe('cancellation', () => {
  let registry: RegistryHandle;
  before(async () => {
    registry = await startRegistry({ rootDir: storage });
  });
  after(() => registry?.stop());

  test('an aborted signal stops the run and removes what it wrote', async () => {
    const dir = join(work, 'cancelled');
    const controller = new AbortController();
    const onProgress = (e: ProgressEvent): void => {
      if (e.kind === 'bytes' && e.done > LAYER_BYTES) controller.abort();
    };
    await assert.rejects(
      createBundle(
        { images: [`${registry.host}/big/app:1`], outputDir: dir, cache: false, concurrency: 2, registry: { insecureRegistries: [registry.host] } },
        { onProgress, signal: controller.signal },
      ),
      (error: Error) => error.name === 'AbortError' || (error as { code?: string }).code === 'cancelled',
    );
    assert.ok(!existsSync(dir), 'the folder this run created is gone');
  });

  test('split parts concatenate to the archive recorded in bundle.json', async () => {
    const dir = join(work, 'split');
    const result = await createBundle({
      images: [`${registry.host}/big/app:1`],
      outputDir: dir,
      cache: false,
      split: '5MiB',
      registry: { insecureRegistries: [registry.host] },
    });
    const parts = result.manifest.archive.parts;
    assert.equal(parts.length, Math.ceil(result.manifest.archive.size / (5 * 1024 * 1024)));
    assert.deepEqual(parts.map((p) => p.name), parts.map((_, i) => `bundle.tar.${String(i + 1).padStart(3, '0')}`));
    assert.ok(parts.slice(0, -1).every((p) => p.size === 5 * 1024 * 1024));
    const whole = await run('sh', ['-c', 'cat bundle.tar.* | sha256sum'], { cwd: dir });
    assert.equal(whole.stdout.split(' ')[0], result.manifest.archive.sha256);
    assert.equal((await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir })).code, 0);
  });
});
