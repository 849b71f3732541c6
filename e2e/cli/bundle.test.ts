// `ferry bundle` and `ferry inspect` end to end: the real CLI as a child process, a real
// docker-registry on loopback, and the archive proven by independent readers (skopeo, ctr,
// sha256sum, GNU tar).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  makeTempDir,
  removeDir,
  run,
  skopeo,
  startBlobServer,
  startContainerd,
  startRegistry,
  seedTestImages,
  type BlobServerHandle,
  type ContainerdHandle,
  type RegistryHandle,
  type SeededTestImages,
} from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';
import type { BundleManifest } from '../../shared/bundle-manifest.js';

let work: string;
let blobServer: BlobServerHandle;
let registry: RegistryHandle;
let images: SeededTestImages;
let containerd: ContainerdHandle;
/** Isolated HOME and cache, so no developer config leaks in and every run starts cold unless it shares `cache`. */
let env: NodeJS.ProcessEnv;

before(async () => {
  work = await makeTempDir('ferry-e2e-bundle');
  mkdirSync(join(work, 'home'));
  env = { HOME: join(work, 'home'), XDG_CACHE_HOME: join(work, 'cache'), DOCKER_CONFIG: join(work, 'home', '.docker'), XDG_RUNTIME_DIR: join(work, 'home') };
  blobServer = await startBlobServer();
  registry = await startRegistry({ auth: 'none' });
  images = await seedTestImages(registry, { blobServer });
  containerd = await startContainerd();
});

after(async () => {
  await Promise.allSettled([registry?.stop(), blobServer?.stop(), containerd?.stop()]);
  if (work) await removeDir(work);
});

const readBundle = (dir: string): BundleManifest => JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as BundleManifest;
const tarList = async (path: string): Promise<string[]> => (await run('tar', ['-tf', path])).stdout.trim().split('\n');
const tarRead = async (path: string, member: string): Promise<string> => (await run('tar', ['-xOf', path, member])).stdout;
const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** What an output folder holds, hidden files included. */
const listing = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).sort() : []);

describe('a bundle of every test image, as published', () => {
  let dir: string;
  let bundle: BundleManifest;
  let stdout: string;

  before(async () => {
    dir = join(work, 'all');
    const refs = images.all.map((i) => i.fullRef);
    const r = await runFerry(['bundle', ...refs, '-o', dir, '--insecure-registry', registry.host], { env });
    assert.equal(r.code, 0, r.stderr);
    stdout = r.stdout;
    bundle = readBundle(dir);
  });

  test('the folder holds exactly bundle.json, bundle.tar and SHA256SUMS, and sha256sum -c passes', async () => {
    assert.deepEqual(listing(dir), ['SHA256SUMS', 'bundle.json', 'bundle.tar']);
    const check = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /bundle\.json: OK/);
    assert.match(check.stdout, /bundle\.tar: OK/);
  });

  test('bundle.json records every image with its digest unchanged, its platforms and its sources', () => {
    assert.equal(bundle.schemaVersion, 1);
    assert.equal(bundle.images.length, 4);
    for (const seeded of images.all) {
      const record = bundle.images.find((i) => i.reference === seeded.fullRef);
      assert.ok(record, `${seeded.fullRef} recorded`);
      assert.equal(record.digest, seeded.digest);
      assert.equal(record.originalDigest, seeded.digest);
      assert.equal(record.asPublished, true);
      assert.equal(record.mediaType, seeded.mediaType);
      assert.equal(record.registry, registry.host);
    }
    const multi = bundle.images.find((i) => i.reference === images.multi.fullRef)!;
    assert.deepEqual(
      multi.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}${m.platform?.variant ? `/${m.platform.variant}` : ''}`).sort(),
      ['linux/amd64', 'linux/arm/v7', 'linux/arm64/v8'],
    );
    const windows = bundle.images.find((i) => i.reference === images.windows.fullRef)!;
    assert.deepEqual(
      windows.manifests.map((m) => m.platform?.osVersion ?? '').sort(),
      ['', '10.0.17763.5458', '10.0.20348.2340', '10.0.26100.1742'],
    );
  });

  test('every blob is stored once, shared layers included, and the archive holds exactly the recorded blobs', async () => {
    const names = await tarList(join(dir, 'bundle.tar'));
    const blobNames = names.filter((n) => /^blobs\/sha256\/[a-f0-9]{64}$/.test(n));
    assert.equal(new Set(blobNames).size, blobNames.length, 'no blob twice');
    const expected = new Set(images.all.flatMap((i) => [...i.manifestDigests, ...i.registryBlobDigests]));
    assert.deepEqual(new Set(blobNames.map((n) => `sha256:${n.slice(13)}`)), expected);
    assert.deepEqual(new Set(bundle.blobs.map((b) => b.digest)), expected);
    assert.ok(names.indexOf('index.json') < names.indexOf(blobNames[0]!), 'metadata first');
    assert.ok(images.baseLayer.digest && expected.has(images.baseLayer.digest));
    // blob contents are what the registry serves, byte for byte
    const base = await run('sh', ['-c', `tar -xOf bundle.tar blobs/sha256/${images.baseLayer.digest.slice(7)} | sha256sum`], { cwd: dir });
    assert.equal(`sha256:${base.stdout.split(' ')[0]}`, images.baseLayer.digest);
  });

  test('foreign layers are listed, not carried, and inspect warns', async () => {
    const windows = bundle.images.find((i) => i.reference === images.windows.fullRef)!;
    assert.deepEqual(new Set(windows.foreignLayers.map((f) => f.digest)), images.windows.foreignBlobDigests);
    assert.ok(windows.foreignLayers.every((f) => !f.carried && f.urls[0]!.startsWith(blobServer.baseUrl)));
    const r = await runFerry(['inspect', dir], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /foreign layer\(s\) not carried; nodes will need to reach 127\.0\.0\.1:\d+/);
    for (const seeded of images.all) assert.ok(r.stdout.includes(seeded.fullRef));
    const json = await runFerry(['inspect', dir, '--json'], { env });
    const parsed = JSON.parse(json.stdout) as { bundle: BundleManifest; warnings: string[] };
    assert.equal(parsed.bundle.id, bundle.id);
    assert.equal(parsed.warnings.length, 1);
  });

  test('the result table names every image', () => {
    for (const seeded of images.all) assert.ok(stdout.includes(seeded.fullRef), seeded.fullRef);
    assert.match(stdout, /Bundle .*: 4 image\(s\)/);
  });

  test('skopeo reads it as oci-archive: with the index byte for byte', async () => {
    const raw = await skopeo(['inspect', '--raw', `oci-archive:${join(dir, 'bundle.tar')}:1`]);
    assert.equal(raw.code, 0, raw.stderr);
    // `1` names both test/multi:1 and test/shared:1; skopeo picks the first, the multi-arch index
    assert.equal(sha256(raw.stdout), images.multi.digest);
    const copy = await skopeo(['copy', '--all', `oci-archive:${join(dir, 'bundle.tar')}:1`, `oci:${join(work, 'oci-copy')}:multi`]);
    assert.equal(copy.code, 0, copy.stderr);
  });

  test('skopeo reads it as docker-archive: (docker load format) for each image', async () => {
    for (const seeded of [images.multi, images.single, images.shared]) {
      const r = await skopeo(['inspect', `docker-archive:${join(dir, 'bundle.tar')}:${seeded.fullRef}`]);
      assert.equal(r.code, 0, `${seeded.fullRef}: ${r.stderr}`);
      const info = JSON.parse(r.stdout) as { Layers: string[]; Architecture: string };
      assert.equal(info.Architecture, 'amd64');
      assert.ok(info.Layers.length >= 2);
    }
    // the Windows list also has linux/amd64, whose layers are all carried: that is what docker load gets
    const manifestJson = JSON.parse(await tarRead(join(dir, 'bundle.tar'), 'manifest.json')) as { Config: string; RepoTags: string[] }[];
    const linux = images.windows.platforms.find((p) => p.platform.os === 'linux')!;
    const entry = manifestJson.find((e) => e.RepoTags.includes(images.windows.fullRef));
    assert.equal(entry?.Config, `blobs/sha256/${linux.config.digest.slice(7)}`);
  });

  test('ctr images import loads every image with its digest', async () => {
    const imported = await containerd.ctr(['images', 'import', '--all-platforms', '--no-unpack', join(dir, 'bundle.tar')]);
    assert.equal(imported.code, 0, imported.stderr);
    const ls = await containerd.ctr(['images', 'ls']);
    for (const seeded of images.all) {
      const line = ls.stdout.split('\n').find((l) => l.startsWith(`${seeded.fullRef} `));
      assert.ok(line, `${seeded.fullRef} imported:\n${ls.stdout}`);
      assert.ok(line.includes(seeded.digest), `${seeded.fullRef} keeps ${seeded.digest}`);
    }
  });
});

describe('platform filters', () => {
  test('one platform: that manifest is carried under the tag; bundle.json keeps the original digest', async () => {
    const dir = join(work, 'arm64');
    const r = await runFerry(['bundle', images.multi.fullRef, '--platform', 'linux/arm64', '-o', dir, '--insecure-registry', registry.host, '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { type: string; bundle: BundleManifest };
    assert.equal(result.type, 'result');
    const image = readBundle(dir).images[0]!;
    const arm64 = images.multi.platforms.find((p) => p.platform.architecture === 'arm64')!;
    assert.equal(image.originalDigest, images.multi.digest);
    assert.equal(image.digest, arm64.manifest.digest);
    assert.equal(image.asPublished, false);
    assert.deepEqual(readBundle(dir).platforms, ['linux/arm64']);
    const index = JSON.parse(await tarRead(join(dir, 'bundle.tar'), 'index.json')) as { manifests: { digest: string; platform?: { architecture: string } }[] };
    assert.equal(index.manifests[0]!.digest, arm64.manifest.digest);
    assert.equal(index.manifests[0]!.platform?.architecture, 'arm64');
    const blobs = (await tarList(join(dir, 'bundle.tar'))).filter((n) => n.startsWith('blobs/sha256/') && n.length > 20);
    const expected = new Set([arm64.manifest.digest, arm64.config.digest, ...arm64.layers.map((l) => l.digest)]);
    assert.deepEqual(new Set(blobs.map((n) => `sha256:${n.slice(13)}`)), expected, 'only the arm64 blobs');
    // progress came as JSON lines on stderr
    const events = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { type: string; kind: string });
    assert.ok(events.some((e) => e.type === 'progress' && e.kind === 'bytes'));
  });

  test('several platforms: a new index of just those, readable by skopeo', async () => {
    const dir = join(work, 'two');
    const r = await runFerry(
      ['bundle', images.multi.fullRef, '--platform', 'linux/amd64', '--platform', 'linux/arm/v7', '-o', dir, '--insecure-registry', registry.host],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    const image = readBundle(dir).images[0]!;
    assert.notEqual(image.digest, images.multi.digest);
    const raw = await skopeo(['inspect', '--raw', `oci-archive:${join(dir, 'bundle.tar')}:1`]);
    assert.equal(raw.code, 0, raw.stderr);
    assert.equal(sha256(raw.stdout), image.digest);
    const index = JSON.parse(raw.stdout) as { manifests: { digest: string }[] };
    const wanted = images.multi.platforms.filter((p) => p.platform.architecture !== 'arm64').map((p) => p.manifest.digest);
    assert.deepEqual(index.manifests.map((m) => m.digest), wanted);
  });

  test('Windows by release name matches the build by prefix', async () => {
    const dir = join(work, 'ltsc2022');
    const r = await runFerry(['bundle', images.windows.fullRef, '--platform', 'windows/amd64:ltsc2022', '-o', dir, '--insecure-registry', registry.host], { env });
    assert.equal(r.code, 0, r.stderr);
    const image = readBundle(dir).images[0]!;
    assert.equal(image.manifests.length, 1);
    assert.equal(image.manifests[0]!.platform?.osVersion, '10.0.20348.2340');
    assert.equal(image.foreignLayers.length, 1);
    // its foreign base layer is not carried, so docker load is not offered an image it cannot load
    assert.equal(image.dockerLoadable, false);
    assert.deepEqual(JSON.parse(await tarRead(join(dir, 'bundle.tar'), 'manifest.json')), []);
    const inspect = await runFerry(['inspect', dir], { env });
    assert.match(inspect.stdout, /docker load cannot load it/);
  });

  test('an image with none of the platforms asked is an error naming the image and the platforms it has; nothing is left', async () => {
    const dir = join(work, 'missing');
    const r = await runFerry(['bundle', images.multi.fullRef, '--platform', 'linux/s390x', '-o', dir, '--insecure-registry', registry.host], { env });
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes(images.multi.fullRef), r.stderr);
    assert.match(r.stderr, /has no linux\/s390x; it has linux\/amd64, linux\/arm64\/v8, linux\/arm\/v7/);
    assert.ok(!existsSync(join(dir, 'bundle.json')));
  });
});

describe('foreign layers on request', () => {
  test('--include-foreign-layers fetches them from their URLs, verified, and docker-save lists the image', async () => {
    const dir = join(work, 'foreign');
    const before = blobServer.requests.length;
    const r = await runFerry(
      ['bundle', images.windows.fullRef, '--platform', 'windows/amd64:10.0.17763', '--include-foreign-layers', '-o', dir, '--insecure-registry', registry.host],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    const image = readBundle(dir).images[0]!;
    assert.equal(image.foreignLayers.length, 1);
    assert.equal(image.foreignLayers[0]!.carried, true);
    assert.equal(image.dockerLoadable, true);
    assert.ok(blobServer.requests.slice(before).some((q) => q.includes(image.foreignLayers[0]!.digest)));
    const names = await tarList(join(dir, 'bundle.tar'));
    assert.ok(names.includes(`blobs/sha256/${image.foreignLayers[0]!.digest.slice(7)}`));
  });
});

describe('bad input and failures', () => {
  test('a bad reference exits 2 and names it', async () => {
    const r = await runFerry(['bundle', 'Not/A:Valid:ref', '-o', join(work, 'bad')], { env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /"Not\/A:Valid:ref"/);
    assert.ok(!existsSync(join(work, 'bad')));
  });

  test('an unknown image exits 1 and names it', async () => {
    const ref = `${registry.host}/test/nothing-here:1`;
    const r = await runFerry(['bundle', ref, '-o', join(work, 'unknown'), '--insecure-registry', registry.host], { env });
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes('test/nothing-here'), r.stderr);
    assert.match(r.stderr, /not found/);
  });

  test('an unknown flag and a missing output folder are usage errors', async () => {
    assert.equal((await runFerry(['bundle', 'x', '--no-such-flag', '-o', join(work, 'u')], { env })).code, 2);
    assert.equal((await runFerry(['bundle', 'alpine'], { env })).code, 2);
    assert.equal((await runFerry(['bundle', 'alpine', '-o', join(work, 'u'), '--split', 'huge'], { env })).code, 2);
    assert.equal((await runFerry(['bundle', 'alpine', '-o', join(work, 'u'), '--platform', 'linux'], { env })).code, 2);
  });

  test('a folder that already holds a bundle is refused, and --force replaces it', async () => {
    const dir = join(work, 'again');
    const args = ['bundle', images.single.fullRef, '-o', dir, '--insecure-registry', registry.host];
    assert.equal((await runFerry(args, { env })).code, 0);
    const first = readBundle(dir).id;
    const refused = await runFerry(args, { env });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /already holds a bundle.*--force/);
    assert.equal(readBundle(dir).id, first, 'untouched');
    const forced = await runFerry([...args, '--force'], { env });
    assert.equal(forced.code, 0, forced.stderr);
    assert.notEqual(readBundle(dir).id, first);
  });

  test('LIST files: one reference per line, # comments, blank lines', async () => {
    const list = join(work, 'images.txt');
    // the single image twice (list and command line): carried once
    writeFileSync(list, `# images for the plant\n${images.single.fullRef}   # the app\n\n${images.shared.fullRef}\n`);
    const dir = join(work, 'from-list');
    const r = await runFerry(['bundle', images.single.fullRef, '-f', list, '-o', dir, '--insecure-registry', registry.host], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readBundle(dir).images.map((i) => i.reference), [images.single.fullRef, images.shared.fullRef]);
  });

  test('--split writes parts that cat reassembles into the recorded archive', async () => {
    const dir = join(work, 'split');
    const r = await runFerry(['bundle', ...images.all.map((i) => i.fullRef), '--split', '1MiB', '-o', dir, '--insecure-registry', registry.host], { env });
    assert.equal(r.code, 0, r.stderr);
    // the test images are small; the archive fits one 1 MiB part, so one file named bundle.tar
    const bundle = readBundle(dir);
    assert.ok(bundle.archive.parts.length >= 1);
    assert.equal((await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir })).code, 0);
  });
});
