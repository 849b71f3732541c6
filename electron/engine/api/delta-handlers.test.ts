// The app's delta calls on the real host: bundle.planDelta reads holdings with the engine's checked readers, and
// bundle.import's "Save inventory" refuses a place it cannot write before anything is imported.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { DeltaPlanResult, JobMessage } from '../../../shared/api-contract.js';
import { API_INPUTS } from '../../../shared/api-contract.js';
import { InventoryBuilder } from '../inventory/inventory-builder.js';
import { writeInventory } from '../inventory/write-inventory.js';
import { createApiHost } from './api-host.js';

const work = mkdtempSync(join(tmpdir(), 'ferry-delta-handlers-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** The final message of a job. */
function finalOf(host: ReturnType<typeof createApiHost>, jobId: string): Promise<JobMessage> {
  return new Promise((resolve) => {
    host.subscribe((m) => {
      if (m.jobId === jobId && !('event' in m)) resolve(m);
    });
  });
}

describe('bundle.planDelta', () => {
  test('without images it reads and checks the holdings only: kind, sha256, blob count; a bad inventory is refused by name', async () => {
    const builder = new InventoryBuilder();
    builder.addSource({ kind: 'registry', registry: 'registry.local:5000' });
    const key = builder.addRepository({ registry: 'registry.local:5000', name: 'mirror/app' });
    builder.addBlob(`sha256:${'b'.repeat(64)}`, 10, key);
    const written = await writeInventory(join(work, 'inventory.json'), builder.build());
    const host = createApiHost();
    try {
      const ok = await host.invoke('bundle.planDelta', { have: [join(work, 'inventory.json')] });
      assert.ok(ok.ok, JSON.stringify(ok));
      const plan = ok.result as DeltaPlanResult;
      assert.deepEqual(plan.bases.map((b) => [b.path, b.kind, b.sha256, b.blobs]), [[join(work, 'inventory.json'), 'inventory', written.sha256, 1]]);
      assert.deepEqual(plan.images, []);
      writeFileSync(join(work, 'hostile.json'), '{"schemaVersion": 1, "schemaVersion": 1}');
      const bad = await host.invoke('bundle.planDelta', { have: [join(work, 'hostile.json')] });
      assert.ok(!bad.ok && bad.reason === 'failed');
      assert.match(!bad.ok ? bad.error.message : '', /hostile\.json/);
      const signed = await host.invoke('bundle.planDelta', { have: [join(work, 'inventory.json')], trustedKeys: [join(work, 'site.pub')] });
      assert.ok(!signed.ok, 'a key was asked for and the inventory is not signed');
    } finally {
      await host.close();
    }
  });
});

describe('bundle.import with an inventory to save', () => {
  test('the contract: not with a dry run; a user path', () => {
    const schema = API_INPUTS['bundle.import'];
    assert.equal(schema.safeParse({ dirs: ['/b'], to: 'r:5000', inventory: '/media/usb/inventory.json' }).success, true);
    assert.equal(schema.safeParse({ dirs: ['/b'], toDir: '/images', inventory: '/media/usb/inventory.json' }).success, true);
    assert.match(JSON.stringify(schema.safeParse({ dirs: ['/b'], to: 'r:5000', dryRun: true, inventory: '/i.json' }).error?.issues), /no inventory to save/);
    assert.equal(schema.safeParse({ dirs: ['/b'], to: 'r:5000', inventory: 'a\0b' }).success, false);
  });

  test('a folder that does not exist refuses the import before the bundle is even read', async () => {
    const host = createApiHost();
    try {
      const missing = await host.invoke('bundle.import', { dirs: [join(work, 'no-bundle')], to: '127.0.0.1:9', inventory: join(work, 'nowhere', 'inventory.json') });
      assert.ok(missing.ok);
      const m = await finalOf(host, (missing.result as { jobId: string }).jobId);
      assert.ok('error' in m);
      assert.match(m.error.message, /Cannot save the inventory .*does not exist; nothing was imported/);
    } finally {
      await host.close();
    }
  });
});
