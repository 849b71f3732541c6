// "Only carry what the offline side lacks": holdings read by the real host (real inventory files, the engine's reader),
// the plan asked again (after a pause, on mocked timers) when rows, platforms or holdings change, and `have` sent with
// the build. Only image.resolve, the per-image part of bundle.planDelta and bundle.create are replaced (no registry
// here; e2e/app/delta.test.ts plans and builds for real).
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { createApiHost } from '../../../electron/engine/api/api-host.js';
import { planDeltaView } from '../../../electron/engine/api/delta-handlers.js';
import { InventoryBuilder } from '../../../electron/engine/inventory/inventory-builder.js';
import { writeInventory } from '../../../electron/engine/inventory/write-inventory.js';
import type { ApiInput, CreateBundleSummary } from '../../../shared/api-contract.js';
import { createPrepareStore, deltaPlanOf } from '../prepare-store.js';
import { digestOf, prepareRig, resolveAtOnce, settle, whenState, type PrepareTestRig } from './prepare-test-support.js';

const rigs: PrepareTestRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

/** An inventory of one repository (a tag, its manifest, two blobs), written by the engine's writer. */
async function inventoryFile(path: string): Promise<void> {
  const builder = new InventoryBuilder();
  builder.addSource({ kind: 'registry', registry: 'registry.local:5000' });
  const key = builder.addRepository({ registry: 'registry.local:5000', name: 'mirror/team/app' });
  builder.addManifest(key, digestOf('a'));
  builder.addTag(key, '1.0', digestOf('a'));
  builder.addBlob(digestOf('b'), 100, key);
  builder.addBlob(digestOf('c'), 2000, key);
  await writeInventory(path, builder.build());
}

async function setUp(): Promise<PrepareTestRig & { plans: ApiInput<'bundle.planDelta'>[]; created: unknown[] }> {
  const plans: ApiInput<'bundle.planDelta'>[] = [];
  const created: unknown[] = [];
  let dir = '';
  const r = await prepareRig({
    ...resolveAtOnce({ 'registry.local:5000/team/app:2.0': ['linux/amd64', 'linux/arm64'], 'registry.local:5000/team/tool:2.1': ['linux/amd64', 'linux/arm64'] }),
    'bundle.planDelta': async (input) => {
      plans.push(input);
      const read = await planDeltaView({ ...input, images: [] }, undefined);
      const images = (input.images ?? []).map(({ reference }) => ({ reference, totalBytes: 3000, newBytes: 1000, blobs: 3, newBlobs: 1 }));
      return { ...read, images, totalBytes: 3000 * images.length, newBytes: 1000 * images.length, heldBytes: 2000, heldBlobs: 1 };
    },
    'bundle.create': async (input) => {
      created.push(input);
      return { dir: join(dir, 'out'), manifest: {}, stats: { blobs: 0, bytes: 0, bytesFromCache: 0, bytesFetched: 0, seconds: 0, blobsOmitted: 0, bytesOmitted: 0 } } as unknown as CreateBundleSummary;
    },
  });
  dir = r.dir;
  rigs.push(r);
  return { ...r, plans, created };
}

describe('holdings and the delta plan in the Prepare store', () => {
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

  test('with holdings, resolved rows are planned after a pause (their platforms, the signing key), again when platforms change; the build sends have and the key', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { store, dir, plans, created } = await setUp();
    const s = store.getState;
    /** Moves the mocked clock past the batched check and plan, letting the host answer. */
    const pause = async (): Promise<void> => {
      for (const ms of [150, 300, 300]) {
        t.mock.timers.tick(ms);
        await settle();
        // the host reads the inventory from disk: wait for its answer
        await whenState(store, (state) => state.deltaPlan.status !== 'running');
      }
    };
    s().setListText('registry.local:5000/team/app:2.0\nregistry.local:5000/team/tool:2.1\n', { now: true });
    await settle();
    assert.ok(s().references.every((r) => s().resolutions[r]?.status === 'ok'), 'rows resolved');
    await pause();
    assert.equal(plans.length, 0, 'no holdings: nothing is planned');
    assert.equal(s().deltaPlan.status, 'idle');
    await inventoryFile(join(dir, 'inventory.json'));
    s().setHaveText(join(dir, 'inventory.json'));
    await s().addHave();
    assert.equal(plans.length, 1, 'reading the inventory is the only call so far');
    await pause();
    assert.equal(s().deltaPlan.status, 'done');
    const planned = plans.at(-1)!;
    assert.deepEqual(planned.have, [join(dir, 'inventory.json')]);
    assert.deepEqual(planned.images, [{ reference: 'registry.local:5000/team/app:2.0' }, { reference: 'registry.local:5000/team/tool:2.1' }]);
    const plan = deltaPlanOf(s())!;
    assert.deepEqual(plan.images.map((i) => ('newBytes' in i ? i.newBytes : -1)), [1000, 1000]);
    assert.equal(plan.bases[0]?.kind, 'inventory');
    // a platform chosen, and one image's own: the plan follows what the build would carry
    const before = plans.length;
    s().toggleDefaultPlatform('linux/amd64');
    s().setOverride('registry.local:5000/team/tool:2.1', ['linux/arm64']);
    await pause();
    assert.equal(plans.length, before + 1, 'one plan for the two changes');
    assert.deepEqual(plans.at(-1)!.images, [
      { reference: 'registry.local:5000/team/app:2.0', platforms: ['linux/amd64'] },
      { reference: 'registry.local:5000/team/tool:2.1', platforms: ['linux/arm64'] },
    ]);
    s().setHaveKey(' /keys/site.pub ');
    await pause();
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
      const { store, dir, host } = await setUp();
      await inventoryFile(join(dir, 'inventory.json'));
      store.getState().setHaveText(join(dir, 'inventory.json'));
      await store.getState().addHave();
      store.getState().setHaveKey('/keys/site.pub');
      const again = createPrepareStore(host.api).getState();
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
