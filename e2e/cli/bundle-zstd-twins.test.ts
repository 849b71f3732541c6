// Twins: one image (one config) with its layers as zstd, as gzip and re-gzipped by a mirror. docker-save's
// manifest.json gets an entry per manifest (Config + Layers), as `ctr images export` writes it, and every reader
// finds each tag with its own layer blobs: `ferry verify`, skopeo's docker-archive:, ctr import, `import --to-dir`.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  makeTempDir,
  removeDir,
  run,
  seedZstdTwins,
  skopeo,
  startContainerd,
  startRegistry,
  type ContainerdHandle,
  type RegistryHandle,
  type SeededImage,
  type SeededZstdTwins,
} from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';

let work: string;
let registry: RegistryHandle;
let containerd: ContainerdHandle;
let twins: SeededZstdTwins;
let env: NodeJS.ProcessEnv;
let dir: string;

interface DockerSaveEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

const path = (digest: string): string => `blobs/sha256/${digest.slice('sha256:'.length)}`;
const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const layersOf = (image: SeededImage): string[] => image.platforms[0]!.layers.map((l) => l.digest);
const dockerSave = async (tar: string): Promise<DockerSaveEntry[]> => JSON.parse((await run('tar', ['-xOf', tar, 'manifest.json'])).stdout) as DockerSaveEntry[];

before(async () => {
  work = await makeTempDir('ferry-e2e-zstd-twins');
  mkdirSync(join(work, 'home'));
  env = { HOME: join(work, 'home'), XDG_CACHE_HOME: join(work, 'cache'), DOCKER_CONFIG: join(work, 'home', '.docker'), XDG_RUNTIME_DIR: join(work, 'home') };
  [registry, containerd] = await Promise.all([startRegistry({ auth: 'none' }), startContainerd()]);
  twins = await seedZstdTwins(registry);
  dir = join(work, 'bundle');
  const r = await runFerry(['bundle', ...twins.all.map((i) => i.fullRef), '-o', dir, '--insecure-registry', registry.host], { env });
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await Promise.allSettled([registry?.stop(), containerd?.stop()]);
  if (work) await removeDir(work);
});

describe('a bundle of zstd and gzip twins (one config, other layer blobs)', () => {
  test('the twins are what they claim: one config, zstd layers and gzip layers', () => {
    const configs = new Set(twins.all.map((i) => i.platforms[0]!.config.digest));
    assert.equal(configs.size, 1);
    const zstdLayers = twins.zstd.manifest.json.layers as { mediaType: string }[];
    assert.ok(zstdLayers.every((l) => l.mediaType === 'application/vnd.oci.image.layer.v1.tar+zstd'));
    // zstd frames start with the magic 28 b5 2f fd, gzip members with 1f 8b
    assert.ok(twins.zstd.platforms[0]!.layers.every((l) => l.bytes.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))));
    assert.ok(twins.gzip.platforms[0]!.layers.every((l) => l.bytes[0] === 0x1f && l.bytes[1] === 0x8b));
  });

  test('ferry verify passes', async () => {
    const r = await runFerry(['verify', dir], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  test("manifest.json has an entry per twin, each with its own tag and its own layers", async () => {
    const entries = await dockerSave(join(dir, 'bundle.tar'));
    assert.equal(entries.length, 3, JSON.stringify(entries, null, 2));
    for (const image of twins.all) {
      const tagged = entries.filter((e) => e.RepoTags.includes(image.fullRef));
      assert.equal(tagged.length, 1, image.fullRef);
      assert.deepEqual(tagged[0], { Config: path(image.platforms[0]!.config.digest), RepoTags: [image.fullRef], Layers: layersOf(image).map(path) });
    }
  });

  test('skopeo docker-archive:bundle.tar:NAME reads each twin, its own layer blobs decompressing to the config\'s diffIDs', async () => {
    for (const image of twins.all) {
      const source = `docker-archive:${join(dir, 'bundle.tar')}:${image.fullRef}`;
      const r = await skopeo(['inspect', source]);
      assert.equal(r.code, 0, `${image.fullRef}: ${r.stderr}`);
      // docker-archive: serves layers uncompressed, named by diffID: the twins look alike through it, and
      // reading each entry's own blobs (zstd ones included) must give exactly the config's tars
      const info = JSON.parse(r.stdout) as { Layers: string[] };
      assert.deepEqual(info.Layers, image.platforms[0]!.config.diffIDs, image.fullRef);
      const out = join(work, `skopeo-${image.repository.replace('/', '-')}-${image.tag}`);
      const copy = await skopeo(['copy', source, `dir:${out}`]);
      assert.equal(copy.code, 0, `${image.fullRef}: ${copy.stderr}`);
      const copied = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { layers: { digest: string; size: number }[] };
      assert.deepEqual(copied.layers.map((l) => [l.digest, l.size]), image.platforms[0]!.layers.map((l) => [l.diffID, l.uncompressedSize]), image.fullRef);
      for (const l of copied.layers) assert.equal(sha256(readFileSync(join(out, l.digest.slice('sha256:'.length)))), l.digest);
    }
  });

  test('ctr images import lists every twin at its digest, each with its own layers', async () => {
    const imported = await containerd.ctr(['images', 'import', '--all-platforms', '--no-unpack', join(dir, 'bundle.tar')]);
    assert.equal(imported.code, 0, imported.stderr);
    const ls = await containerd.ctr(['images', 'ls']);
    for (const image of twins.all) {
      const line = ls.stdout.split('\n').find((l) => l.startsWith(`${image.fullRef} `));
      assert.ok(line?.includes(image.digest), `${image.fullRef} at ${image.digest}:\n${ls.stdout}`);
    }
    // every twin's own layer blobs are in the content store (ctr reads index.json, each manifest's own layers)
    const content = await containerd.ctr(['content', 'ls', '-q']);
    assert.equal(content.code, 0, content.stderr);
    const held = new Set(content.stdout.split('\n').map((l) => l.trim()));
    for (const image of twins.all) for (const layer of layersOf(image)) assert.ok(held.has(layer), `${image.fullRef} layer ${layer} in the content store`);
  });

  test('import --to-dir writes an archive whose manifest.json keeps every twin apart', async () => {
    const out = join(work, 'to-dir');
    const r = await runFerry(['import', dir, '--to-dir', out, '--json'], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const [file] = readdirSync(out);
    assert.ok(file, 'an archive written');
    assert.deepEqual(await dockerSave(join(out, file)), await dockerSave(join(dir, 'bundle.tar')));
    const zstd = await skopeo(['inspect', `docker-archive:${join(out, file)}:${twins.zstd.fullRef}`]);
    assert.equal(zstd.code, 0, zstd.stderr);
  });
});
