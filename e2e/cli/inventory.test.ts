// `ferry inventory` and `ferry import --inventory` end to end: the real CLI as a child process, a real bundle, a real
// docker-registry and a throwaway containerd. What an import records must equal what listing the target finds.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import type { Inventory } from '../../shared/inventory.js';
import { checkInventorySignature, readInventory } from '../../electron/engine/index.js';
import { makeTestBundle, startContainerd, startRegistry, type ContainerdHandle, type RegistryHandle, type TestBundle } from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';

let bundle: TestBundle;
let registry: RegistryHandle;
let containerd: ContainerdHandle;
let env: NodeJS.ProcessEnv;

before(async () => {
  [bundle, registry, containerd] = await Promise.all([makeTestBundle(), startRegistry(), startContainerd()]);
  mkdirSync(join(bundle.work, 'home'));
  env = { HOME: join(bundle.work, 'home'), DOCKER_CONFIG: join(bundle.work, 'home', '.docker'), XDG_RUNTIME_DIR: join(bundle.work, 'home'), REGISTRY_AUTH_FILE: '' };
});
after(async () => {
  await containerd?.stop();
  await registry?.stop();
  await bundle?.cleanup();
});

const read = (file: string): Inventory => JSON.parse(readFileSync(file, 'utf8')) as Inventory;
const ferry = (args: string[]): ReturnType<typeof runFerry> => runFerry(args, { env });
/** `--report` into the work folder: an import never writes into the checkout. */
let reports = 0;
const report = (): string[] => ['--report', join(bundle.work, `report-${++reports}.json`)];

/** An inventory's facts with repository indices replaced by names: what two inventories of the same content share. */
function facts(inventory: Inventory): unknown {
  const names = inventory.repositories.map((r) => `${r.registry ?? ''}/${r.name}`);
  return {
    repositories: inventory.repositories.map((r) => ({ name: `${r.registry ?? ''}/${r.name}`, tags: r.tags, manifests: r.manifests })),
    blobs: inventory.blobs.map((b) => ({ digest: b.digest, size: b.size, repositories: b.repositories.map((i) => names[i]) })),
  };
}

/** The config and layer blobs of the bundle (not its manifests). */
function bundleLayers(): Map<string, number> {
  const manifests = new Set(bundle.manifest.images.flatMap((i) => [i.digest, ...i.manifests.map((m) => m.digest)]));
  return new Map(bundle.manifest.blobs.filter((b) => !manifests.has(b.digest)).map((b) => [b.digest, b.size]));
}

/** The last JSON line of stdout. */
const lastJson = (stdout: string): Record<string, unknown> => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;

describe('ferry inventory --from-bundle', () => {
  test('repositories are the images\' sources, blobs every config and layer with the repositories needing it; signed with --sign-key', async () => {
    assert.equal((await ferry(['keygen', '--out', join(bundle.work, 'officer')])).code, 0);
    const file = join(bundle.work, 'from-bundle.json');
    const r = await ferry(['inventory', '--from-bundle', bundle.dir, '-o', file, '--sign-key', join(bundle.work, 'officer.key')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Wrote inventory .*from-bundle\.json: 3 repositories, 3 tag\(s\), \d+ manifest\(s\), \d+ blob\(s\) .*; signed by key [a-f0-9]{16}/);
    const inventory = read(file);
    const bundleSha256 = createHash('sha256').update(readFileSync(join(bundle.dir, 'bundle.json'))).digest('hex');
    assert.deepEqual(inventory.sources, [{ kind: 'bundle', bundleId: bundle.manifest.id, bundleSha256 }]);
    for (const image of bundle.manifest.images) {
      const repo = inventory.repositories.find((x) => x.name === image.repository);
      assert.ok(repo, image.repository);
      assert.equal(repo.registry, image.registry);
      assert.deepEqual(repo.tags, { [image.tag!]: image.digest });
      for (const m of image.manifests) assert.ok(repo.manifests.includes(m.digest));
    }
    const layers = bundleLayers();
    assert.deepEqual(new Map(inventory.blobs.map((b) => [b.digest, b.size])), layers);
    assert.ok(inventory.blobs.every((b) => b.repositories.length > 0), 'the archive tells which repository holds each blob');
    const shared = inventory.blobs.filter((b) => b.repositories.length === 2);
    assert.equal(shared.length, 1, 'test/multi and test/shared share one base layer');

    // the connected side checks it
    const checked = await checkInventorySignature(await readInventory(file), [join(bundle.work, 'officer.pub')]);
    assert.equal(checked.file, `${file}.sig`);
  });

  test('bundle.json alone still counts (blobs without their repositories, with a warning); --json', async () => {
    const only = join(bundle.work, 'only-json');
    mkdirSync(only);
    copyFileSync(join(bundle.dir, 'bundle.json'), join(only, 'bundle.json'));
    const file = join(bundle.work, 'from-json.json');
    const r = await ferry(['inventory', '--from-bundle', join(only, 'bundle.json'), '-o', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /"kind":"warning".*cannot be read.*without their repositories/);
    const result = lastJson(r.stdout);
    assert.equal(result.type, 'result');
    assert.equal((result.counts as { repositories: number }).repositories, 3);
    const inventory = read(file);
    assert.deepEqual(new Map(inventory.blobs.map((b) => [b.digest, b.size])), bundleLayers());
    assert.ok(inventory.blobs.every((b) => b.repositories.length === 0));
  });
});

describe('ferry import --to … --inventory', () => {
  test('creates the inventory, then updates it; what it records equals what ferry inventory --from finds in the registry', async () => {
    const file = join(bundle.work, 'offline.json');
    const first = await ferry(['import', bundle.dir, ...report(), '--to', `${registry.host}/mirror`, '--insecure-registry', registry.host, '--inventory', file, '--json']);
    assert.equal(first.code, 0, first.stderr);
    const result = lastJson(first.stdout) as { inventory: { file: string; counts: { repositories: number } } };
    assert.equal(result.inventory.file, file);
    assert.equal(result.inventory.counts.repositories, 3);
    const created = read(file);
    assert.deepEqual(created.repositories.map((r) => `${r.registry}/${r.name}`), ['mirror/test/multi', 'mirror/test/shared', 'mirror/test/single'].map((n) => `${registry.host}/${n}`));
    assert.deepEqual(created.sources, [{ kind: 'registry', registry: registry.host }]);

    const listed = join(bundle.work, 'listed-mirror.json');
    const l1 = await ferry(['inventory', '--from', `${registry.host}/mirror`, '--insecure-registry', registry.host, '-o', listed]);
    assert.equal(l1.code, 0, l1.stderr);
    assert.deepEqual(facts(created), facts(read(listed)), 'the import recorded exactly what the registry now holds');

    // a second import elsewhere: the old content stays, the new is added
    const second = await ferry(['import', bundle.dir, ...report(), '--to', `${registry.host}/second`, '--insecure-registry', registry.host, '--inventory', file]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Inventory .*offline\.json: 6 repositories/);
    const updated = read(file);
    assert.equal(updated.repositories.length, 6);
    const all = join(bundle.work, 'listed-all.json');
    assert.equal((await ferry(['inventory', '--from', registry.host, '--insecure-registry', registry.host, '-o', all])).code, 0);
    assert.deepEqual(facts(updated), facts(read(all)));
  });

  test('an existing file that is not an inventory: exit 1 naming it, and nothing is pushed', async () => {
    const file = join(bundle.work, 'hostile.json');
    writeFileSync(file, JSON.stringify({ schemaVersion: 9, mediaType: 'application/vnd.ferry.inventory.v1+json' }));
    const r = await ferry(['import', bundle.dir, ...report(), '--to', `${registry.host}/never`, '--insecure-registry', registry.host, '--inventory', file]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /Inventory .*hostile\.json has schema 9; this Ferry reads inventory schema 1: use a newer Ferry; it is not updated/);
    const res = await request(`${registry.url}/v2/_catalog`, { dispatcher: registry.dispatcher });
    const repositories = ((await res.body.json()) as { repositories: string[] }).repositories;
    assert.ok(!repositories.some((n) => n.startsWith('never/')), 'nothing pushed');
    assert.equal((await ferry(['import', bundle.dir, ...report(), '--to', registry.host, '--dry-run', '--inventory', file])).code, 2);
  });
});

describe('ferry import --to-containerd --inventory, and ferry inventory --from-containerd', () => {
  test('the import records a containerd source; listing containerd finds the same images and blobs', async () => {
    const file = join(bundle.work, 'containerd.json');
    const r = await ferry(['import', bundle.dir, ...report(), '--to-containerd', '--address', containerd.address, '--namespace', 'inv', '--inventory', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Inventory .*containerd\.json: 3 repositories/);
    const recorded = read(file);
    assert.deepEqual(recorded.sources, [{ kind: 'containerd', namespace: 'inv' }]);
    assert.deepEqual(new Map(recorded.blobs.map((b) => [b.digest, b.size])), bundleLayers());

    const listed = join(bundle.work, 'listed-containerd.json');
    const l = await ferry(['inventory', '--from-containerd', '--address', containerd.address, '--namespace', 'inv', '-o', listed, '--json']);
    assert.equal(l.code, 0, l.stderr);
    assert.deepEqual(facts(read(listed)), facts(recorded));
    for (const image of bundle.manifest.images) {
      const repo = recorded.repositories.find((x) => `${x.registry}/${x.name}:${image.tag}` === image.reference);
      assert.ok(repo, image.reference);
    }
  });

  test('usage: no source, a bad --from, --address without --from-containerd are exit 2; a missing ctr is named', async () => {
    const out = join(bundle.work, 'x.json');
    const none = await ferry(['inventory', '-o', out]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Nothing to list: give --from/);
    const bad = await ferry(['inventory', '--from', 'nginx', '-o', out]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--from "nginx": it does not start with a registry host/);
    assert.equal((await ferry(['inventory', '--from-bundle', bundle.dir, '--address', '/x', '-o', out])).code, 2);
    const noCtr = await runFerry(['inventory', '--from-containerd', '-o', out], { env: { ...env, PATH: join(bundle.work, 'empty') } });
    assert.equal(noCtr.code, 1);
    assert.match(noCtr.stderr, /ctr \(containerd's command-line client\) was not found on PATH/);
    assert.ok(!existsSync(out));
  });
});
