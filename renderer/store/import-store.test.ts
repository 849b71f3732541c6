// The Import store: item rows, the gate before import, and the login sent once — over a real ApiClient on an in-memory transport.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ApiResponse, JobMessage } from '../../shared/api-contract.js';
import type { VerifyReport } from '../../shared/verify-report.js';
import { createApiClient } from '../api/api-client.js';
import type { ApiTransport } from '../api/api-transport.js';
import { applyItem, blockedReason, CONTAINERD_SOCKETS, createImportStore, markFaults } from './import-store.js';

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
    assert.deepEqual(imports, [{ dirs: ['/b'], toContainerd: '/tmp/ctd/c.sock', cosignKeys: ['/keys/b.pub'], chartsTo: '/out/charts' }]);
    // an empty socket says what to type
    s().setContainerd({ address: '  ' });
    await s().runImport();
    const run = s().run;
    assert.ok(run.status === 'failed' && /k3s: \/run\/k3s\/containerd\/containerd\.sock/.test(run.error.message));
  });
});
