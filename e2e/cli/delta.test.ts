// Delta bundles end to end against real registries: `ferry bundle --have OLD_BUNDLE|INVENTORY` leaves out exactly the
// blobs the offline side holds, `ferry verify` lists them as relied on (and checks a target with --against), `inspect`
// says it is a delta; skopeo still reads the carried manifests.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BundleManifest } from '../../shared/bundle-manifest.js';
import { INVENTORY_MEDIA_TYPE, type Inventory } from '../../shared/inventory.js';
import type { VerifyReport } from '../../shared/verify-report.js';
import { BundleArchive, createBundle, generateSigningKey, loadSigningKey } from '../../electron/engine/index.js';
import { writeInventorySignature } from '../../electron/engine/inventory/inventory-signature.js';
import {
  configAndLayers,
  DELTA_V2,
  flipByte,
  imageBlobs,
  makeTempDir,
  pushImage,
  removeDir,
  run,
  seedDeltaImages,
  skopeo,
  startRegistry,
  type BuiltImage,
  type RegistryHandle,
} from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';

let work: string;
let source: RegistryHandle;
let target: RegistryHandle;
let empty: RegistryHandle;
let env: NodeJS.ProcessEnv;
let v1Dir: string;
let v1: BundleManifest;
let full: BundleManifest;
let inventoryFile: string;
let images: Record<'app1' | 'tool1' | 'app2' | 'tool2' | 'other2', BuiltImage>;
/** Config and layer digests (no manifests) of each image. */
const blobsOf = configAndLayers;
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const ref = (name: string): string => `${source.host}/${name}`;
const V2 = [...DELTA_V2];
/** The blobs v2 shares with v1 (config and layers; manifests never count). */
let shared: string[];

before(async () => {
  work = await makeTempDir('ferry-delta');
  env = { HOME: join(work, 'home'), XDG_CACHE_HOME: join(work, 'xdg-cache'), DOCKER_CONFIG: join(work, 'home', '.docker'), XDG_RUNTIME_DIR: join(work, 'home') };
  [source, target, empty] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
  const seeded = await seedDeltaImages(source);
  const { base, tools } = seeded;
  images = seeded;
  shared = seeded.shared;
  // the offline registry: v1 imported under mirror/
  await pushImage(target, 'mirror/test/app', '1.0', images.app1);
  await pushImage(target, 'mirror/test/tool', '1.1', images.tool1);
  assert.deepEqual(shared, [base.digest, tools.digest].sort(), 'v2 shares the base and tools layers with v1, nothing else');

  const key = await generateSigningKey(join(work, 'preparer'));
  v1Dir = join(work, 'v1');
  const registry = { insecureRegistries: [source.host] };
  v1 = (await createBundle({ images: [ref('test/app:1.0'), ref('test/tool:1.1')], outputDir: v1Dir, cache: false, registry, signKey: key.privateKeyFile })).manifest;
  full = (await createBundle({ images: V2.map(ref), outputDir: join(work, 'full'), cache: false, registry })).manifest;

  // an inventory of the target, written by hand: repositories as the offline side names them
  const repositories: Inventory['repositories'] = [
    { registry: target.host, name: 'mirror/test/app', tags: { '1.0': images.app1.manifest.digest }, manifests: [images.app1.manifest.digest] },
    { registry: target.host, name: 'mirror/test/tool', tags: { '1.1': images.tool1.manifest.digest }, manifests: [images.tool1.manifest.digest] },
  ];
  const held = new Map<string, { size: number; repositories: number[] }>();
  for (const [i, image] of [images.app1, images.tool1].entries()) {
    for (const [digest, blob] of imageBlobs(image)) {
      if (digest === image.manifest.digest) continue;
      const entry = held.get(digest) ?? { size: blob.size, repositories: [] };
      entry.repositories.push(i);
      held.set(digest, entry);
    }
  }
  const inventory: Inventory = {
    schemaVersion: 1,
    mediaType: INVENTORY_MEDIA_TYPE,
    created: '2025-01-01T00:00:00.000Z',
    tool: { name: 'ferry', version: 'test' },
    sources: [{ kind: 'registry', registry: target.host, prefix: 'mirror' }],
    repositories,
    blobs: [...held].sort(([a], [b]) => a.localeCompare(b)).map(([digest, b]) => ({ digest, size: b.size, repositories: b.repositories })),
  };
  inventoryFile = join(work, 'inventory.json');
  const inventoryBytes = `${JSON.stringify(inventory, null, 2)}\n`;
  writeFileSync(inventoryFile, inventoryBytes);
  // signed as `ferry inventory --sign-key` signs (inventory.json.sig); an unsigned copy beside it
  await writeInventorySignature(inventoryFile, inventoryBytes, await loadSigningKey(key.privateKeyFile));
  writeFileSync(join(work, 'unsigned-inventory.json'), inventoryBytes);
});
after(async () => {
  await Promise.all([source?.stop(), target?.stop(), empty?.stop()]);
  if (work) await removeDir(work);
});

const readManifest = (dir: string): BundleManifest => JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as BundleManifest;

describe('a delta against an old bundle (--have OLD_BUNDLE_DIR)', () => {
  let dir: string;
  let delta: BundleManifest;
  let stdout: string;
  const cacheDir = (): string => join(work, 'delta-cache');

  before(async () => {
    dir = join(work, 'delta');
    const r = await runFerry(['bundle', ...V2.map(ref), '--have', v1Dir, '-o', dir, '--insecure-registry', source.host, '--cache-dir', cacheDir()], { env });
    assert.equal(r.code, 0, r.stderr);
    stdout = r.stdout;
    delta = readManifest(dir);
  });

  test('omits exactly the shared blobs, carries every manifest and every new blob, and is smaller', () => {
    assert.deepEqual(delta.delta!.omitted.map((o) => o.digest).sort(), shared);
    const expectedCarried = new Set(full.blobs.map((b) => b.digest).filter((d) => !shared.includes(d)));
    assert.deepEqual(new Set(delta.blobs.map((b) => b.digest)), expectedCarried);
    for (const image of [images.app2, images.tool2, images.other2]) assert.ok(expectedCarried.has(image.manifest.digest), 'every manifest carried');
    assert.ok(delta.archive.size < full.archive.size, `${delta.archive.size} < ${full.archive.size}`);
    // each omitted blob names the old bundle's repository that holds it, the image's own path first
    const repoOf = new Map(delta.delta!.omitted.map((o) => [o.digest, o.repository]));
    assert.equal(repoOf.get(blobsOf(images.app2).find((d) => shared.includes(d))!), 'test/app');
    assert.equal(repoOf.get(shared.find((d) => !blobsOf(images.app2).includes(d))!), 'test/tool');
    assert.deepEqual(delta.delta!.against, [{ kind: 'bundle', sha256: sha256(readFileSync(join(v1Dir, 'bundle.json'))), bundleId: v1.id, created: v1.created }]);
    // the image sizes are what each needs in all; the digests are those of a full bundle
    for (const image of delta.images) {
      const same = full.images.find((i) => i.reference === image.reference)!;
      assert.equal(image.digest, same.digest);
      assert.equal(image.size, same.size);
    }
  });

  test('omitted blobs are not fetched: the cache holds only what was carried', () => {
    const cached = new Set(readdirSync(join(cacheDir(), 'blobs', 'sha256')).map((n) => `sha256:${n}`));
    for (const digest of shared) assert.ok(!cached.has(digest), `${digest} not fetched`);
    assert.ok([...cached].length > 0);
  });

  test('says what it carries against the full size', () => {
    assert.match(stdout, /Delta against bundle [0-9a-f-]{36} .*: carries [\d.]+ \w?B of [\d.]+ \w?B; [\d.]+ \w?B held offline \(2 blobs not fetched\)/);
  });

  test('images relying on held layers are not docker-loadable; index.json lists every image', async () => {
    const loadable = Object.fromEntries(delta.images.map((i) => [i.repository, i.dockerLoadable]));
    assert.deepEqual(loadable, { 'test/app': false, 'test/tool': false, 'test/other': true });
    const docker = JSON.parse((await run('tar', ['-xOf', join(dir, 'bundle.tar'), 'manifest.json'])).stdout) as { RepoTags: string[] }[];
    assert.deepEqual(docker.flatMap((e) => e.RepoTags), [`${source.host}/test/other:2.2`]);
    const index = JSON.parse((await run('tar', ['-xOf', join(dir, 'bundle.tar'), 'index.json'])).stdout) as { manifests: { annotations: Record<string, string> }[] };
    assert.deepEqual(index.manifests.map((m) => m.annotations['io.containerd.image.name']).sort(), V2.map(ref).sort());
  });

  test('skopeo reads a carried manifest and config of an image whose layers are held offline', async () => {
    const raw = await skopeo(['inspect', '--raw', `oci-archive:${join(dir, 'bundle.tar')}:2.0`]);
    assert.equal(raw.code, 0, raw.stderr);
    assert.equal(`sha256:${sha256(Buffer.from(raw.stdout))}`, images.app2.manifest.digest);
    const config = await skopeo(['inspect', '--config', `oci-archive:${join(dir, 'bundle.tar')}:2.0`]);
    assert.equal(config.code, 0, config.stderr);
    assert.equal((JSON.parse(config.stdout) as { architecture: string }).architecture, 'amd64');
  });

  test('verify passes and reports what it relies on (text and --json)', async () => {
    const r = await runFerry(['verify', dir], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /✓ blobs .*relies on 2 blobs \([\d.]+ \w?B\) held offline/);
    assert.match(r.stdout, /^Relies on 2 blobs .* held offline, not carried: a delta against bundle /m);
    const json = await runFerry(['verify', dir, '--json'], { env });
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as VerifyReport;
    assert.equal(report.integrity.reliesOn?.count, 2);
    assert.deepEqual(report.integrity.reliesOn?.blobs?.map((b) => b.digest).sort(), shared);
    const base = report.integrity.reliesOn!.blobs!.find((b) => blobsOf(images.app2).includes(b.digest))!;
    assert.deepEqual(base.images, [ref('test/app:2.0'), ref('test/tool:2.1')]);
  });

  test('a flipped byte in a carried blob still fails verify', async () => {
    const copy = join(work, 'delta-flipped');
    cpSync(dir, copy, { recursive: true });
    const layer = blobsOf(images.other2).at(-1)!;
    const archive = await BundleArchive.open([copy]);
    const offset = archive.blob(layer)!.offset;
    await archive.close();
    flipByte(join(copy, 'bundle.tar'), offset + 5);
    const r = await runFerry(['verify', copy], { env });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, new RegExp(`blob-digest: The layer ${layer} of .*test/other:2\\.2`));
  });

  test('a forged delta whose omitted list lacks a needed blob fails verify, naming it', async () => {
    const copy = join(work, 'delta-forged');
    cpSync(dir, copy, { recursive: true });
    const forged = readManifest(copy);
    const dropped = forged.delta!.omitted.shift()!;
    const json = Buffer.from(`${JSON.stringify(forged, null, 2)}\n`);
    writeFileSync(join(copy, 'bundle.json'), json);
    const sums = readFileSync(join(copy, 'SHA256SUMS'), 'utf8').replace(/^[0-9a-f]{64}(?= {2}bundle\.json$)/m, sha256(json));
    writeFileSync(join(copy, 'SHA256SUMS'), sums);
    const r = await runFerry(['verify', copy], { env });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, new RegExp(`reference-missing: Manifest sha256:[0-9a-f]{64} of .* references layer ${dropped.digest}, which is not in the archive nor listed in bundle\\.json, as carried or as held offline`));
    assert.doesNotMatch(r.stdout, /SHA256SUMS .*fault|✗ SHA256SUMS/);
  });

  test('verify --against a registry that holds the base passes; an empty one fails naming each blob and image', async () => {
    const ok = await runFerry(['verify', dir, '--against', `${target.host}/mirror`, '--insecure-registry', target.host], { env });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /✓ held offline in 127\.0\.0\.1:\d+\/mirror: all 2 blobs the delta relies on are there/);
    const bad = await runFerry(['verify', dir, '--against', `${empty.host}/mirror`, '--insecure-registry', empty.host], { env });
    assert.equal(bad.code, 1, bad.stdout);
    assert.match(bad.stdout, /✗ held offline in .*: 2 of 2 blobs the delta relies on missing/);
    for (const digest of shared) assert.match(bad.stdout, new RegExp(`missing: Blob ${digest} \\(.*\\) needed by .*test/tool:2\\.1 is not in the target: looked in ${empty.host.replace(/\./g, '\\.')}/mirror/test/`));
    assert.match(bad.stderr, /lacks 2 blobs this delta relies on .* import the earlier bundle there first/);
  });

  test('inspect says it is a delta, what it relies on and why it is not loadable alone (text, --json, --html)', async () => {
    const text = await runFerry(['inspect', dir], { env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /DELTA: relies on 2 blobs \(.*\) held offline; carries \d+ blobs/);
    assert.match(text.stdout, new RegExp(`made against bundle ${v1.id}`));
    assert.match(text.stdout, /not loadable by docker load or ctr import: its archive lacks the blobs the offline side already holds/);
    const html = join(work, 'delta-report.html');
    const json = await runFerry(['inspect', dir, '--json', '--html', html], { env });
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { delta: { isDelta: boolean; blobsReliedOn: number; loadableAlone: boolean; against: { kind: string }[] }; warnings: string[] };
    assert.equal(parsed.delta.isDelta, true);
    assert.equal(parsed.delta.blobsReliedOn, 2);
    assert.equal(parsed.delta.loadableAlone, false);
    assert.equal(parsed.delta.against[0]!.kind, 'bundle');
    assert.ok(parsed.warnings.some((w) => /A delta against .* not loadable by docker load/.test(w)));
    const page = readFileSync(html, 'utf8');
    assert.match(page, /Delta: relies on what the offline side holds/);
    assert.match(page, /not loadable by docker load or ctr import/);
    for (const digest of shared) assert.ok(page.includes(digest));
  });
});

describe('a delta against an inventory (--have inventory.json)', () => {
  let dir: string;
  let delta: BundleManifest;

  before(async () => {
    dir = join(work, 'delta-inventory');
    const r = await runFerry(['bundle', ...V2.map(ref), '--have', inventoryFile, '-o', dir, '--insecure-registry', source.host, '--no-cache'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Delta against inventory sha256 [0-9a-f]{16}…, made 2025-01-01/);
    delta = readManifest(dir);
  });

  test('omits the same blobs, naming the repositories the inventory holds them in', () => {
    assert.deepEqual(delta.delta!.omitted.map((o) => o.digest).sort(), shared);
    assert.deepEqual(new Set(delta.delta!.omitted.map((o) => o.repository)), new Set(['mirror/test/app', 'mirror/test/tool']));
    assert.deepEqual(delta.delta!.against, [{ kind: 'inventory', sha256: sha256(readFileSync(inventoryFile)), created: '2025-01-01T00:00:00.000Z' }]);
  });

  test('verify --against the registry without the prefix finds the base through the recorded repositories', async () => {
    const r = await runFerry(['verify', dir, '--against', target.host, '--insecure-registry', target.host, '--json'], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as VerifyReport;
    assert.deepEqual({ ok: report.against?.ok, checked: report.against?.checked, present: report.against?.present }, { ok: true, checked: 2, present: 2 });
  });
});

describe('--have edge cases', () => {
  test('nothing in common: a complete bundle, and it says so', async () => {
    const dir = join(work, 'no-common');
    const r = await runFerry(['bundle', ref('test/other:2.2'), '--have', v1Dir, '-o', dir, '--insecure-registry', source.host, '--no-cache'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Not a delta: nothing these images need is held offline according to /);
    assert.match(r.stderr, /Nothing these images need is held offline/);
    const manifest = readManifest(dir);
    assert.equal(manifest.delta, undefined);
    assert.equal(manifest.images[0]!.dockerLoadable, true);
  });

  test('--trust: a bundle and an inventory signed by a trusted key are recorded with their signer; untrusted or unsigned ones are refused before fetching', async () => {
    const dir = join(work, 'trusted');
    const trusted = join(work, 'preparer.pub');
    const r = await runFerry(['bundle', ref('test/app:2.0'), '--have', v1Dir, '--have', inventoryFile, '--trust', trusted, '-o', dir, '--insecure-registry', source.host, '--no-cache'], { env });
    assert.equal(r.code, 0, r.stderr);
    const against = readManifest(dir).delta!.against;
    assert.deepEqual(against.map((a) => a.kind), ['bundle', 'inventory']);
    assert.match(against[0]!.signer ?? '', /^[0-9a-f]{64}$/);
    assert.equal(against[1]!.signer, against[0]!.signer, 'the same key signed both');
    const other = await generateSigningKey(join(work, 'stranger'));
    const refused = join(work, 'refused');
    const bad = await runFerry(['bundle', ref('test/app:2.0'), '--have', v1Dir, '--trust', other.publicKeyFile, '-o', refused, '--insecure-registry', source.host, '--no-cache'], { env });
    assert.equal(bad.code, 1, bad.stdout);
    assert.match(bad.stderr, /given for what the offline side holds, is not trusted/);
    assert.ok(!existsSync(refused), 'nothing written');
    const inventory = await runFerry(['bundle', ref('test/app:2.0'), '--have', inventoryFile, '--trust', other.publicKeyFile, '-o', refused, '--insecure-registry', source.host, '--no-cache'], { env });
    assert.equal(inventory.code, 1, inventory.stdout);
    assert.match(inventory.stderr, /Inventory .*inventory\.json is not trusted: it is signed by key [0-9a-f]+…, which is not among the trusted keys/);
    const unsigned = await runFerry(['bundle', ref('test/app:2.0'), '--have', join(work, 'unsigned-inventory.json'), '--trust', trusted, '-o', refused, '--insecure-registry', source.host, '--no-cache'], { env });
    assert.equal(unsigned.code, 1, unsigned.stdout);
    assert.match(unsigned.stderr, /unsigned-inventory\.json is not trusted: it has no signature/);
    assert.ok(!existsSync(refused), 'nothing written');
  });
});
