// makeInventory against a real docker-registry (distribution 2.8) holding more than 100 repositories: the catalog and
// tag lists paginated (small pages, `n` passed, `Link` followed), every manifest and blob with its repositories,
// foreign layers left out, deterministic bytes, a prefix, one token per repository, cancellation.
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Inventory } from '../../../shared/inventory.js';
import type { ProgressEvent } from '../../../shared/progress.js';
import {
  buildSingleImage,
  makeLayer,
  makeTempDir,
  pushImage,
  removeDir,
  seedManyRepositories,
  seedTestImages,
  startFaultProxy,
  startRegistry,
  type FaultProxy,
  type RegistryHandle,
  type SeededTestImages,
} from '../../../e2e/harness/index.js';
import { isAbortError } from '../errors/ferry-error.js';
import { mapLimit } from '../util/map-limit.js';
import { makeInventory } from './make-inventory.js';
import { parseInventory } from './read-inventory.js';

const MANY = 120;
const OWN = 8;
const APP_TAGS = 25;
const TOTAL = MANY + OWN + 1 + 4;
let registry: RegistryHandle;
let proxy: FaultProxy;
let seeded: SeededTestImages;
let work: string;
/** For each own/oNN: the digests of its config, its own layer and its manifest. */
const own = new Map<string, { config: string; layer: string; manifest: string }>();
let baseDigest = '';
let shared = { config: '', manifest: '' };
let seedSeconds = 0;

before(async () => {
  const started = performance.now();
  work = await makeTempDir('inventory-registry');
  registry = await startRegistry();
  seeded = await seedTestImages(registry);
  const base = await makeLayer({ 'etc/os-release': 'ID=ferry-inventory-base\n' });
  baseDigest = base.digest;
  // >100 repositories through the registry API, 8 at once: one image pushed once, then mounted (uploads are what is slow)
  const image = buildSingleImage('oci', { os: 'linux', architecture: 'amd64' }, [base]);
  shared = { config: image.platforms[0]!.config.digest, manifest: image.manifest.digest };
  await seedManyRepositories(registry, MANY, { prefix: 'many', tag: '1', image });
  // a few with a layer of their own on the shared base
  await mapLimit(
    Array.from({ length: OWN }, (_, i) => `own/o${String(i).padStart(2, '0')}`),
    8,
    async (repo) => {
      const layer = await makeLayer({ 'app/name.txt': `${repo}\n` });
      const ownImage = buildSingleImage('oci', { os: 'linux', architecture: 'amd64' }, [base, layer]);
      await pushImage(registry, repo, '1', ownImage);
      own.set(repo, { config: ownImage.platforms[0]!.config.digest, layer: layer.digest, manifest: ownImage.manifest.digest });
    },
  );
  // one repository with many tags (two images): the tag list paginates too
  const a = buildSingleImage('docker', { os: 'linux', architecture: 'amd64' }, [await makeLayer({ 'a.txt': 'a\n' })]);
  const b = buildSingleImage('docker', { os: 'linux', architecture: 'arm64' }, [await makeLayer({ 'b.txt': 'b\n' })]);
  for (let i = 0; i < APP_TAGS; i++) await pushImage(registry, 'team/app', `t${String(i).padStart(2, '0')}`, i % 2 === 0 ? a : b);
  proxy = await startFaultProxy(registry.url);
  seedSeconds = (performance.now() - started) / 1000;
});

after(async () => {
  await proxy?.stop();
  await registry?.stop();
  if (work) await removeDir(work);
});

const repoIndex = (inventory: Inventory, name: string): number => inventory.repositories.findIndex((r) => r.name === name);
const withoutCreated = (text: string): string => text.replace(/"created": "[^"]*"/, '"created": ""');

describe('ferry inventory --from a registry', () => {
  test(`${TOTAL} repositories in pages of 7: every repository, tag, manifest and blob, with the repositories holding each`, async () => {
    console.log(`seeded ${TOTAL} repositories in ${seedSeconds.toFixed(1)} s`);
    const output = join(work, 'registry.json');
    const events: ProgressEvent[] = [];
    const started = performance.now();
    const result = await makeInventory(
      { from: [proxy.host], output, registry: { insecureRegistries: [proxy.host] }, pageSize: 7 },
      { onProgress: (e) => events.push(e) },
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(`inventory of ${result.counts.repositories} repositories, ${result.counts.tags} tags, ${result.counts.blobs} blobs in ${seconds.toFixed(2)} s`);
    assert.ok(seconds < 20, `fast: ${seconds} s`);

    // the catalog was read page by page, each asking for n=7, following Link
    const catalog = proxy.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v2/_catalog'));
    assert.ok(catalog.length >= Math.ceil((TOTAL) / 7), `catalog pages: ${catalog.length}`);
    assert.ok(catalog.every((r) => /[?&]n=7(?:&|$)/.test(r.path)), catalog.map((r) => r.path).join('\n'));
    assert.ok(catalog.some((r) => r.path.includes('last=')), 'the next pages continue after the last name');
    assert.ok(proxy.requests.some((r) => r.path.startsWith('/v2/team/app/tags/list') && r.path.includes('n=7')));

    const text = await readFile(output, 'utf8');
    const inventory = parseInventory(Buffer.from(text), output);
    assert.equal(text, `${JSON.stringify(inventory, null, 2)}\n`);
    assert.deepEqual(inventory.sources, [{ kind: 'registry', registry: proxy.host }]);
    assert.equal(inventory.repositories.length, TOTAL);
    assert.ok(inventory.repositories.every((r) => r.registry === proxy.host));
    const names = inventory.repositories.map((r) => r.name);
    assert.deepEqual(names, [...names].sort());
    assert.equal(result.counts.repositories, TOTAL);

    // own/o03: its tag, its manifest, its own layer and config held by it alone; the base layer by all the many and own
    const o3 = inventory.repositories[repoIndex(inventory, 'own/o03')]!;
    assert.deepEqual(o3.tags, { '1': own.get('own/o03')!.manifest });
    assert.deepEqual(o3.manifests, [own.get('own/o03')!.manifest]);
    const blob = (digest: string): Inventory['blobs'][number] => {
      const found = inventory.blobs.find((b) => b.digest === digest);
      assert.ok(found, `blob ${digest} listed`);
      return found;
    };
    assert.deepEqual(blob(own.get('own/o03')!.layer).repositories, [repoIndex(inventory, 'own/o03')]);
    assert.deepEqual(blob(own.get('own/o03')!.config).repositories, [repoIndex(inventory, 'own/o03')]);
    const base = blob(baseDigest).repositories;
    assert.equal(base.length, MANY + OWN);
    assert.deepEqual(base, [...base].sort((x, y) => x - y));
    assert.equal(blob(shared.config).repositories.length, MANY);
    assert.deepEqual(inventory.repositories[repoIndex(inventory, 'many/r119')]!.tags, { '1': shared.manifest });

    // every tag of team/app, across pages
    const app = inventory.repositories[repoIndex(inventory, 'team/app')]!;
    assert.equal(Object.keys(app.tags).length, APP_TAGS);
    assert.equal(app.manifests.length, 2);

    // an index: its platform manifests and their blobs; the shared base layer of test/multi and test/shared
    const multi = inventory.repositories[repoIndex(inventory, 'test/multi')]!;
    assert.deepEqual(multi.tags, { '1': seeded.multi.digest });
    assert.deepEqual(multi.manifests, [...seeded.multi.manifestDigests].sort());
    for (const d of seeded.multi.registryBlobDigests) assert.ok(blob(d).repositories.includes(repoIndex(inventory, 'test/multi')));
    assert.deepEqual(blob(seeded.baseLayer.digest).repositories, [repoIndex(inventory, 'test/multi'), repoIndex(inventory, 'test/shared')].sort((x, y) => x - y));
    // foreign (non-distributable) layers are not held by the registry: left out
    for (const d of seeded.windows.foreignBlobDigests) assert.ok(!inventory.blobs.some((b) => b.digest === d), `foreign ${d} left out`);
    for (const d of seeded.windows.registryBlobDigests) assert.ok(blob(d).repositories.includes(repoIndex(inventory, 'test/windows')));
    for (const b of inventory.blobs) assert.ok(b.size > 0);

    // progress: one item per repository, in the resolve phase
    assert.equal(events.filter((e) => e.kind === 'item-end' && e.phase === 'resolve').length, TOTAL);
    assert.ok(events.some((e) => e.kind === 'phase-start' && e.phase === 'resolve' && e.totalItems === TOTAL));
  });

  test('deterministic: two runs give the same bytes but for created; a prefix lists only the repositories under it', async () => {
    const one = join(work, 'one.json');
    const two = join(work, 'two.json');
    const opts = { from: [registry.host], registry: { insecureRegistries: [registry.host] }, concurrency: 3 };
    await makeInventory({ ...opts, output: one });
    await makeInventory({ ...opts, output: two, concurrency: 16, pageSize: 13 });
    const [a, b] = [await readFile(one, 'utf8'), await readFile(two, 'utf8')];
    assert.notEqual(a, '');
    assert.equal(withoutCreated(a), withoutCreated(b));

    const prefixed = join(work, 'prefixed.json');
    const result = await makeInventory({ from: [`${registry.host}/many`], output: prefixed, registry: { insecureRegistries: [registry.host] } });
    assert.equal(result.counts.repositories, MANY);
    assert.ok(result.inventory.repositories.every((r) => r.name.startsWith('many/')));
    assert.deepEqual(result.inventory.sources, [{ kind: 'registry', registry: registry.host, prefix: 'many' }]);
    // the 120 repositories hold one config and the base layer between them
    assert.equal(result.counts.blobs, 2);
    assert.deepEqual(result.inventory.blobs.map((b) => b.repositories.length), [MANY, MANY]);
  });

  test('a registry without a catalog: the repository named by the prefix is listed alone, with a warning', async () => {
    proxy.handler = async (_req, res, ctx) => {
      if (ctx.path.startsWith('/v2/_catalog')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"errors":[{"code":"UNSUPPORTED","message":"no catalog here"}]}');
      } else await ctx.forward();
    };
    try {
      const warnings: string[] = [];
      const result = await makeInventory(
        { from: [`${proxy.host}/test/multi`], output: join(work, 'no-catalog.json'), registry: { insecureRegistries: [proxy.host] } },
        { onProgress: (e) => e.kind === 'warning' && warnings.push(e.message) },
      );
      assert.deepEqual(result.inventory.repositories.map((r) => r.name), ['test/multi']);
      assert.deepEqual(result.inventory.repositories[0]!.tags, { '1': seeded.multi.digest });
      assert.match(warnings.join('\n'), /does not offer the catalog of .* \(HTTP 404\).*only the repository .*\/test\/multi itself is listed/);
      await assert.rejects(makeInventory({ from: [proxy.host], output: join(work, 'no-catalog-2.json'), registry: { insecureRegistries: [proxy.host] } }), /does not offer the catalog/);
    } finally {
      proxy.handler = undefined;
    }
  });

  test('tag lists follow Link too (distribution 2.8 sends every tag at once, so a proxy pages them); a next page elsewhere is refused', async () => {
    const tags = Array.from({ length: APP_TAGS }, (_, i) => `t${String(i).padStart(2, '0')}`);
    let elsewhere = false;
    proxy.handler = async (_req, res, ctx) => {
      if (!ctx.path.startsWith('/v2/team/app/tags/list')) return ctx.forward();
      const first = !ctx.path.includes('last=');
      const link = elsewhere ? '<http://127.0.0.1:9/v2/team/app/tags/list?last=t12>; rel="next"' : '</v2/team/app/tags/list?n=13&last=t12>; rel="next"';
      res.writeHead(200, { 'content-type': 'application/json', ...(first ? { link } : {}) });
      res.end(JSON.stringify({ name: 'team/app', tags: first ? tags.slice(0, 13) : tags.slice(13) }));
    };
    try {
      proxy.reset();
      const result = await makeInventory({ from: [`${proxy.host}/team/app`], output: join(work, 'paged-tags.json'), registry: { insecureRegistries: [proxy.host] } });
      assert.equal(Object.keys(result.inventory.repositories[0]!.tags).length, APP_TAGS);
      assert.equal(proxy.requests.filter((r) => r.path.startsWith('/v2/team/app/tags/list')).length, 2);
      elsewhere = true;
      await assert.rejects(
        makeInventory({ from: [`${proxy.host}/team/app`], output: join(work, 'elsewhere.json'), registry: { insecureRegistries: [proxy.host] } }),
        /named the next page of the tags of .*team\/app on another server \(http:\/\/127\.0\.0\.1:9\); Ferry does not follow it/,
      );
    } finally {
      proxy.handler = undefined;
    }
  });

  test('cancelled after the first repository: an abort error, and no inventory file', async () => {
    const output = join(work, 'cancelled.json');
    const controller = new AbortController();
    await assert.rejects(
      makeInventory(
        { from: [registry.host], output, registry: { insecureRegistries: [registry.host] }, concurrency: 2 },
        { signal: controller.signal, onProgress: (e) => e.kind === 'item-end' && controller.abort() },
      ),
      (error) => isAbortError(error),
    );
    await assert.rejects(stat(output), { code: 'ENOENT' });
  });
});

describe('ferry inventory --from a registry with token auth', () => {
  let tokenRegistry: RegistryHandle;
  before(async () => {
    // the same storage, served behind Bearer tokens
    tokenRegistry = await startRegistry({ auth: 'token', rootDir: registry.rootDir });
  });
  after(() => tokenRegistry?.stop());

  test('one token for the catalog and one per repository, however many tags and manifests', async () => {
    const before = tokenRegistry.tokenServer!.tokenRequests;
    const started = performance.now();
    const result = await makeInventory({
      from: [tokenRegistry.host],
      output: join(work, 'token.json'),
      registry: { insecureRegistries: [tokenRegistry.host], credentials: async () => ({ username: tokenRegistry.username!, password: tokenRegistry.password! }) },
    });
    const tokens = tokenRegistry.tokenServer!.tokenRequests - before;
    console.log(`token registry: ${result.counts.repositories} repositories, ${tokens} tokens, ${((performance.now() - started) / 1000).toFixed(2)} s`);
    assert.equal(result.counts.repositories, TOTAL);
    assert.ok(tokens <= TOTAL + 1, `${tokens} tokens for ${TOTAL} repositories`);
    const scopes = tokenRegistry.tokenServer!.requests.flatMap((r) => r.scopes);
    assert.ok(scopes.includes('registry:catalog:*'), 'the catalog asked for its own scope');
  });
});
