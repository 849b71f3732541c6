// The blob cache: cached blobs copied through shared slots and verified on the hashing worker, damaged entries dropped
// and fetched afresh, configs and manifests fetched by digest served from it (verified again), tags always asked.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  buildMultiImage,
  buildSingleImage,
  flipByte,
  makeRandomLayer,
  makeTempDir,
  pushImage,
  removeDir,
  run,
  startRegistry,
  type BuiltImage,
  type RegistryHandle,
} from '../../../e2e/harness/index.js';
import { createBundle } from '../index.js';
import { BlobCache } from './blob-cache.js';
import { cacheHasher, prestartCacheHasher } from './cache-hasher.js';
import { copyCachedBlob } from './copy-cached-blob.js';

const sha256 = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

let work: string;
before(async () => {
  work = await makeTempDir('ferry-blob-cache');
});
after(async () => {
  if (work) await removeDir(work);
});

describe('copyCachedBlob', () => {
  let cache: BlobCache;
  before(async () => {
    cache = await BlobCache.open(join(work, 'unit-cache'));
  });
  after(() => cache?.close());

  /** A cached blob of `size` random bytes. */
  const cached = (size: number): { digest: string; bytes: Buffer } => {
    const bytes = randomBytes(size);
    const digest = sha256(bytes);
    writeFileSync(cache.pathOf(digest), bytes);
    return { digest, bytes };
  };

  test('copies blobs larger than a slot, many at once (more than there are slots), each verified', async () => {
    const blobs = Array.from({ length: 24 }, (_, i) => cached(3 * 1024 * 1024 + i * 4097));
    const offsets: number[] = [];
    const total = blobs.reduce((at, b, i) => ((offsets[i] = at), at + b.bytes.length), 0);
    const out = await open(join(work, 'many.bin'), 'w+');
    let landed = 0;
    try {
      const target = { write: async (data: Uint8Array, at: number) => void (await out.write(data, 0, data.length, at)) };
      const results = await Promise.all(blobs.map((b, i) => copyCachedBlob(cache, b.digest, b.bytes.length, target, offsets[i]!, { onBytes: (n) => (landed += n) })));
      assert.deepEqual(new Set(results), new Set(['copied']));
    } finally {
      await out.close();
    }
    assert.equal(landed, total);
    const written = readFileSync(join(work, 'many.bin'));
    blobs.forEach((b, i) => assert.ok(written.subarray(offsets[i], offsets[i]! + b.bytes.length).equals(b.bytes), `blob ${i} intact`));
  });

  test('a damaged entry is dropped and its bytes taken back; a missing or wrong-sized one writes nothing', async () => {
    const target = { writes: 0, write: async () => void target.writes++ };
    const damaged = cached(5 * 1024 * 1024);
    flipByte(cache.pathOf(damaged.digest), 4 * 1024 * 1024 + 7);
    let landed = 0;
    assert.equal(await copyCachedBlob(cache, damaged.digest, damaged.bytes.length, target, 0, { onBytes: (n) => (landed += n) }), 'damaged');
    assert.equal(landed, 0, 'every byte taken back');
    assert.ok(!existsSync(cache.pathOf(damaged.digest)), 'the damaged entry is gone');

    const small = cached(64 * 1024);
    flipByte(cache.pathOf(small.digest), 100);
    landed = 0;
    assert.equal(await copyCachedBlob(cache, small.digest, small.bytes.length, target, 0, { onBytes: (n) => (landed += n) }), 'damaged');
    assert.equal(landed, 0, 'a one-slot blob taken back too');
    assert.ok(!existsSync(cache.pathOf(small.digest)));

    const short = cached(1024 * 1024);
    truncateSync(cache.pathOf(short.digest), 1000);
    target.writes = 0;
    assert.equal(await copyCachedBlob(cache, short.digest, short.bytes.length, target, 0), 'missing');
    assert.equal(await copyCachedBlob(cache, sha256(Buffer.from('nothing')), 7, target, 0), 'missing');
    assert.equal(target.writes, 0);

    // something other than a file where an entry should be (a FIFO no one writes) is no entry, and does not hang
    const fifo = sha256(Buffer.from('fifo'));
    const made = await run('mkfifo', [cache.pathOf(fifo)]);
    assert.equal(made.code, 0, made.stderr);
    assert.equal(await copyCachedBlob(cache, fifo, 4, target, 0), 'missing');
    assert.equal(await copyCachedBlob(cache, fifo, 8 * 1024 * 1024, target, 0), 'missing');
    assert.equal(await cache.readVerified(fifo, undefined), undefined);
    assert.equal(target.writes, 0);
  });

  test('small blobs go in one synchronous step to a target that writes synchronously, verified; a damaged one is taken back', async () => {
    const blobs = [cached(0), cached(1), cached(64 * 1024), cached(256 * 1024)];
    const offsets: number[] = [];
    const total = blobs.reduce((at, b, i) => ((offsets[i] = at), at + b.bytes.length), 0);
    const written = Buffer.alloc(total);
    const target = {
      syncWrites: 0,
      write: () => Promise.reject(new Error('an inline copy writes synchronously')),
      writeSync: (data: Uint8Array, at: number) => {
        target.syncWrites++;
        written.set(data, at);
      },
    };
    let landed = 0;
    for (const [i, b] of blobs.entries()) assert.equal(await copyCachedBlob(cache, b.digest, b.bytes.length, target, offsets[i]!, { onBytes: (n) => (landed += n) }), 'copied');
    assert.equal(target.syncWrites, blobs.length);
    assert.equal(landed, total);
    blobs.forEach((b, i) => assert.ok(written.subarray(offsets[i], offsets[i]! + b.bytes.length).equals(b.bytes), `blob ${i} intact`));

    const damaged = cached(100 * 1024);
    flipByte(cache.pathOf(damaged.digest), 100 * 1024 - 1);
    landed = 0;
    assert.equal(await copyCachedBlob(cache, damaged.digest, damaged.bytes.length, target, 0, { onBytes: (n) => (landed += n) }), 'damaged');
    assert.equal(landed, 0, 'its bytes taken back');
    assert.ok(!existsSync(cache.pathOf(damaged.digest)), 'the damaged entry is gone');
  });

  test('small entries are verified when read; only matching bytes are put', async () => {
    const good = Buffer.from('{"small":true}');
    await cache.put(sha256(good), good);
    assert.deepEqual(await cache.readVerified(sha256(good), good.length), good);
    assert.equal(await cache.readVerified(sha256(good), good.length + 1), undefined, 'another size is no hit');
    await cache.put(sha256(Buffer.from('other')), good);
    assert.ok(!existsSync(cache.pathOf(sha256(Buffer.from('other')))), 'bytes not matching the digest are not kept');
    flipByte(cache.pathOf(sha256(good)), 3);
    assert.equal(await cache.readVerified(sha256(good), undefined), undefined);
    assert.ok(!existsSync(cache.pathOf(sha256(good))), 'a damaged small entry is dropped');
  });

  test('a hashing thread started ahead of need is the one a cache then copies through; a cache closed stops it', async () => {
    prestartCacheHasher();
    const early = cacheHasher();
    // taken once: the next cache starts its own
    const own = cacheHasher();
    assert.notEqual(own, early);
    await Promise.all([early.close(), own.close()]);
    prestartCacheHasher();
    const prestarted = await BlobCache.open(join(work, 'prestarted-cache'));
    const bytes = randomBytes(5 * 1024 * 1024 + 3);
    const digest = sha256(bytes);
    writeFileSync(prestarted.pathOf(digest), bytes);
    const written = Buffer.alloc(bytes.length);
    const target = { write: async (data: Uint8Array, at: number) => void written.set(data, at) };
    assert.equal(await copyCachedBlob(prestarted, digest, bytes.length, target, 0), 'copied');
    assert.ok(written.equals(bytes));
    await prestarted.close();
  });

  test('a lookup still under way when the cache closes (a failed run) answers but starts no hashing worker', async () => {
    const late = await BlobCache.open(join(work, 'closed-cache'));
    const bytes = Buffer.from('{"late":true}');
    await late.put(sha256(bytes), bytes);
    await late.close();
    assert.deepEqual(await late.readVerified(sha256(bytes), bytes.length), bytes);
    // a worker started now would keep the process alive after the run ended (the CLI hung until killed)
    assert.throws(() => late.hasher, /closed/);
  });
});

describe('bundling from the cache', () => {
  let registry: RegistryHandle;
  let single: BuiltImage;
  let multi: BuiltImage;
  const cacheDir = (): string => join(work, 'bundle-cache');
  const entry = (digest: string): string => join(cacheDir(), 'blobs', 'sha256', digest.slice(7));

  before(async () => {
    registry = await startRegistry();
    single = buildSingleImage('oci', { os: 'linux', architecture: 'amd64' }, [await makeRandomLayer(3 * 1024 * 1024, { name: 'a.bin' }), await makeRandomLayer(64 * 1024, { name: 'b.bin' })]);
    multi = buildMultiImage('oci', [
      { platform: { os: 'linux', architecture: 'amd64' }, layers: [await makeRandomLayer(256 * 1024, { name: 'amd.bin' })] },
      { platform: { os: 'linux', architecture: 'arm64' }, layers: [await makeRandomLayer(256 * 1024, { name: 'arm.bin' })] },
    ]);
    await pushImage(registry, 'cache/single', '1', single);
    await pushImage(registry, 'cache/multi', '1', multi);
  });
  let stopped = false;
  after(() => (stopped ? undefined : registry?.stop()));

  const layerBytes = (image: BuiltImage): number => image.platforms.reduce((n, p) => n + p.layers.reduce((m, l) => m + l.size, 0), 0);
  const configBytes = (image: BuiltImage): number => image.platforms.reduce((n, p) => n + p.config.size, 0);
  const bundle = (images: string[], name: string) => createBundle({ images, outputDir: join(work, name), cacheDir: cacheDir(), registry: { insecureRegistries: [registry.host], retries: 0 } });
  /** The sha256 of a blob as `bundle.tar` holds it, read by GNU tar. */
  const inArchive = async (name: string, digest: string): Promise<string> => {
    const r = await run('sh', ['-c', 'tar -xOf "$1" "$2" | sha256sum', 'sh', join(work, name, 'bundle.tar'), `blobs/sha256/${digest.slice(7)}`]);
    assert.equal(r.code, 0, r.stderr);
    return `sha256:${r.stdout.split(' ')[0]!}`;
  };

  test('a second run takes every blob, config and manifest fetched by digest from the cache', async () => {
    const pinned = `${registry.host}/cache/multi@${multi.manifest.digest}`;
    const first = await bundle([`${registry.host}/cache/single:1`, pinned], 'first');
    assert.equal(first.stats.bytesFromCache, 0);
    // configs (read while resolving) and the platform manifests of the index are kept like layers
    for (const p of [...single.platforms, ...multi.platforms]) assert.ok(existsSync(entry(p.config.digest)), 'config cached');
    for (const p of multi.platforms) assert.ok(existsSync(entry(p.manifest.digest)), 'platform manifest cached');
    assert.ok(existsSync(entry(multi.manifest.digest)), 'the pinned index cached');

    const second = await bundle([`${registry.host}/cache/single:1`, pinned], 'second');
    // manifests and single images' configs are in hand after resolving (from the cache); the rest is copied from it
    assert.equal(second.stats.bytesFromCache, layerBytes(single) + layerBytes(multi) + configBytes(multi));
    assert.deepEqual(second.manifest.images.map((i) => i.digest), [single.manifest.digest, multi.manifest.digest]);
  });

  test('damaged entries (layers large and small, a config, a manifest) are dropped and fetched afresh; the bundle is right', async () => {
    const layer = single.platforms[0]!.layers[0]!;
    const small = single.platforms[0]!.layers[1]!;
    const config = single.platforms[0]!.config;
    const manifest = multi.platforms[1]!.manifest;
    // the large layer's last byte: its damaged bytes are written (and may be read by the archive hasher) before its
    // digest is known, then written again; the small one is copied in one synchronous step
    flipByte(entry(layer.digest), layer.size - 1);
    flipByte(entry(small.digest), 10);
    flipByte(entry(config.digest), 2);
    flipByte(entry(manifest.digest), 5);
    const repaired = await bundle([`${registry.host}/cache/single:1`, `${registry.host}/cache/multi@${multi.manifest.digest}`], 'repaired');
    assert.equal(repaired.stats.bytesFromCache, layerBytes(single) + layerBytes(multi) + configBytes(multi) - layer.size - small.size);
    for (const blob of [layer, small, config, manifest]) {
      assert.equal(await inArchive('repaired', blob.digest), blob.digest);
      assert.equal(sha256(readFileSync(entry(blob.digest))), blob.digest, 'the entry is whole again');
    }
    // the archive's sha256 is over the bytes as they finally are (the rewritten ones)
    const sums = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: join(work, 'repaired') });
    assert.equal(sums.code, 0, sums.stdout + sums.stderr);
    assert.match(sums.stdout, /bundle\.tar: OK/);
  });
  test('an image pinned by digest bundles from the cache alone; a tag is always asked of the registry', async () => {
    const pinned = `${registry.host}/cache/multi@${multi.manifest.digest}`;
    await registry.stop();
    stopped = true;
    const offline = await bundle([pinned], 'offline');
    assert.equal(offline.manifest.images[0]!.digest, multi.manifest.digest);
    assert.equal(offline.stats.bytesFromCache, layerBytes(multi) + configBytes(multi));
    for (const p of multi.platforms) assert.equal(await inArchive('offline', p.manifest.digest), p.manifest.digest);
    await assert.rejects(bundle([`${registry.host}/cache/single:1`], 'tag-offline'), (error: Error & { code?: string }) => {
      assert.ok(['network', 'registry-error', 'timeout'].includes(error.code ?? ''), `${error.code}: ${error.message}`);
      return true;
    });
  });

});
