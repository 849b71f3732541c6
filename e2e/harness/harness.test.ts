import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import { request } from 'undici';
import {
  MediaTypes,
  makeTempDir,
  removeDir,
  sha256Digest,
  skopeo,
  skopeoFlags,
  seedBenchImages,
  seedTestImages,
  spawnService,
  startBlobServer,
  startContainerd,
  startRegistry,
  waitUntil,
  type BlobServerHandle,
  type RegistryHandle,
  type SeededTestImages,
} from './index.js';

/** `skopeo inspect --raw` of a reference on a harness registry. */
async function inspectRaw(registry: RegistryHandle, ref: string, flags = skopeoFlags(registry)) {
  return skopeo(['inspect', '--raw', ...flags, `docker://${registry.host}/${ref}`]);
}

/** HTTP status of `HEAD /v2/REPO/blobs/DIGEST` on an anonymous registry. */
async function blobStatus(registry: RegistryHandle, repo: string, digest: string): Promise<number> {
  const res = await request(`${registry.url}/v2/${repo}/blobs/${digest}`, { method: 'HEAD', dispatcher: registry.dispatcher });
  await res.body.dump();
  return res.statusCode;
}

/** Names of the regular files inside a gzip'd tar. */
async function tarFileNames(gz: Buffer): Promise<string[]> {
  const names: string[] = [];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      if (header.type === 'file') names.push(header.name);
      stream.on('end', next);
      stream.resume();
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  ex.end(gunzipSync(gz));
  await done;
  return names;
}

describe('anonymous registry with the standard images', () => {
  let registry: RegistryHandle;
  let blobServer: BlobServerHandle;
  let seeded: SeededTestImages;

  before(async () => {
    registry = await startRegistry();
    blobServer = await startBlobServer();
    seeded = await seedTestImages(registry, { blobServer });
  });
  after(async () => {
    await registry?.stop();
    await blobServer?.stop();
  });

  test('every tag and platform manifest reads back byte for byte through skopeo', async () => {
    for (const image of seeded.all) {
      const top = await inspectRaw(registry, image.ref);
      assert.equal(top.code, 0, top.stderr);
      assert.equal(sha256Digest(top.stdout), image.digest, image.ref);
      assert.equal(top.stdout, image.manifest.bytes.toString('utf8'));
      if (!image.isIndex) continue;
      for (const p of image.platforms) {
        const child = await inspectRaw(registry, `${image.repository}@${p.manifest.digest}`);
        assert.equal(child.code, 0, child.stderr);
        assert.equal(sha256Digest(child.stdout), p.manifest.digest);
      }
    }
  });

  test('the images have the documented shape', async () => {
    const { multi, shared, single, windows } = seeded;
    assert.equal(multi.mediaType, MediaTypes.ociIndex);
    assert.deepEqual(
      multi.platforms.map((p) => [p.platform.architecture, p.platform.variant]),
      [['amd64', undefined], ['arm64', 'v8'], ['arm', 'v7']],
    );
    for (const p of multi.platforms) {
      assert.equal(p.layers.length, 2);
      assert.equal(p.layers[0]!.digest, seeded.baseLayer.digest);
    }
    assert.equal(multi.blobDigests.size, 3 + 1 + 3); // 3 configs, the base, 3 own layers
    assert.equal(shared.mediaType, MediaTypes.ociManifest);
    assert.equal(shared.platforms[0]!.layers[0]!.digest, seeded.baseLayer.digest);
    assert.equal(single.mediaType, MediaTypes.dockerManifest);
    const singleJson = single.manifest.json as { config: { mediaType: string }; layers: Array<{ mediaType: string }> };
    assert.equal(singleJson.config.mediaType, MediaTypes.dockerConfig);
    assert.ok(singleJson.layers.every((l) => l.mediaType === MediaTypes.dockerLayerGzip));
    assert.equal(windows.mediaType, MediaTypes.dockerManifestList);
    const listJson = windows.manifest.json as { manifests: Array<{ platform: Record<string, string> }> };
    assert.deepEqual(
      listJson.manifests.map((m) => `${m.platform.os}/${m.platform.architecture} ${m.platform['os.version'] ?? ''}`),
      ['windows/amd64 10.0.17763.5458', 'windows/amd64 10.0.20348.2340', 'windows/amd64 10.0.26100.1742', 'linux/amd64 '],
    );
    // Layers are real gzip'd tars whose diffID is the digest of the uncompressed tar.
    const base = seeded.baseLayer;
    assert.equal(sha256Digest(gunzipSync(base.bytes)), base.diffID);
    assert.deepEqual(await tarFileNames(base.bytes), ['bin/base.txt', 'etc/os-release']);
    const config = JSON.parse(multi.platforms[1]!.config.bytes.toString('utf8')) as { architecture: string; variant: string; rootfs: { diff_ids: string[] } };
    assert.equal(config.architecture, 'arm64');
    assert.equal(config.variant, 'v8');
    assert.deepEqual(config.rootfs.diff_ids, multi.platforms[1]!.layers.map((l) => l.diffID));
  });

  test('registry holds every non-foreign blob; foreign layers only live on the blob server', async () => {
    for (const image of seeded.all) {
      for (const digest of image.registryBlobDigests) assert.equal(await blobStatus(registry, image.repository, digest), 200, `${image.ref} ${digest}`);
    }
    const { windows } = seeded;
    assert.equal(windows.foreignBlobDigests.size, 3);
    for (const p of windows.platforms.filter((x) => x.platform.os === 'windows')) {
      const layers = (p.manifest.json as { layers: Array<{ mediaType: string; urls?: string[]; digest: string }> }).layers;
      assert.equal(layers[0]!.mediaType, MediaTypes.dockerForeignLayerGzip);
      assert.deepEqual(layers[0]!.urls, [`${blobServer.baseUrl}/${layers[0]!.digest}`]);
      assert.equal(layers[1]!.mediaType, MediaTypes.dockerLayerGzip);
    }
    for (const digest of windows.foreignBlobDigests) {
      assert.equal(await blobStatus(registry, windows.repository, digest), 404);
      const res = await request(`${blobServer.baseUrl}/${digest}`);
      assert.equal(res.statusCode, 200);
      assert.equal(sha256Digest(Buffer.from(await res.body.arrayBuffer())), digest);
    }
    assert.ok(blobServer.requests.length >= 3);
  });

  test('containerd imports a multi-platform OCI archive made by skopeo', async () => {
    const containerd = await startContainerd();
    const dir = await makeTempDir('archive');
    try {
      const archive = join(dir, 'multi.tar');
      const copy = await skopeo(['copy', '--all', ...skopeoFlags(registry, { role: 'src' }), `docker://${seeded.multi.fullRef}`, `oci-archive:${archive}:test/multi:1`]);
      assert.equal(copy.code, 0, copy.stderr);
      const imported = await containerd.ctr(['images', 'import', '--all-platforms', '--no-unpack', archive]);
      assert.equal(imported.code, 0, imported.stderr);
      const ls = await containerd.ctr(['images', 'ls']);
      assert.equal(ls.code, 0, ls.stderr);
      assert.match(ls.stdout, new RegExp(`^test/multi:1\\s+${MediaTypes.ociIndex.replace(/[.+]/g, '\\$&')}\\s+${seeded.multi.digest}`, 'm'));
      assert.match(ls.stdout, /linux\/amd64,linux\/arm\/v7,linux\/arm64\/v8/);
      const content = await containerd.ctr(['content', 'ls', '-q']);
      const stored = new Set(content.stdout.split('\n').filter(Boolean));
      for (const digest of [...seeded.multi.manifestDigests, ...seeded.multi.blobDigests]) assert.ok(stored.has(digest), `containerd lacks ${digest}`);
    } finally {
      await containerd.stop();
      await removeDir(dir);
    }
  });
});

describe('basic-auth TLS registry', () => {
  let registry: RegistryHandle;
  let seeded: SeededTestImages;

  before(async () => {
    registry = await startRegistry({ auth: 'basic' });
    seeded = await seedTestImages(registry);
  });
  after(async () => {
    await registry?.stop();
  });

  test('is https with the harness CA and user ferry', () => {
    assert.equal(registry.scheme, 'https');
    assert.equal(registry.url, `https://${registry.host}`);
    assert.ok(registry.caFile && registry.certDir);
    assert.equal(registry.username, 'ferry');
  });

  test('skopeo with --creds and --cert-dir succeeds, a wrong password or an untrusted CA fails', async () => {
    const ok = await inspectRaw(registry, seeded.single.ref);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(sha256Digest(ok.stdout), seeded.single.digest);

    const wrong = await inspectRaw(registry, seeded.single.ref, skopeoFlags(registry, { password: 'wrong' }));
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /unauthorized|authentication required/i);

    const anonymous = await inspectRaw(registry, seeded.single.ref, skopeoFlags(registry, { anonymous: true }));
    assert.notEqual(anonymous.code, 0);

    const untrusted = await skopeo(['inspect', '--raw', '--creds', `ferry:${registry.password}`, `docker://${registry.host}/${seeded.single.ref}`]);
    assert.notEqual(untrusted.code, 0);
    assert.match(untrusted.stderr, /x509|certificate/i);
  });

  test('a second instance serves the same storage with other auth', async () => {
    const open = await startRegistry({ rootDir: registry.rootDir });
    try {
      const res = await inspectRaw(open, seeded.multi.ref);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(sha256Digest(res.stdout), seeded.multi.digest);
    } finally {
      await open.stop();
    }
  });
});

describe('token-auth registry', () => {
  let registry: RegistryHandle;
  let seeded: SeededTestImages;

  before(async () => {
    registry = await startRegistry({ auth: 'token' });
    seeded = await seedTestImages(registry);
  });
  after(async () => {
    await registry?.stop();
  });

  test('skopeo with creds gets a token and the manifest; the token server counts it', async () => {
    const tokens = registry.tokenServer!;
    const before = tokens.tokenRequests;
    const ok = await inspectRaw(registry, seeded.multi.ref);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(sha256Digest(ok.stdout), seeded.multi.digest);
    assert.ok(tokens.tokenRequests > before);
    const last = tokens.requests.at(-1)!;
    assert.equal(last.user, 'ferry');
    assert.equal(last.service, 'ferry-test-registry');
    assert.deepEqual(last.scopes, ['repository:test/multi:pull']);
    assert.deepEqual(last.granted, [{ type: 'repository', name: 'test/multi', actions: ['pull'] }]);
  });

  test('a wrong password is refused by the token server; anonymous gets pull only', async () => {
    const wrong = await inspectRaw(registry, seeded.multi.ref, skopeoFlags(registry, { password: 'wrong' }));
    assert.notEqual(wrong.code, 0);
    assert.equal(registry.tokenServer!.requests.at(-1)!.status, 401);

    const anonymous = await inspectRaw(registry, seeded.multi.ref, skopeoFlags(registry, { anonymous: true }));
    assert.equal(anonymous.code, 0, anonymous.stderr);
    assert.equal(registry.tokenServer!.requests.at(-1)!.user, undefined);
  });

  test('anonymousPull: false refuses anonymous pulls', async () => {
    const closed = await startRegistry({ auth: 'token', rootDir: registry.rootDir, anonymousPull: false });
    try {
      const anonymous = await inspectRaw(closed, seeded.multi.ref, skopeoFlags(closed, { anonymous: true }));
      assert.notEqual(anonymous.code, 0);
      const withCreds = await inspectRaw(closed, seeded.multi.ref);
      assert.equal(withCreds.code, 0, withCreds.stderr);
    } finally {
      await closed.stop();
    }
  });
});

describe('harness plumbing', () => {
  test('a service that dies during startup fails with its stderr in the error', async () => {
    const service = spawnService('sh', ['-c', 'echo "listen tcp: address already in use" >&2; exit 3']);
    await assert.rejects(
      waitUntil(async () => false, { what: 'doomed service', process: service, timeoutMs: 5_000 }),
      (err: Error) => /doomed service: process exited \(code 3/.test(err.message) && /address already in use/.test(err.message),
    );
    await service.stop();
  });

  test('seedBenchImages pushes images with a shared layer totalling at least the requested size', async () => {
    const registry = await startRegistry({ auth: 'token' });
    try {
      const total = 6 * 1024 * 1024;
      const bench = await seedBenchImages(registry, total, { imageCount: 3 });
      assert.equal(bench.images.length, 3);
      assert.ok(bench.distinctBlobBytes >= total);
      assert.ok(bench.referencedBytes > bench.distinctBlobBytes);
      for (const image of bench.images) {
        assert.equal(image.layers[0]!.digest, bench.sharedLayerDigest);
        const res = await inspectRaw(registry, image.ref);
        assert.equal(res.code, 0, res.stderr);
        assert.equal(sha256Digest(res.stdout), image.digest);
      }
    } finally {
      await registry.stop();
    }
  });
});
