import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createApiHost } from '../../electron/engine/api/api-host.js';
import { planDeltaView } from '../../electron/engine/api/delta-handlers.js';
import { InventoryBuilder } from '../../electron/engine/inventory/inventory-builder.js';
import { writeInventory } from '../../electron/engine/inventory/write-inventory.js';
import type { ApiInput, CreateBundleSummary } from '../../shared/api-contract.js';
import { createApiClient } from '../api/api-client.js';
import type { ApiTransport } from '../api/api-transport.js';
import { FIT_MAX_PART, createPrepareStore, deltaPlanOf, fitSplit, registryOf } from './prepare-store.js';

describe('fitSplit', () => {
  test('a FAT-family volume among the chosen ones means fat32 parts', () => {
    assert.equal(fitSplit([{ free: 64e9, fsType: 'ext4' }, { free: 30e9, fsType: 'vfat' }]), 'fat32');
    assert.equal(fitSplit([{ free: 8e9, fsType: 'msdos' }]), 'fat32');
  });
  test('otherwise the smallest free space less room for the small files, capped', () => {
    const part = fitSplit([{ free: 8e9, fsType: 'exfat' }, { free: 2 * 1024 * 1024 }]);
    assert.ok(typeof part === 'number' && part > 1024 * 1024 && part <= 2 * 1024 * 1024, String(part));
    assert.equal(fitSplit([{ free: 4e12, fsType: 'ext4' }]), FIT_MAX_PART);
  });
  test('nothing chosen, or no room, gives no size', () => {
    assert.equal(fitSplit([]), undefined);
    assert.equal(fitSplit([{ free: 1000 }]), undefined);
  });
});

describe('registryOf', () => {
  test('names the registry host of a reference', () => {
    assert.equal(registryOf('127.0.0.1:5000/team/app:1'), '127.0.0.1:5000');
    assert.equal(registryOf('localhost/app'), 'localhost');
    assert.equal(registryOf('library/nginx:1.27'), 'docker.io');
    assert.equal(registryOf('nginx'), 'docker.io');
  });
});

// Charts, files and referrers: the store over a real ApiClient on the real API host (real source.check and
// list.read on real files; the contract validates every input); only bundle.create is replaced, to record
// what the build would send without a registry (e2e/app/prepare-charts.test.ts builds for real).
describe('charts, files and referrers in the Prepare store', () => {
  const made: { dir: string; close: () => Promise<void> }[] = [];
  after(async () => {
    for (const m of made) {
      await m.close();
      await rm(m.dir, { recursive: true, force: true });
    }
  });

  /** A store on a real host whose bundle.create records its (contract-checked) input. */
  async function setUp(): Promise<{ store: ReturnType<typeof createPrepareStore>; dir: string; created: unknown[] }> {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-prepare-store-'));
    const created: unknown[] = [];
    const summary = { dir: join(dir, 'out'), manifest: {}, stats: { blobs: 0, bytes: 0, bytesFromCache: 0, bytesFetched: 0, seconds: 0 } } as unknown as CreateBundleSummary;
    const host = createApiHost({
      handlers: {
        'bundle.create': async (input) => {
          created.push(input);
          return summary;
        },
      },
    });
    made.push({ dir, close: () => host.close() });
    const transport: ApiTransport = {
      async invoke(channel, input) {
        const outcome = await host.invoke(channel, input);
        return outcome.ok ? { result: outcome.result } : { error: outcome.error };
      },
      subscribe: (listener) => host.subscribe(listener),
      ready: async () => undefined,
    };
    return { store: createPrepareStore(createApiClient(transport)), dir, created };
  }

  test('a chart is checked by the host when added: a bad one is refused inline, a good one shows its name and version', async () => {
    const { store } = await setUp();
    store.getState().setChartText('https://charts.example/repo/webapp');
    assert.equal(await store.getState().addChart(), false);
    assert.equal(store.getState().chartError?.code, 'bad-reference');
    assert.match(store.getState().chartError?.message ?? '', /REPO_URL\/NAME@VERSION/);
    assert.deepEqual(store.getState().charts, []);
    store.getState().setChartText(' https://charts.example/repo/webapp@0.1.0 ');
    assert.equal(store.getState().chartError, undefined, 'typing again clears the error');
    assert.equal(await store.getState().addChart(), true);
    store.getState().setChartText('oci://127.0.0.1:5000/charts/ocichart:1.0.0');
    assert.equal(await store.getState().addChart(), true);
    assert.deepEqual(store.getState().charts, [
      { source: 'https://charts.example/repo/webapp@0.1.0', name: 'webapp', version: '0.1.0' },
      { source: 'oci://127.0.0.1:5000/charts/ocichart:1.0.0', name: 'ocichart', version: '1.0.0' },
    ]);
    assert.equal(store.getState().chartText, '', 'the field empties once added');
    store.getState().setChartText('https://charts.example/repo/webapp@0.1.0');
    assert.equal(await store.getState().addChart(), false);
    assert.match(store.getState().chartError?.message ?? '', /already in the list/);
    store.getState().removeChart('https://charts.example/repo/webapp@0.1.0');
    assert.deepEqual(store.getState().charts.map((c) => c.name), ['ocichart']);
  });

  test('a file is checked when added: a missing one is refused, a local one shows its size, two alike names are refused', async () => {
    const { store, dir } = await setUp();
    store.getState().setFileText(join(dir, 'nowhere.txt'));
    assert.equal(await store.getState().addFile(), false);
    assert.equal(store.getState().fileError?.code, 'not-found');
    await writeFile(join(dir, 'notes.txt'), 'x'.repeat(1234));
    store.getState().setFileText(join(dir, 'notes.txt'));
    assert.equal(await store.getState().addFile(), true);
    assert.deepEqual(store.getState().files, [{ source: join(dir, 'notes.txt'), name: 'notes.txt', size: 1234 }]);
    store.getState().setFileText('https://downloads.example/other/notes.txt');
    assert.equal(await store.getState().addFile(), false);
    assert.match(store.getState().fileError?.message ?? '', /both be carried as files\/notes\.txt/);
    store.getState().setFileText('https://downloads.example/tool-1.2.tar.gz');
    assert.equal(await store.getState().addFile(), true);
    assert.deepEqual(store.getState().files.map((f) => f.name), ['notes.txt', 'tool-1.2.tar.gz']);
    store.getState().setFileText('');
    assert.equal(await store.getState().addFile(), false);
    assert.match(store.getState().fileError?.message ?? '', /Type the path/);
  });

  test('loading a YAML list fills images, charts and files; a refused file stays marked and blocks the build until removed', async () => {
    const { store, dir, created } = await setUp();
    await writeFile(join(dir, 'install.sh'), '#!/bin/sh\n');
    await writeFile(
      join(dir, 'list.yaml'),
      ['images:', '  - 127.0.0.1:9/team/app:1', 'charts:', '  - { repo: "https://charts.example/repo", name: webapp, version: 0.1.0 }', '  - oci://127.0.0.1:9/charts/ocichart:1.0.0', 'files:', '  - install.sh', '  - missing.bin', ''].join('\n'),
    );
    store.getState().setListPath(join(dir, 'list.yaml'));
    await store.getState().loadList();
    const s = store.getState();
    assert.deepEqual(s.references, ['127.0.0.1:9/team/app:1']);
    assert.deepEqual(s.charts.map((c) => `${c.name} ${c.version}`), ['webapp 0.1.0', 'ocichart 1.0.0']);
    assert.deepEqual(s.files.map((f) => f.name ?? f.error?.code), ['install.sh', 'not-found']);
    assert.equal(s.files[0]!.source, join(dir, 'install.sh'), 'relative to the list file');
    assert.match(s.listNote ?? '', /Added 1 image, 2 charts and 2 files from/);
    store.getState().setOutputDir(join(dir, 'out'));
    await store.getState().startBuild();
    assert.match(store.getState().optionsError?.message ?? '', /missing\.bin cannot be carried/);
    assert.equal(created.length, 0);
    // loading the same list again adds nothing twice
    await store.getState().loadList();
    assert.equal(store.getState().charts.length, 2);
    assert.equal(store.getState().files.length, 2);
  });

  test('the build sends charts, files and referrers; with no image at all it still builds; nothing at all is refused', async () => {
    const { store, dir, created } = await setUp();
    store.getState().setOutputDir(join(dir, 'out'));
    await store.getState().startBuild();
    assert.match(store.getState().optionsError?.message ?? '', /Add at least one image, chart or file/);
    await writeFile(join(dir, 'notes.txt'), 'notes\n');
    store.getState().setFileText(join(dir, 'notes.txt'));
    await store.getState().addFile();
    store.getState().setChartText('https://charts.example/repo/webapp@0.1.0');
    await store.getState().addChart();
    store.getState().setReferrers(true);
    await store.getState().startBuild();
    assert.equal(store.getState().build.status, 'done', JSON.stringify(store.getState().build));
    assert.deepEqual(created, [{ images: [], outputDir: join(dir, 'out'), charts: ['https://charts.example/repo/webapp@0.1.0'], files: [join(dir, 'notes.txt')], referrers: true }]);
  });

  test('the contract refuses a build with no image, chart or file, and a file path with a NUL byte', async () => {
    const host = createApiHost({});
    try {
      const none = await host.invoke('bundle.create', { images: [], outputDir: '/tmp/x' });
      assert.equal(none.ok, false);
      assert.match(!none.ok ? none.error.message : '', /at least one image, chart or file/);
      const nul = await host.invoke('bundle.create', { images: [], outputDir: '/tmp/x', files: ['a\0b'] });
      assert.equal(nul.ok, false);
      assert.match(!nul.ok ? nul.error.message : '', /files\.0/);
    } finally {
      await host.close();
    }
  });

  test('charts, files and the referrers choice come back after a restart (never a check error)', async () => {
    const saved = new Map<string, string>();
    const g = globalThis as { localStorage?: unknown };
    g.localStorage = { getItem: (k: string) => saved.get(k) ?? null, setItem: (k: string, v: string) => void saved.set(k, v) };
    try {
      const { store, dir } = await setUp();
      await writeFile(join(dir, 'notes.txt'), 'notes\n');
      store.getState().setFileText(join(dir, 'notes.txt'));
      await store.getState().addFile();
      store.getState().setChartText('oci://127.0.0.1:5000/charts/ocichart:1.0.0');
      await store.getState().addChart();
      store.getState().setReferrers(true);
      const again = (await setUp()).store.getState();
      assert.equal(again.restored, true);
      assert.equal(again.referrers, true);
      assert.deepEqual(again.charts, [{ source: 'oci://127.0.0.1:5000/charts/ocichart:1.0.0', name: 'ocichart', version: '1.0.0' }]);
      assert.deepEqual(again.files, [{ source: join(dir, 'notes.txt'), name: 'notes.txt', size: 6 }]);
    } finally {
      delete g.localStorage;
    }
  });
});

// "Only carry what the offline side lacks": holdings read by the real host (real inventory files, the engine's reader),
// the plan asked again when rows, platforms or holdings change, and `have` sent with the build. Only image.resolve,
// the per-image part of bundle.planDelta and bundle.create are replaced (no registry here; e2e/app/delta.test.ts
// plans and builds for real).
describe('holdings and the delta plan in the Prepare store', () => {
  const made: { dir: string; close: () => Promise<void> }[] = [];
  after(async () => {
    for (const m of made) {
      await m.close();
      await rm(m.dir, { recursive: true, force: true });
    }
  });

  const digest = (c: string): string => `sha256:${c.repeat(64)}`;

  /** An inventory of one repository (a tag, its manifest, two blobs), written by the engine's writer. */
  async function inventoryFile(path: string): Promise<void> {
    const builder = new InventoryBuilder();
    builder.addSource({ kind: 'registry', registry: 'registry.local:5000' });
    const key = builder.addRepository({ registry: 'registry.local:5000', name: 'mirror/team/app' });
    builder.addManifest(key, digest('a'));
    builder.addTag(key, '1.0', digest('a'));
    builder.addBlob(digest('b'), 100, key);
    builder.addBlob(digest('c'), 2000, key);
    await writeInventory(path, builder.build());
  }

  async function setUp(): Promise<{ store: ReturnType<typeof createPrepareStore>; dir: string; plans: ApiInput<'bundle.planDelta'>[]; created: unknown[] }> {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-prepare-delta-'));
    const plans: ApiInput<'bundle.planDelta'>[] = [];
    const created: unknown[] = [];
    const summary = { dir: join(dir, 'out'), manifest: {}, stats: { blobs: 0, bytes: 0, bytesFromCache: 0, bytesFetched: 0, seconds: 0, blobsOmitted: 0, bytesOmitted: 0 } } as unknown as CreateBundleSummary;
    const host = createApiHost({
      handlers: {
        'image.resolve': async ({ reference }) => ({ reference, digest: digest('d'), mediaType: 'application/vnd.oci.image.manifest.v1+json', platforms: ['linux/amd64', 'linux/arm64'], compressedSize: 3000, foreignSize: 0 }),
        'bundle.planDelta': async (input) => {
          plans.push(input);
          const read = await planDeltaView({ ...input, images: [] }, undefined);
          const images = (input.images ?? []).map(({ reference }) => ({ reference, totalBytes: 3000, newBytes: 1000, blobs: 3, newBlobs: 1 }));
          return { ...read, images, totalBytes: 3000 * images.length, newBytes: 1000 * images.length, heldBytes: 2000, heldBlobs: 1 };
        },
        'bundle.create': async (input) => {
          created.push(input);
          return summary;
        },
      },
    });
    made.push({ dir, close: () => host.close() });
    const transport: ApiTransport = {
      async invoke(channel, input) {
        const outcome = await host.invoke(channel, input);
        return outcome.ok ? { result: outcome.result } : { error: outcome.error };
      },
      subscribe: (listener) => host.subscribe(listener),
      ready: async () => undefined,
    };
    return { store: createPrepareStore(createApiClient(transport)), dir, plans, created };
  }

  /** Waits until `check` holds (the plan is debounced). */
  async function until(check: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(check(), what);
  }

  test('an inventory is read by the host when added (a missing path or a bad file is refused inline); the same one twice is refused; Remove takes it out', async () => {
    const { store, dir } = await setUp();
    const s = store.getState;
    assert.equal(await s().addHave(), false);
    assert.match(s().haveError?.message ?? '', /Type the path of an inventory file/);
    s().setHaveText(join(dir, 'nowhere.json'));
    assert.equal(s().haveError, undefined, 'typing clears the error');
    assert.equal(await s().addHave(), false);
    assert.match(s().haveError?.message ?? '', /does not exist/);
    await writeFile(join(dir, 'bad.json'), '{"schemaVersion": 2}');
    s().setHaveText(join(dir, 'bad.json'));
    assert.equal(await s().addHave(), false);
    assert.match(s().haveError?.message ?? '', /schema 2/);
    await inventoryFile(join(dir, 'inventory.json'));
    s().setHaveText(` ${join(dir, 'inventory.json')} `);
    assert.equal(await s().addHave(), true);
    assert.equal(s().haveText, '', 'the field empties once added');
    const [held] = s().have;
    assert.equal(held?.path, join(dir, 'inventory.json'));
    assert.equal(held?.kind, 'inventory');
    assert.equal(held?.blobs, 2);
    assert.match(held?.sha256 ?? '', /^[0-9a-f]{64}$/);
    s().setHaveText(join(dir, 'inventory.json'));
    assert.equal(await s().addHave(), false);
    assert.match(s().haveError?.message ?? '', /already in the list/);
    await writeFile(join(dir, 'copy.json'), await readFile(join(dir, 'inventory.json')));
    s().setHaveText(join(dir, 'copy.json'));
    assert.equal(await s().addHave(), false);
    assert.match(s().haveError?.message ?? '', /is the same inventory as/);
    s().removeHave(join(dir, 'inventory.json'));
    assert.deepEqual(s().have, []);
  });

  test('with holdings, resolved rows are planned (their platforms, the signing key), again when platforms change; the build sends have and the key', async () => {
    const { store, dir, plans, created } = await setUp();
    const s = store.getState;
    s().setListText('registry.local:5000/team/app:2.0\nregistry.local:5000/team/tool:2.1\n');
    await until(() => s().references.every((r) => s().resolutions[r]?.status === 'ok'), 'rows resolved');
    // no holdings: nothing is planned
    await new Promise((r) => setTimeout(r, 350));
    assert.equal(plans.length, 0);
    assert.equal(s().deltaPlan.status, 'idle');
    await inventoryFile(join(dir, 'inventory.json'));
    s().setHaveText(join(dir, 'inventory.json'));
    await s().addHave();
    await until(() => s().deltaPlan.status === 'done', 'the plan after adding holdings');
    const planned = plans.at(-1)!;
    assert.deepEqual(planned.have, [join(dir, 'inventory.json')]);
    assert.deepEqual(planned.images, [{ reference: 'registry.local:5000/team/app:2.0' }, { reference: 'registry.local:5000/team/tool:2.1' }]);
    const plan = deltaPlanOf(s().deltaPlan)!;
    assert.deepEqual(plan.images.map((i) => ('newBytes' in i ? i.newBytes : -1)), [1000, 1000]);
    assert.equal(plan.bases[0]?.kind, 'inventory');
    // a platform chosen, and one image's own: the plan follows what the build would carry
    const before = plans.length;
    s().toggleDefaultPlatform('linux/amd64');
    s().setOverride('registry.local:5000/team/tool:2.1', ['linux/arm64']);
    await until(() => plans.length > before && s().deltaPlan.status === 'done', 'a new plan after the platforms changed');
    assert.deepEqual(plans.at(-1)!.images, [
      { reference: 'registry.local:5000/team/app:2.0', platforms: ['linux/amd64'] },
      { reference: 'registry.local:5000/team/tool:2.1', platforms: ['linux/arm64'] },
    ]);
    s().setHaveKey(' /keys/site.pub ');
    await until(() => (plans.at(-1)!.trustedKeys ?? []).length > 0, 'the key goes with the plan');
    assert.deepEqual(plans.at(-1)!.trustedKeys, ['/keys/site.pub']);
    s().setOutputDir(join(dir, 'out'));
    await s().startBuild();
    assert.equal(s().build.status, 'done');
    const input = created[0] as { have?: string[]; trustedKeys?: string[] };
    assert.deepEqual(input.have, [join(dir, 'inventory.json')]);
    assert.deepEqual(input.trustedKeys, ['/keys/site.pub']);
    // every holding removed: no plan, a complete bundle
    s().removeHave(join(dir, 'inventory.json'));
    assert.equal(s().deltaPlan.status, 'idle');
    await s().startBuild();
    const second = created[1] as { have?: string[]; trustedKeys?: string[] };
    assert.equal(second.have, undefined);
    assert.equal(second.trustedKeys, undefined, 'a key without holdings is not sent');
  });

  test('holdings and the key come back after a restart', async () => {
    const saved = new Map<string, string>();
    const g = globalThis as { localStorage?: unknown };
    g.localStorage = { getItem: (k: string) => saved.get(k) ?? null, setItem: (k: string, v: string) => void saved.set(k, v) };
    try {
      const { store, dir } = await setUp();
      await inventoryFile(join(dir, 'inventory.json'));
      store.getState().setHaveText(join(dir, 'inventory.json'));
      await store.getState().addHave();
      store.getState().setHaveKey('/keys/site.pub');
      const again = (await setUp()).store.getState();
      assert.equal(again.restored, true);
      assert.deepEqual(
        again.have.map((h) => [h.path, h.kind, h.blobs]),
        [[join(dir, 'inventory.json'), 'inventory', 2]],
      );
      assert.equal(again.haveKey, '/keys/site.pub');
    } finally {
      delete g.localStorage;
    }
  });

  test('the contract: have paths are user paths (no NUL byte); trusted keys need holdings', async () => {
    const host = createApiHost({});
    try {
      const nul = await host.invoke('bundle.create', { images: ['a:1'], outputDir: '/tmp/x', have: ['inv\0.json'] });
      assert.equal(nul.ok, false);
      assert.match(!nul.ok ? nul.error.message : '', /have\.0/);
      const keyAlone = await host.invoke('bundle.create', { images: ['a:1'], outputDir: '/tmp/x', trustedKeys: ['/k.pub'] });
      assert.match(!keyAlone.ok ? keyAlone.error.message : '', /trusted keys check what have gives/);
      const none = await host.invoke('bundle.planDelta', { have: [] });
      assert.match(!none.ok ? none.error.message : '', /at least one inventory or old bundle folder/);
    } finally {
      await host.close();
    }
  });
});
