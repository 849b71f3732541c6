// A delta bundle on the offline side, end to end against real components: `ferry import --to` on top of its base (the
// same digests a full bundle gives, read back with skopeo) or refused before pushing anything; `--to-dir` /
// `--to-containerd` refused without `--base` and, with it, a complete archive that ctr and skopeo read; `ferry serve
// DELTA BASE` as one registry (skopeo copies an image whose layers come from the base), `serve DELTA` alone refused.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import type { BundleManifest } from '../../shared/bundle-manifest.js';
import { createBundle, importBundle, type ImportReport } from '../../electron/engine/index.js';
import {
  DELTA_V1,
  DELTA_V2,
  makeTempDir,
  removeDir,
  run,
  seedDeltaImages,
  skopeo,
  startContainerd,
  startRegistry,
  type ContainerdHandle,
  type DeltaImages,
  type RegistryHandle,
} from '../harness/index.js';
import { runFerry, startFerry } from '../harness/ferry-cli.js';

let work: string;
let env: NodeJS.ProcessEnv;
let source: RegistryHandle;
/** v1 imported, then the delta on top. */
let offline: RegistryHandle;
/** Nothing in it: a delta must push nothing there. */
let empty: RegistryHandle;
/** The full v2 bundle imported: the digests a delta import must equal. */
let reference: RegistryHandle;
let containerd: ContainerdHandle;
let images: DeltaImages;
let v1Dir: string;
let deltaDir: string;
let fullDir: string;
let v1: BundleManifest;
let delta: BundleManifest;
let full: BundleManifest;

const ref = (name: string): string => `${source.host}/${name}`;
const sha256 = (bytes: Buffer | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const ferry = (args: string[]): ReturnType<typeof runFerry> => runFerry(args, { env });
let reports = 0;
const report = (): string[] => ['--report', join(work, `report-${++reports}.json`)];
const catalog = async (registry: RegistryHandle): Promise<string[]> =>
  ((await (await request(`${registry.url}/v2/_catalog`)).body.json()) as { repositories: string[] }).repositories;
/** The digest a registry serves for `repo:tag` (sha256 of `skopeo inspect --raw`). */
async function servedDigest(host: string, repoTag: string): Promise<string> {
  const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${host}/${repoTag}`]);
  assert.equal(raw.code, 0, raw.stderr);
  return sha256(raw.stdout);
}
/** The sorted entry names of a tar file, and the bytes of one entry. */
const tarNames = async (file: string): Promise<string[]> => (await run('tar', ['-tf', file])).stdout.split('\n').filter(Boolean).sort();
const tarEntry = async (file: string, name: string): Promise<unknown> => JSON.parse((await run('tar', ['-xOf', file, name])).stdout);

before(async () => {
  work = await makeTempDir('ferry-delta-import');
  env = { HOME: join(work, 'home'), XDG_CACHE_HOME: join(work, 'xdg-cache'), DOCKER_CONFIG: join(work, 'home', '.docker'), XDG_RUNTIME_DIR: join(work, 'home'), REGISTRY_AUTH_FILE: '' };
  [source, offline, empty, reference, containerd] = await Promise.all([startRegistry(), startRegistry(), startRegistry(), startRegistry(), startContainerd()]);
  images = await seedDeltaImages(source);
  const registry = { insecureRegistries: [source.host] };
  v1Dir = join(work, 'v1');
  deltaDir = join(work, 'delta');
  fullDir = join(work, 'full');
  v1 = (await createBundle({ images: DELTA_V1.map(ref), outputDir: v1Dir, cache: false, registry })).manifest;
  [delta, full] = await Promise.all([
    createBundle({ images: DELTA_V2.map(ref), outputDir: deltaDir, cache: false, registry, have: [v1Dir] }).then((r) => r.manifest),
    createBundle({ images: DELTA_V2.map(ref), outputDir: fullDir, cache: false, registry }).then((r) => r.manifest),
  ]);
  assert.deepEqual(delta.delta?.omitted.map((o) => o.digest).sort(), images.shared, 'the delta leaves out the base and tools layers');
});
after(async () => {
  await Promise.allSettled([source?.stop(), offline?.stop(), empty?.stop(), reference?.stop(), containerd?.stop()]);
  if (work) await removeDir(work);
});

describe('ferry import DELTA --to a registry', () => {
  test('into an empty registry: pushes nothing, names every missing blob with the images needing it, and says what to do', async () => {
    const r = await ferry(['import', deltaDir, '--to', `${empty.host}/mirror`, '--insecure-registry', empty.host, ...report()]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`${empty.host}/mirror lacks 2 blobs \\([^)]+\\) this delta relies on; nothing was pushed\\.`));
    const [base, tools] = [images.base.digest, images.tools.digest];
    assert.match(r.stderr, new RegExp(`- Blob ${base} \\(.*\\) needed by ${ref('test/app:2.0')}, ${ref('test/tool:2.1')} is not in the target: looked in ${empty.host}/mirror/test/app`));
    assert.match(r.stderr, new RegExp(`- Blob ${tools} \\(.*\\) needed by ${ref('test/tool:2.1')} is not in the target`));
    assert.match(r.stderr, new RegExp(`To fix: import the earlier bundle \\(id ${v1.id}\\) into ${empty.host}/mirror first, or make the delta again against a fresh inventory of ${empty.host}/mirror\\. Make one there with ferry inventory --from ${empty.host}/mirror`));
    assert.deepEqual(await catalog(empty), [], 'nothing was pushed');
  });

  test('on top of its base: every tag has the digest a full bundle gives; skopeo copies an image whose layers came with v1', async () => {
    await importBundle({ dirs: [v1Dir], to: `${offline.host}/mirror`, registry: { insecureRegistries: [offline.host] } });
    const r = await ferry(['import', deltaDir, '--to', `${offline.host}/mirror`, '--insecure-registry', offline.host, '--json', ...report()]);
    assert.equal(r.code, 0, r.stderr);
    const { stats } = (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { report: ImportReport }).report;
    assert.equal(stats.blobsExisting, 3, 'the base layer (in test/app and test/tool) and the tools layer are found, not uploaded');
    const carriedLayers = delta.blobs.filter((b) => !delta.images.some((i) => i.digest === b.digest)).length;
    assert.equal(stats.blobsUploaded, carriedLayers, 'only what the delta carries is uploaded');

    await importBundle({ dirs: [fullDir], to: `${reference.host}/mirror`, registry: { insecureRegistries: [reference.host] } });
    for (const [i, repoTag] of DELTA_V2.entries()) {
      const digest = await servedDigest(offline.host, `mirror/${repoTag}`);
      assert.equal(digest, full.images[i]!.digest, `${repoTag} as a full bundle carries it`);
      assert.equal(digest, await servedDigest(reference.host, `mirror/${repoTag}`), `${repoTag} as the full bundle's import`);
    }
    const oci = join(work, 'copied-tool');
    const copy = await skopeo(['copy', '--src-tls-verify=false', `docker://${offline.host}/mirror/test/tool:2.1`, `oci:${oci}:2.1`]);
    assert.equal(copy.code, 0, copy.stderr);
    for (const digest of images.shared) assert.ok(existsSync(join(oci, 'blobs', 'sha256', digest.slice(7))), `${digest} pulled from the base`);
  });

  test('an image mapped to a new repository gets the blobs it relies on by cross-repository mount from where v1 put them', async () => {
    const moved = `${offline.host}/moved/app`;
    const r = await ferry(['import', deltaDir, '--to', `${offline.host}/mirror`, '--map', `${source.host}/test/app=${moved}`, '--insecure-registry', offline.host, '--json', ...report()]);
    assert.equal(r.code, 0, r.stderr);
    const result = (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { report: ImportReport }).report;
    const app = result.images.find((i) => i.source === ref('test/app:2.0'))!;
    assert.equal(app.repository, 'moved/app');
    assert.equal(app.blobs.mounted, 1, 'the base layer mounted from where v1 put it');
    assert.equal(await servedDigest(offline.host, 'moved/app:2.0'), images.app2.manifest.digest);
  });
});

describe('ferry import DELTA --to-dir / --to-containerd', () => {
  test('without --base: refused, saying why and what to give; nothing written', async () => {
    const dir = join(work, 'images-no-base');
    const r = await ferry(['import', deltaDir, '--to-dir', dir]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`is a delta bundle \\(id ${delta.id}\\): its archive lacks 2 blobs .* nothing was placed\\. A complete archive needs the earlier bundle it was made against \\(id ${v1.id}\\) too.* Give them with --base DIR`));
    assert.ok(!existsSync(dir) || readdirSync(dir).length === 0, 'nothing written');
  });

  test('with a --base that lacks what it relies on: refused, naming each blob and the images needing it', async () => {
    const dir = join(work, 'images-wrong-base');
    // the delta itself as its "base": verified fine, but it holds none of the blobs it relies on
    const r = await ferry(['import', deltaDir, '--to-dir', dir, '--base', deltaDir]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`lack 2 of the 2 blobs delta ${delta.id} relies on; nothing was placed`));
    assert.match(r.stderr, new RegExp(`- blob ${images.tools.digest} \\(.*\\) needed by ${ref('test/tool:2.1')}`));
    assert.ok(!existsSync(dir) || readdirSync(dir).length === 0, 'nothing written');
  });

  test('with --base: a complete archive, equal in content to the full bundle\'s; ctr imports every image at its digest; skopeo reads it', async () => {
    const dir = join(work, 'images');
    const r = await ferry(['import', deltaDir, '--to-dir', dir, '--base', v1Dir, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { path: string; bytes: number; sha256: string; bases: string[] };
    assert.equal(result.path, join(dir, `ferry-${delta.id.slice(0, 8)}.tar`));
    assert.deepEqual(readdirSync(dir), [`ferry-${delta.id.slice(0, 8)}.tar`], 'no temporary file left');
    assert.deepEqual(result.bases, [v1.id]);
    const file = result.path;
    const bytes = readFileSync(file);
    assert.equal(bytes.length, result.bytes);
    assert.equal(sha256(bytes), `sha256:${result.sha256}`);
    // what a full bundle of the same images holds: the same entries, index.json and manifest.json
    const fullTar = join(fullDir, full.archive.name);
    assert.deepEqual(await tarNames(file), await tarNames(fullTar));
    assert.deepEqual(await tarEntry(file, 'index.json'), await tarEntry(fullTar, 'index.json'));
    assert.deepEqual(await tarEntry(file, 'manifest.json'), await tarEntry(fullTar, 'manifest.json'));
    assert.equal((await tarEntry(file, 'manifest.json') as unknown[]).length, 3, 'every image is loadable now');

    const imported = await containerd.ctr(['--namespace', 'placed', 'images', 'import', '--all-platforms', '--no-unpack', file]);
    assert.equal(imported.code, 0, imported.stderr + imported.stdout);
    const ls = await containerd.ctr(['--namespace', 'placed', 'images', 'ls']);
    for (const image of full.images) assert.ok(ls.stdout.split('\n').some((l) => l.startsWith(`${image.reference} `) && l.includes(image.digest)), `${image.reference} at ${image.digest}:\n${ls.stdout}`);

    // skopeo 1.9 finds only OCI-typed entries through oci-archive: (app:2.0 is OCI, tool:2.1 Docker)
    const raw = await skopeo(['inspect', '--raw', `oci-archive:${file}:2.0`]);
    assert.equal(raw.code, 0, raw.stderr);
    assert.equal(sha256(raw.stdout), images.app2.manifest.digest);
    const config = await skopeo(['inspect', '--config', `oci-archive:${file}:2.0`]);
    assert.equal(config.code, 0, config.stderr);
    const docker = await skopeo(['inspect', `docker-archive:${file}:${ref('test/tool:2.1')}`]);
    assert.equal(docker.code, 0, docker.stderr);
    assert.equal((JSON.parse(docker.stdout) as { Layers: string[] }).Layers.length, 3);
  });

  test('--to-containerd --base: every image loaded at its digest', async () => {
    const r = await ferry(['import', deltaDir, '--to-containerd', '--address', containerd.address, '--namespace', 'ferry', '--base', v1Dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Loaded 3 image\\(s\\) .* namespace ferry \\(delta ${delta.id} made complete with blobs from bundle ${v1.id}\\)`));
    const ls = await containerd.ctr(['--namespace', 'ferry', 'images', 'ls']);
    for (const image of full.images) assert.ok(ls.stdout.split('\n').some((l) => l.startsWith(`${image.reference} `) && l.includes(image.digest)), image.reference);
  });
});

describe('ferry serve DELTA BASE', () => {
  test('serves both as one registry: skopeo copies a v2 image whose layers come from the base, and v1 too', async () => {
    // the real command, in the background until SIGTERM
    const served = await startFerry(['serve', deltaDir, v1Dir, '--listen', '127.0.0.1:0'], /http:\/\/(127\.0\.0\.1:\d+) .*\n(?:.*\n){2}/, { env });
    const host = served.ready;
    const stdout = served.stdout();
    try {
      assert.match(stdout, /^Serving 3 repositories from 2 bundles as one registry at /);
      assert.match(stdout, new RegExp(`\\n  bundle ${delta.id} \\(delta\\), made .*: ${deltaDir}\\n  bundle ${v1.id}, made .*: ${v1Dir}\\n`));
      const oci = join(work, 'served-tool');
      const copy = await skopeo(['copy', '--src-tls-verify=false', `docker://${host}/test/tool:2.1`, `oci:${oci}:2.1`]);
      assert.equal(copy.code, 0, copy.stderr);
      for (const digest of images.shared) assert.equal(sha256(readFileSync(join(oci, 'blobs', 'sha256', digest.slice(7)))), digest);
      assert.equal(await servedDigest(host, 'test/tool:2.1'), images.tool2.manifest.digest);
      assert.equal(await servedDigest(host, 'test/app:1.0'), images.app1.manifest.digest);
      const tags = (await (await request(`http://${host}/v2/test/app/tags/list`)).body.json()) as { tags: string[] };
      assert.deepEqual(tags.tags, ['1.0', '2.0']);
    } finally {
      assert.equal(await served.stop(), 0, served.stderr());
    }
  });

  test('serve DELTA alone is refused, naming the blobs it relies on; nothing listens', async () => {
    const r = await ferry(['serve', deltaDir, '--listen', '127.0.0.1:0']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`is a delta bundle \\(id ${delta.id}\\) relying on 2 blobs .* that no other bundle was given to supply:`));
    for (const digest of images.shared) assert.ok(r.stderr.includes(`blob ${digest}`), digest);
    assert.match(r.stderr, new RegExp(`Serve it together with the earlier bundle it was made against \\(id ${v1.id}\\): ferry serve DELTA BASE`));
    assert.doesNotMatch(r.stdout, /Serving/);
  });
});
