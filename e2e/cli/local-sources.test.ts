// Local sources, named as skopeo names them: docker-archive:, oci-archive:, oci: and docker-daemon:, read from archives
// and layouts made by the real tools (skopeo, umoci, `ctr images export`, a real dockerd's image API), bundled by the
// real `ferry` command, then proven by `ferry verify`, skopeo reading the bundle, and digests compared with the source.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir, removeDir, runOrThrow, seedTestImages, skopeo, startContainerd, startRegistry, type ContainerdHandle, type RegistryHandle, type SeededTestImages } from '../harness/index.js';
import { dockerDaemonUnavailable, startDockerDaemon, type DockerDaemonHandle } from '../harness/docker-daemon.js';
import { runFerry } from '../harness/ferry-cli.js';
import { checkManifestConsistency } from '../../electron/engine/bundle/check-manifest-consistency.js';
import type { BundleManifest } from '../../shared/bundle-manifest.js';

interface ImageRecord {
  source: string;
  reference: string;
  registry: string;
  repository: string;
  tag?: string;
  digest: string;
  originalDigest: string;
  asPublished: boolean;
  manifests: { digest: string; platform?: { os: string; architecture: string } }[];
  builtManifest?: { configDigest: string };
}

let work: string;
let registry: RegistryHandle;
let containerd: ContainerdHandle;
let images: SeededTestImages;
let env: NodeJS.ProcessEnv;
const tls = ['--src-tls-verify=false'];

const bundleJson = (dir: string): { images: ImageRecord[] } => JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as { images: ImageRecord[] };
const rawDigest = async (ref: string): Promise<string> => (await runOrThrow('skopeo', ['inspect', '--raw', ...(ref.startsWith('docker://') ? ['--tls-verify=false'] : []), ref])).stdout;
const sha256 = async (text: string): Promise<string> => `sha256:${(await import('node:crypto')).createHash('sha256').update(text).digest('hex')}`;

/** Bundles `sources`, asserts exit 0 and `ferry verify` passing, and returns the bundle's image records. */
async function bundle(name: string, sources: string[], extra: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ dir: string; records: ImageRecord[] }> {
  const dir = join(work, name);
  const r = await runFerry(['bundle', ...sources, '-o', dir, ...extra], { env: { ...env, ...extraEnv } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const v = await runFerry(['verify', dir], { env });
  assert.equal(v.code, 0, v.stdout + v.stderr);
  return { dir, records: bundleJson(dir).images };
}

before(async () => {
  work = await makeTempDir('ferry-e2e-local-sources');
  mkdirSync(join(work, 'home'));
  env = { HOME: join(work, 'home'), XDG_CACHE_HOME: join(work, 'cache'), DOCKER_CONFIG: join(work, 'home', '.docker'), XDG_RUNTIME_DIR: join(work, 'home'), DOCKER_HOST: `unix://${join(work, 'no-docker.sock')}` };
  [registry, containerd] = await Promise.all([startRegistry({ auth: 'none' }), startContainerd()]);
  images = await seedTestImages(registry);
  // the archives and layouts, each written by its own tool
  await runOrThrow('skopeo', ['copy', ...tls, `docker://${images.single.fullRef}`, `docker-archive:${join(work, 'single.tar')}:test/single:1.0`]);
  await runOrThrow('skopeo', ['copy', ...tls, '--all', `docker://${images.multi.fullRef}`, `oci-archive:${join(work, 'multi.tar')}:1`]);
  await runOrThrow('skopeo', ['copy', ...tls, '--all', `docker://${images.multi.fullRef}`, `oci:${join(work, 'multi-oci')}:1`]);
  await runOrThrow('skopeo', ['copy', ...tls, `docker://${images.shared.fullRef}`, `oci:${join(work, 'multi-oci')}:shared`]);
});

after(async () => {
  await Promise.allSettled([registry?.stop(), containerd?.stop()]);
  if (work) await removeDir(work);
});

describe('docker-archive: (legacy docker save, made by skopeo)', () => {
  test('the image is bundled under its RepoTag, the manifest marked as built, the config digest kept', async () => {
    const { dir, records } = await bundle('b-single', [`docker-archive:${join(work, 'single.tar')}`]);
    assert.equal(records.length, 1);
    const [image] = records;
    assert.equal(image!.source, `docker-archive:${join(work, 'single.tar')}`);
    assert.equal(image!.reference, 'docker.io/test/single:1.0');
    assert.deepEqual(image!.builtManifest, { configDigest: images.single.platforms[0]!.config.digest });
    // skopeo reads the bundle, and finds the same config and the same (uncompressed) layers as the archive holds
    const fromBundle = JSON.parse(await rawDigest(`docker-archive:${join(dir, 'bundle.tar')}:docker.io/test/single:1.0`)) as { config: { digest: string }; layers: { digest: string }[] };
    const fromArchive = JSON.parse(await rawDigest(`docker-archive:${join(work, 'single.tar')}`)) as { config: { digest: string }; layers: { digest: string }[] };
    assert.equal(fromBundle.config.digest, images.single.platforms[0]!.config.digest);
    assert.deepEqual(fromBundle.layers.map((l) => l.digest), fromArchive.layers.map((l) => l.digest));
    const oci = await skopeo(['inspect', `oci-archive:${join(dir, 'bundle.tar')}:1.0`]);
    assert.equal(oci.code, 0, oci.stderr);
  });

  test('bundle.json holds a local source to the name it pins: a REF naming another image is a contradiction', () => {
    const manifest = JSON.parse(readFileSync(join(work, 'b-single', 'bundle.json'), 'utf8')) as BundleManifest;
    assert.deepEqual(checkManifestConsistency(manifest), []);
    const pinned = structuredClone(manifest);
    pinned.images[0]!.source = 'docker-archive:/x/app.tar:test/other:2';
    assert.deepEqual(checkManifestConsistency(pinned), ['images[0] (docker.io/test/single:1.0): source docker-archive:/x/app.tar:test/other:2 names docker.io/test/other:2, not this image.']);
    // an archive without REF, @N, an OCI tag: the source names a file, not the image
    for (const source of ['docker-archive:/x/app.tar', 'docker-archive:/x/app.tar:@3', 'oci:/x/layout:v1', 'oci-archive:/x/app.tar']) {
      const other = structuredClone(manifest);
      other.images[0]!.source = source;
      assert.deepEqual(checkManifestConsistency(other), [], source);
    }
  });

  test('the same archive gives the same bundle digests twice (the built manifest is stable)', async () => {
    const first = bundleJson(join(work, 'b-single')).images[0]!;
    const { records } = await bundle('b-single-again', [`docker-archive:${join(work, 'single.tar')}:test/single:1.0`], ['--no-cache']);
    assert.equal(records[0]!.digest, first.digest);
    assert.equal(records[0]!.reference, 'docker.io/test/single:1.0');
  });

  test('@N picks by position; a REF not in it is refused naming what it holds (exit 1)', async () => {
    const { records } = await bundle('b-at0', [`docker-archive:${join(work, 'single.tar')}:@0`]);
    assert.equal(records[0]!.reference, 'docker.io/test/single:1.0');
    const r = await runFerry(['bundle', `docker-archive:${join(work, 'single.tar')}:test/other:2`, '-o', join(work, 'b-none')], { env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /docker-archive:.*single\.tar:test\/other:2: no image named test\/other:2 in it; it holds docker\.io\/test\/single:1\.0/);
  });

  test('a missing file and a file that is not an image archive are bad usage (exit 2) naming the source', async () => {
    const missing = await runFerry(['bundle', `docker-archive:${join(work, 'nothing.tar')}`, '-o', join(work, 'b-missing')], { env });
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /docker-archive:.*nothing\.tar: no such file\./);
    writeFileSync(join(work, 'notes.txt'), 'not a tar at all\n'.repeat(100));
    const notTar = await runFerry(['bundle', `docker-archive:${join(work, 'notes.txt')}`, '-o', join(work, 'b-nottar')], { env });
    assert.equal(notTar.code, 2, notTar.stderr);
    assert.match(notTar.stderr, /notes\.txt: not an image archive \(not a tar file/);
    // a real tar that holds no image
    await runOrThrow('tar', ['-cf', join(work, 'plain.tar'), '-C', work, 'notes.txt']);
    const plain = await runFerry(['bundle', `docker-archive:${join(work, 'plain.tar')}`, '-o', join(work, 'b-plain')], { env });
    assert.equal(plain.code, 2, plain.stderr);
    assert.match(plain.stderr, /plain\.tar is not an image archive: it has neither manifest\.json/);
  });

  test('a list file names local sources relative to its own folder, next to registry references', async () => {
    mkdirSync(join(work, 'lists'));
    await runOrThrow('cp', [join(work, 'single.tar'), join(work, 'lists', 'app.tar')]);
    writeFileSync(join(work, 'lists', 'images.txt'), `# local and remote\ndocker-archive:app.tar:test/single:1.0\n${images.shared.fullRef}\n`);
    const { records } = await bundle('b-list', ['-f', join(work, 'lists', 'images.txt'), '--insecure-registry', registry.host]);
    assert.deepEqual(records.map((r) => r.reference).sort(), ['docker.io/test/single:1.0', images.shared.fullRef].sort());
    assert.equal(records.find((r) => r.reference === images.shared.fullRef)!.digest, images.shared.digest);
  });

  test('the same name from two sources is refused (exit 2)', async () => {
    mkdirSync(join(work, 'twice'), { recursive: true });
    await runOrThrow('cp', [join(work, 'single.tar'), join(work, 'twice', 'copy.tar')]);
    const r = await runFerry(['bundle', `docker-archive:${join(work, 'single.tar')}`, `docker-archive:${join(work, 'twice', 'copy.tar')}`, '-o', join(work, 'b-twice')], { env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /docker\.io\/test\/single:1\.0 is named by two sources/);
  });
});

describe('oci-archive: and oci: (OCI layouts by skopeo and umoci): digests kept byte for byte', () => {
  test('oci-archive:PATH:TAG carries the whole index as published, under a local.invalid name', async () => {
    const { dir, records } = await bundle('b-oci-archive', [`oci-archive:${join(work, 'multi.tar')}:1`]);
    assert.equal(records.length, 1);
    const [image] = records;
    assert.equal(image!.reference, 'local.invalid/multi:1');
    assert.equal(image!.originalDigest, images.multi.digest);
    assert.equal(image!.digest, images.multi.digest);
    assert.equal(image!.asPublished, true);
    assert.equal(image!.builtManifest, undefined);
    // the bundle's index entry is the source's bytes: skopeo reads the same raw manifest from both
    assert.equal(await rawDigest(`oci-archive:${join(dir, 'bundle.tar')}:1`), await rawDigest(`oci-archive:${join(work, 'multi.tar')}:1`));
    assert.equal(await sha256(await rawDigest(`oci-archive:${join(dir, 'bundle.tar')}:1`)), images.multi.digest);
  });

  test('the platform filter applies where the source has an index', async () => {
    const { records } = await bundle('b-oci-arm64', [`oci-archive:${join(work, 'multi.tar')}`], ['--platform', 'linux/arm64']);
    assert.equal(records[0]!.originalDigest, images.multi.digest);
    assert.equal(records[0]!.manifests.length, 1);
    assert.equal(records[0]!.manifests[0]!.platform?.architecture, 'arm64');
  });

  test('oci:DIR without TAG carries every image it holds; with TAG only that one', async () => {
    const all = await bundle('b-oci-dir', [`oci:${join(work, 'multi-oci')}`]);
    assert.deepEqual(all.records.map((r) => r.reference).sort(), ['local.invalid/multi-oci:1', 'local.invalid/multi-oci:shared']);
    assert.equal(all.records.find((r) => r.reference.endsWith(':shared'))!.digest, images.shared.digest);
    const one = await bundle('b-oci-dir-tag', [`oci:${join(work, 'multi-oci')}:shared`]);
    assert.deepEqual(one.records.map((r) => r.digest), [images.shared.digest]);
    const none = await runFerry(['bundle', `oci:${join(work, 'multi-oci')}:nope`, '-o', join(work, 'b-oci-nope')], { env });
    assert.equal(none.code, 1, none.stderr);
    assert.match(none.stderr, /no image named nope in it; it holds 1, shared/);
  });

  test('a layout made by umoci (new image, a layer inserted) is bundled and its digest kept', async () => {
    const layout = join(work, 'umoci-layout');
    await runOrThrow('umoci', ['init', '--layout', layout]);
    await runOrThrow('umoci', ['new', '--image', `${layout}:v1`]);
    mkdirSync(join(work, 'umoci-files'));
    writeFileSync(join(work, 'umoci-files', 'hello.txt'), 'hello from umoci\n');
    await runOrThrow('umoci', ['insert', '--image', `${layout}:v1`, join(work, 'umoci-files', 'hello.txt'), '/hello.txt']);
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const { dir, records } = await bundle('b-umoci', [`oci:${layout}:v1`]);
    assert.equal(records[0]!.digest, index.manifests[0]!.digest);
    assert.equal(records[0]!.reference, 'local.invalid/umoci-layout:v1');
    const copied = await skopeo(['copy', `oci-archive:${join(dir, 'bundle.tar')}:v1`, `oci:${join(work, 'umoci-back')}:v1`]);
    assert.equal(copied.code, 0, copied.stderr);
  });

  test('a folder that is not a layout, and a layout link pointing outside, are refused', async () => {
    mkdirSync(join(work, 'empty-dir'));
    const r = await runFerry(['bundle', `oci:${join(work, 'empty-dir')}`, '-o', join(work, 'b-empty')], { env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /empty-dir is not an OCI image layout: it has no index\.json/);
    // a layout whose index.json is a link to a file outside it: never followed out
    mkdirSync(join(work, 'escape-dir'));
    symlinkSync(join(work, 'multi-oci', 'index.json'), join(work, 'escape-dir', 'index.json'));
    writeFileSync(join(work, 'escape-dir', 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    const escape = await runFerry(['bundle', `oci:${join(work, 'escape-dir')}`, '-o', join(work, 'b-escape')], { env });
    assert.equal(escape.code, 2, escape.stderr);
    assert.match(escape.stderr, /escape-dir is not an OCI image layout: it has no index\.json/);
  });
});

describe('ctr images export (containerd): an OCI layout that is also a docker save archive', () => {
  test('docker-archive: and oci-archive: both keep the published digest and the image name', async () => {
    const pulled = await containerd.ctr(['images', 'pull', '--plain-http', '--all-platforms', images.multi.fullRef]);
    assert.equal(pulled.code, 0, pulled.stderr);
    const tar = join(work, 'ctr-export.tar');
    const exported = await containerd.ctr(['images', 'export', '--all-platforms', tar, images.multi.fullRef]);
    assert.equal(exported.code, 0, exported.stderr);
    const viaDocker = await bundle('b-ctr-docker', [`docker-archive:${tar}`]);
    assert.equal(viaDocker.records[0]!.reference, images.multi.fullRef);
    assert.equal(viaDocker.records[0]!.digest, images.multi.digest);
    assert.equal(viaDocker.records[0]!.builtManifest, undefined);
    const viaOci = await bundle('b-ctr-oci', [`oci-archive:${tar}`]);
    assert.equal(viaOci.records[0]!.reference, images.multi.fullRef);
    assert.equal(viaOci.records[0]!.digest, images.multi.digest);
  });
});

describe('ferry import --to pushes local images under the name given', () => {
  test('docker-archive:PATH:REF names an unnamed image; import puts local.invalid names under the prefix', async () => {
    // skopeo writes no RepoTags when the destination names no reference
    await runOrThrow('skopeo', ['copy', ...tls, `docker://${images.shared.fullRef}`, `docker-archive:${join(work, 'unnamed.tar')}`]);
    const { dir, records } = await bundle('b-import', [`oci:${join(work, 'multi-oci')}:1`, `docker-archive:${join(work, 'single.tar')}`, `docker-archive:${join(work, 'unnamed.tar')}:registry.local/team/app:1.0`]);
    assert.deepEqual(records.map((r) => r.reference), ['local.invalid/multi-oci:1', 'docker.io/test/single:1.0', 'registry.local/team/app:1.0']);
    // the report goes to the work folder (by default import writes it where it runs: the checkout)
    const report = ['--report', join(work, 'import-report.json')];
    const r = await runFerry(['import', dir, '--to', `${registry.host}/mirror`, '--insecure-registry', registry.host, ...report], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const app = JSON.parse(await rawDigest(`docker://${registry.host}/mirror/team/app:1.0`)) as { config: { digest: string } };
    assert.equal(app.config.digest, images.shared.platforms[0]!.config.digest);
    assert.equal(await sha256(await rawDigest(`docker://${registry.host}/mirror/multi-oci:1`)), images.multi.digest);
    const pushed = JSON.parse(await rawDigest(`docker://${registry.host}/mirror/test/single:1.0`)) as { config: { digest: string } };
    assert.equal(pushed.config.digest, images.single.platforms[0]!.config.digest);
    // --map names where the reserved local.invalid names go
    const mapped = await runFerry(['import', dir, '--to', `${registry.host}/mirror`, '--map', `local.invalid=${registry.host}/team`, '--insecure-registry', registry.host, ...report], { env });
    assert.equal(mapped.code, 0, mapped.stdout + mapped.stderr);
    assert.equal(await sha256(await rawDigest(`docker://${registry.host}/team/multi-oci:1`)), images.multi.digest);
  });
});

describe('docker-daemon: (a real Docker Engine API)', () => {
  const unavailable = dockerDaemonUnavailable();
  let daemon: DockerDaemonHandle | undefined;
  before(async () => {
    if (!unavailable) daemon = await startDockerDaemon();
  });
  after(async () => {
    await daemon?.stop();
  });

  test('an image loaded into the engine is bundled straight from its API, with the archive\'s config digest', { skip: unavailable }, async () => {
    await daemon!.load(join(work, 'single.tar'));
    const { records } = await bundle('b-daemon', ['docker-daemon:test/single:1.0'], [], { DOCKER_HOST: `unix://${daemon!.socket}` });
    assert.equal(records[0]!.source, 'docker-daemon:test/single:1.0');
    assert.equal(records[0]!.reference, 'docker.io/test/single:1.0');
    assert.deepEqual(records[0]!.builtManifest, { configDigest: images.single.platforms[0]!.config.digest });
    // read from the engine or from the archive it was loaded from: the same layers, the same config
    const fromArchive = bundleJson(join(work, 'b-single')).images[0]!;
    assert.equal(records[0]!.digest, fromArchive.digest);
    // the engine's stream was kept as loose files only while bundling: nothing is left in the cache's staging folder
    const staging = join(work, 'cache', 'ferry', 'staging');
    assert.deepEqual(existsSync(staging) ? readdirSync(staging).filter((n) => n.startsWith('ferry-received-')) : [], []);
  });

  test('an image named by its ID takes its first tag as its name', { skip: unavailable }, async () => {
    const info = JSON.parse((await daemon!.get('/images/test/single:1.0/json')).body) as { Id: string };
    assert.match(info.Id, /^sha256:[0-9a-f]{64}$/);
    const { records } = await bundle('b-daemon-id', [`docker-daemon:${info.Id}`], [], { DOCKER_HOST: `unix://${daemon!.socket}` });
    assert.equal(records[0]!.reference, 'docker.io/test/single:1.0');
    assert.equal(records[0]!.builtManifest?.configDigest, info.Id);
  });

  test('a docker save of two images (written by the engine) carries both without REF, one with it', { skip: unavailable }, async () => {
    await runOrThrow('skopeo', ['copy', ...tls, `docker://${images.shared.fullRef}`, `docker-archive:${join(work, 'shared.tar')}:test/shared:1`]);
    await daemon!.load(join(work, 'shared.tar'));
    const both = join(work, 'both.tar');
    await daemon!.save(['test/single:1.0', 'test/shared:1'], both);
    const all = await bundle('b-both', [`docker-archive:${both}`]);
    assert.deepEqual(all.records.map((r) => r.reference).sort(), ['docker.io/test/shared:1', 'docker.io/test/single:1.0']);
    assert.ok(all.records.every((r) => r.builtManifest !== undefined));
    const one = await bundle('b-both-one', [`docker-archive:${both}:test/shared:1`]);
    assert.deepEqual(one.records.map((r) => [r.reference, r.builtManifest?.configDigest]), [['docker.io/test/shared:1', images.shared.platforms[0]!.config.digest]]);
    // docker load reads what Ferry wrote from it: the engine takes the bundle back
    await daemon!.load(join(one.dir, 'bundle.tar'));
  });

  test('an image the engine lacks is not-found (exit 1), naming the source', { skip: unavailable }, async () => {
    const r = await runFerry(['bundle', 'docker-daemon:test/absent:9', '-o', join(work, 'b-daemon-absent')], { env: { ...env, DOCKER_HOST: `unix://${daemon!.socket}` } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /docker-daemon:test\/absent:9: the Docker Engine at .* answered 404/);
  });

  test('no engine at the socket is a network error naming the socket (exit 1)', async () => {
    const r = await runFerry(['bundle', 'docker-daemon:alpine:3.20', '-o', join(work, 'b-no-daemon')], { env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /docker-daemon:alpine:3\.20: no Docker Engine answers at .*no-docker\.sock/);
  });
});

