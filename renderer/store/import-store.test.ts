// The Import store: item rows, the gate before import, and the login sent once — over a real ApiClient on an in-memory transport.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ApiResponse, JobMessage } from '../../shared/api-contract.js';
import type { VerifyReport } from '../../shared/verify-report.js';
import { createApiClient } from '../api/api-client.js';
import type { ApiTransport } from '../api/api-transport.js';
import { applyItem, blockedReason, CONTAINERD_SOCKETS, createImportStore, defaultInventoryPath, markFaults, parentFolder } from './import-store.js';

/** A transport that records every call's input and answers jobs with one result message after the job id. */
function recordingTransport(answers: Record<string, ApiResponse>, results: Record<string, unknown>): ApiTransport & { inputs: [string, unknown][] } {
  const listeners = new Set<(m: JobMessage) => void>();
  const inputs: [string, unknown][] = [];
  let n = 0;
  return {
    inputs,
    async invoke(channel, input) {
      inputs.push([channel, input]);
      const answer = answers[channel] ?? { error: { code: 'bad-usage', message: `no ${channel}` } };
      if ('result' in answer && channel in results) {
        const jobId = `j${++n}`;
        setTimeout(() => listeners.forEach((l) => l({ jobId, result: results[channel] })), 5);
        return { result: { jobId } };
      }
      return answer;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ready: async () => undefined,
  };
}

const intact = { ok: true, integrity: { ok: true, dirs: ['/b'], parts: [], blobsChecked: 1, bytesChecked: 1, faults: [] } } as unknown as VerifyReport;
const damaged = {
  ok: false,
  integrity: { ok: false, dirs: ['/b'], parts: [], blobsChecked: 1, bytesChecked: 1, faults: [{ kind: 'part-checksum', part: 'bundle.tar.002', message: 'bundle.tar.002 is damaged.' }] },
} as unknown as VerifyReport;

describe('import store', () => {
  test('applyItem keeps one row per item and phase, in first-seen order; markFaults marks the parts at fault', () => {
    let rows = applyItem([], { kind: 'item-start', phase: 'verify', item: 'bundle.tar.001' });
    rows = applyItem(rows, { kind: 'item-start', phase: 'verify', item: 'bundle.tar.002' });
    rows = applyItem(rows, { kind: 'item-end', phase: 'verify', item: 'bundle.tar.001', bytes: 5 });
    rows = applyItem(rows, { kind: 'item-end', phase: 'verify', item: 'bundle.tar.002', bytes: 5 });
    rows = applyItem(rows, { kind: 'item-start', phase: 'push', item: 'bundle.tar.001' });
    rows = applyItem(rows, { kind: 'bytes', phase: 'push', done: 1, total: 2, rate: 1, etaSeconds: 1 });
    assert.deepEqual(
      rows.map((r) => `${r.phase}:${r.name}:${r.status}`),
      ['verify:bundle.tar.001:done', 'verify:bundle.tar.002:done', 'push:bundle.tar.001:running'],
    );
    assert.deepEqual(
      markFaults(rows, damaged).map((r) => r.status),
      ['done', 'failed', 'running'],
    );
  });

  test('blockedReason: open, verify, and only an intact verdict lets the bundle go further', () => {
    const inspection = {} as never;
    assert.match(blockedReason({ inspection: undefined, dirs: [], verify: { status: 'idle' } })!, /Open a bundle/);
    assert.match(blockedReason({ inspection, dirs: ['/b'], verify: { status: 'idle' } })!, /Verify the bundle first/);
    assert.match(blockedReason({ inspection, dirs: ['/b'], verify: { status: 'done', result: damaged, items: [] } })!, /damaged/);
    const untrusted = { ...intact, ok: false, trust: { ok: false, problems: ['no signature'] } } as unknown as VerifyReport;
    assert.match(blockedReason({ inspection, dirs: ['/b'], verify: { status: 'done', result: untrusted, items: [] } })!, /not trusted/);
    assert.equal(blockedReason({ inspection, dirs: ['/b'], verify: { status: 'done', result: intact, items: [] } }), undefined);
  });

  test('the password goes out once with the import call, never with the dry run, and is cleared from the store', async () => {
    const report = { bundleId: 'b', target: 'r:5000', dryRun: false, images: [], stats: { blobsUploaded: 0, blobsMounted: 0, blobsExisting: 0, bytesUploaded: 0, manifestsPushed: 0, tagsPushed: 0, seconds: 0 } };
    const transport = recordingTransport(
      { 'bundle.inspect': { result: { path: '/b/bundle.json', manifest: {}, bundleSha256: 'x', warnings: [] } }, 'bundle.verify': { result: {} }, 'bundle.import': { result: {} } },
      { 'bundle.verify': intact, 'bundle.import': { report } },
    );
    const store = createImportStore(createApiClient(transport));
    const s = store.getState;
    s().setPath('/b');
    await s().open();
    await s().verifyBundle();
    assert.equal(s().verify.status, 'done');
    s().setRegistry({ to: 'r:5000/site', username: 'u', password: 'hunter2-secret', insecure: true, caFile: '/ca.pem', map: 'a/b=r:5000/x\n\n' });
    await s().previewMapping();
    await s().runImport();
    assert.equal(s().run.status, 'done');
    assert.equal(s().registry.password, '');
    assert.equal(s().passwordSent, true);
    const imports = transport.inputs.filter(([c]) => c === 'bundle.import').map(([, i]) => i as Record<string, unknown>);
    assert.deepEqual(imports[0], { dirs: ['/b'], to: 'r:5000/site', map: ['a/b=r:5000/x'], insecureRegistries: ['r:5000'], caFiles: ['/ca.pem'], dryRun: true });
    assert.deepEqual(imports[1]!.credentials, { username: 'u', password: 'hunter2-secret' });
    assert.equal(JSON.stringify(s()).includes('hunter2-secret'), false);
  });

  test('blockedReason names the images without a cosign signature by the given keys', () => {
    const unsigned = {
      ...intact,
      ok: false,
      cosign: { ok: false, keys: [{ file: '/k.pub', type: 'ecdsa-p256' }], images: [{ image: 'r/test/a:1', verdict: 'signed-by-key' }, { image: 'r/test/b:1', verdict: 'unsigned' }] },
    } as unknown as VerifyReport;
    const reason = blockedReason({ inspection: {} as never, dirs: ['/b'], verify: { status: 'done', result: unsigned, items: [] } })!;
    assert.match(reason, /Not signed by the given cosign keys: r\/test\/b:1\./);
    assert.ok(!reason.includes('r/test/a:1'), reason);
  });

  test('containerd target: presets fill the socket, typing makes it custom; the import sends toContainerd, cosign keys, and charts/files folders only for what the bundle carries', async () => {
    const manifest = { charts: [{ name: 'webapp', version: '0.1.0' }], files: [] };
    const transport = recordingTransport(
      { 'bundle.inspect': { result: { path: '/b/bundle.json', manifest, bundleSha256: 'x', warnings: [] } }, 'bundle.verify': { result: {} }, 'bundle.import': { result: {} } },
      { 'bundle.verify': intact, 'bundle.import': { containerd: { address: '/s', namespace: 'k8s.io', images: [], bytes: 0 } } },
    );
    const store = createImportStore(createApiClient(transport));
    const s = store.getState;
    assert.deepEqual(s().containerd, { preset: 'k3s', address: CONTAINERD_SOCKETS.k3s });
    s().setContainerd({ preset: 'k0s' });
    assert.equal(s().containerd.address, '/run/k0s/containerd.sock');
    s().setContainerd({ preset: 'containerd' });
    assert.equal(s().containerd.address, '/run/containerd/containerd.sock');
    s().setContainerd({ address: '/tmp/ctd/c.sock' });
    assert.deepEqual(s().containerd, { preset: 'custom', address: '/tmp/ctd/c.sock' });
    // cosign keys: added, typed, removed; a change asks for a new verification
    s().setPath('/b');
    await s().open();
    await s().verifyBundle();
    s().addCosignKey();
    s().addCosignKey();
    s().setCosignKey(0, '/keys/a.pub');
    s().setCosignKey(1, '/keys/b.pub');
    assert.equal(s().verify.status, 'idle');
    s().removeCosignKey(0);
    s().addCosignKey();
    assert.deepEqual(s().checks.cosignKeys, ['/keys/b.pub', '']);
    await s().verifyBundle();
    s().setTargetKind('containerd');
    s().setOutputs({ chartsTo: ' /out/charts ', filesTo: '/out/files' });
    await s().runImport();
    assert.equal(s().run.status, 'done');
    const verifies = transport.inputs.filter(([c]) => c === 'bundle.verify').map(([, i]) => i);
    assert.deepEqual(verifies.at(-1), { dirs: ['/b'], cosignKeys: ['/keys/b.pub'] });
    const imports = transport.inputs.filter(([c]) => c === 'bundle.import').map(([, i]) => i);
    // the bundle carries no plain files: filesTo is not sent
    // the inventory is saved by default, beside the bundle folder
    assert.deepEqual(imports, [{ dirs: ['/b'], toContainerd: '/tmp/ctd/c.sock', cosignKeys: ['/keys/b.pub'], chartsTo: '/out/charts', inventory: '/inventory.json' }]);
    // an empty socket says what to type
    s().setContainerd({ address: '  ' });
    await s().runImport();
    const run = s().run;
    assert.ok(run.status === 'failed' && /k3s: \/run\/k3s\/containerd\/containerd\.sock/.test(run.error.message));
  });

  test('defaultInventoryPath: inventory.json beside the bundle folder, or in the volume root when the bundle is at the root', () => {
    assert.equal(defaultInventoryPath('/media/usb/bundle'), '/media/usb/inventory.json');
    assert.equal(defaultInventoryPath('/media/usb/bundle/'), '/media/usb/inventory.json');
    assert.equal(defaultInventoryPath('/media/usb', ['/media/usb']), '/media/usb/inventory.json');
    assert.equal(defaultInventoryPath('/media/usb/', ['/media/usb']), '/media/usb/inventory.json');
    assert.equal(defaultInventoryPath('/b'), '/inventory.json');
    assert.equal(defaultInventoryPath('E:\\week-2'), 'E:\\inventory.json');
    assert.equal(defaultInventoryPath('E:\\'), 'E:\\inventory.json');
    assert.equal(defaultInventoryPath('D:\\transfers\\week-2'), 'D:\\transfers\\inventory.json');
    assert.equal(parentFolder('/'), '/');
    assert.equal(parentFolder('bundle'), '.');
  });

  test('Save inventory for the next transfer: on by default (off on read-only media), its path sent with the import; unticked, not sent; ticked and empty, stopped', async () => {
    const report = { bundleId: 'b', target: 'r:5000', dryRun: false, images: [], stats: { blobsUploaded: 0, blobsMounted: 0, blobsExisting: 0, bytesUploaded: 0, manifestsPushed: 0, tagsPushed: 0, seconds: 0 } };
    const saved = { file: '/media/usb/inventory.json', bytes: 1234, sha256: 'f'.repeat(64), counts: { repositories: 1, tags: 1, manifests: 1, blobs: 2, bytes: 300 } };
    const transport = recordingTransport(
      {
        'bundle.inspect': { result: { path: '/media/usb/week-2/bundle.json', manifest: {}, bundleSha256: 'x', warnings: [] } },
        'bundle.verify': { result: {} },
        'bundle.import': { result: {} },
        'media.list': { result: [{ mount: '/media/ro', label: 'RO', fsType: 'vfat', capacity: 1, free: 1, device: '/dev/sdx1', removable: true, readOnly: true }] },
      },
      { 'bundle.verify': intact, 'bundle.import': { report, inventory: saved } },
    );
    const store = createImportStore(createApiClient(transport));
    const s = store.getState;
    s().setPath('/media/usb/week-2');
    await s().open();
    assert.equal(s().saveInventory, true);
    assert.equal(s().inventoryPath, '/media/usb/inventory.json');
    await s().verifyBundle();
    s().setRegistry({ to: 'r:5000' });
    await s().runImport();
    assert.equal(s().run.status, 'done');
    const run = s().run;
    assert.deepEqual(run.status === 'done' ? run.result.inventory : undefined, saved);
    s().setInventoryPath('  ');
    await s().runImport();
    const stopped = s().run;
    assert.ok(stopped.status === 'failed' && /Type where the inventory goes/.test(stopped.error.message));
    s().setSaveInventory(false);
    await s().runImport();
    const imports = transport.inputs.filter(([c]) => c === 'bundle.import').map(([, i]) => i as Record<string, unknown>);
    assert.deepEqual(
      imports.map((i) => i.inventory),
      ['/media/usb/inventory.json', undefined],
    );
    // a switch of target forgets the last run's report
    s().setTargetKind('folder');
    assert.equal(s().run.status, 'idle');
    // read-only media: not ticked by default
    s().setSourceKind('media');
    await s().loadVolumes();
    s().toggleVolume('/media/ro');
    await s().open();
    assert.equal(s().saveInventory, false);
  });

  test('Base bundles: each read by the host (named by the delta or not), sent for a folder or containerd, never for a registry', async () => {
    const against = [{ kind: 'bundle', sha256: 'a'.repeat(64), bundleId: '11111111-1111-4111-8111-111111111111' }];
    const delta = { id: '22222222-2222-4222-8222-222222222222', delta: { against, omitted: [{ digest: `sha256:${'c'.repeat(64)}`, size: 10, mediaType: 'x' }] }, blobs: [], charts: [], files: [] };
    const week1 = { id: '11111111-1111-4111-8111-111111111111', created: '2025-01-01T00:00:00Z' };
    const other = { id: '33333333-3333-4333-8333-333333333333', created: '2025-01-02T00:00:00Z' };
    const inspections: Record<string, unknown> = { '/delta': delta, '/week-1': week1, '/other': other };
    const inputs: [string, unknown][] = [];
    const listeners = new Set<(m: JobMessage) => void>();
    const transport: ApiTransport = {
      async invoke(channel, input) {
        inputs.push([channel, input]);
        if (channel === 'bundle.inspect') {
          const dir = (input as { dir: string }).dir;
          const manifest = inspections[dir];
          return manifest ? { result: { path: `${dir}/bundle.json`, manifest, bundleSha256: 'x', warnings: [] } } : { error: { code: 'not-found', message: `No bundle at ${dir}.` } };
        }
        const jobId = `j${inputs.length}`;
        setTimeout(() => listeners.forEach((l) => l({ jobId, result: channel === 'bundle.verify' ? intact : {} })), 5);
        return { result: { jobId } };
      },
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      ready: async () => undefined,
    };
    const store = createImportStore(createApiClient(transport));
    const s = store.getState;
    s().setPath('/delta');
    await s().open();
    await s().verifyBundle();
    assert.equal(await s().addBase(), false);
    assert.match(s().baseError?.message ?? '', /Type the folder of an earlier bundle/);
    s().setBaseText('/nowhere');
    assert.equal(await s().addBase(), false);
    assert.match(s().baseError?.message ?? '', /No bundle at \/nowhere/);
    s().setBaseText('/delta');
    assert.equal(await s().addBase(), false);
    assert.match(s().baseError?.message ?? '', /the bundle being imported/);
    s().setBaseText('/week-1');
    assert.equal(await s().addBase(), true);
    s().setBaseText('/other');
    assert.equal(await s().addBase(), true);
    assert.deepEqual(
      s().bases.map((b) => [b.path, b.named]),
      [
        ['/week-1', true],
        ['/other', false],
      ],
    );
    s().removeBase('/other');
    s().setSaveInventory(false);
    s().setTargetKind('folder');
    s().setFolder('/var/lib/k0s/images');
    await s().runImport();
    s().setTargetKind('registry');
    s().setRegistry({ to: 'r:5000' });
    await s().runImport();
    const imports = inputs.filter(([c]) => c === 'bundle.import').map(([, i]) => i as Record<string, unknown>);
    assert.deepEqual(imports[0], { dirs: ['/delta'], toDir: '/var/lib/k0s/images', bases: ['/week-1'] });
    assert.equal(imports[1]!.bases, undefined);
    // another bundle opened: its own bases
    s().setPath('/week-1');
    await s().open();
    assert.deepEqual(s().bases, []);
  });
});
