// The Import store over the real API host in-process (storeTestHost): pure rules (the gate, item rows, inventory path),
// jobs with `bundle.inspect`/`bundle.verify`/`bundle.import` replaced where a test needs made-up answers, and real
// bundles for several volumes, the reset of each new run, Save report (a real import into a real registry) and Repair.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BundleInspectResult, ImportSummary } from '../../shared/api-contract.js';
import type { VerifyReport } from '../../shared/verify-report.js';
import { FerryError, writeToMedia } from '../../electron/engine/index.js';
import { makeTestBundle, startRegistry, type RegistryHandle, type TestBundle } from '../../e2e/harness/index.js';
import { blockedReason, CONTAINERD_SOCKETS, createImportStore, defaultInventoryPath, markFaults, parentFolder, REPORT_FILE } from './import-store.js';
import { applyItem } from './job.js';
import { storeTestHost, type StoreTestHost } from './store-test-host.js';

const hosts: StoreTestHost[] = [];
after(async () => {
  for (const h of hosts) await h.close();
});

/** A store on a fresh real host, some handlers replaced. */
function importOn(handlers: NonNullable<Parameters<typeof storeTestHost>[0]>['handlers'] = {}) {
  const host = storeTestHost({ handlers });
  hosts.push(host);
  return { host, store: createImportStore(host.api) };
}

/** A made-up inspection of a bundle at `dir` (for tests of what the store sends, not of a bundle). */
const inspected = (dir: string, manifest: Record<string, unknown> = {}): BundleInspectResult => ({ path: `${dir}/bundle.json`, manifest: manifest as never, bundleSha256: 'x', warnings: [] });

/** Handlers answering inspect, verify and import with made-up results (what the store does with them is the test). */
function madeUp(options: { manifest?: Record<string, unknown>; verify?: VerifyReport; summary?: ImportSummary } = {}) {
  return {
    'bundle.inspect': async ({ dir }: { dir: string }) => inspected(dir, options.manifest),
    'bundle.verify': async () => options.verify ?? intact,
    'bundle.import': async () => options.summary ?? {},
  };
}
const intact = { ok: true, integrity: { ok: true, dirs: ['/b'], parts: [], blobsChecked: 1, bytesChecked: 1, faults: [] } } as unknown as VerifyReport;
const damaged = {
  ok: false,
  integrity: { ok: false, dirs: ['/b'], parts: [], blobsChecked: 1, bytesChecked: 1, faults: [{ kind: 'part-checksum', part: 'bundle.tar.002', message: 'bundle.tar.002 is damaged.' }] },
} as unknown as VerifyReport;

describe('import store', () => {
  test('item rows (the job helper) keep one row per item and phase, in first-seen order; markFaults marks the parts at fault', () => {
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
    const { host, store } = importOn(madeUp({ summary: { report } }));
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
    const imports = host.inputsOf('bundle.import') as Record<string, unknown>[];
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
    const { host, store } = importOn(madeUp({ manifest, summary: { containerd: { address: '/s', namespace: 'k8s.io', images: [], bytes: 0 } } }));
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
    assert.deepEqual(host.inputsOf('bundle.verify').at(-1), { dirs: ['/b'], cosignKeys: ['/keys/b.pub'] });
    const imports = host.inputsOf('bundle.import');
    // the bundle carries no plain files: filesTo is not sent
    // the inventory is saved by default, beside the bundle folder
    assert.deepEqual(imports, [{ dirs: ['/b'], toContainerd: '/tmp/ctd/c.sock', cosignKeys: ['/keys/b.pub'], chartsTo: '/out/charts', inventory: '/inventory.json' }]);
    // an empty socket says what to type
    s().setContainerd({ address: '  ' });
    await s().runImport();
    const run = s().run;
    assert.ok(run.status === 'failed' && /k3s: \/run\/k3s\/containerd\/containerd\.sock/.test(run.error.message));
  });

  test('progress passes through: every image pushed at once is in the progress, not only the last one started', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { store } = importOn({
      ...madeUp(),
      'bundle.import': async (_input, controls) => {
        controls.onProgress({ kind: 'phase-start', phase: 'push', totalBytes: 30 });
        for (const item of ['r/a:1', 'r/b:1', 'r/c:1']) controls.onProgress({ kind: 'item-start', phase: 'push', item });
        controls.onProgress({ kind: 'item-end', phase: 'push', item: 'r/b:1', bytes: 10 });
        await held;
        return {};
      },
    });
    const s = store.getState;
    s().setPath('/b');
    await s().open();
    await s().verifyBundle();
    s().setRegistry({ to: 'r:5000' });
    s().setSaveInventory(false);
    const running = s().runImport();
    await new Promise<void>((resolve) => {
      const stop = store.subscribe(() => {
        const run = s().run;
        if (run.status === 'running' && run.items.some((i) => i.name === 'r/b:1' && i.status === 'done')) {
          stop();
          resolve();
        }
      });
    });
    const run = s().run;
    assert.ok(run.status === 'running');
    assert.deepEqual(run.progress.items, ['r/a:1', 'r/c:1']);
    assert.deepEqual(
      run.items.map((i) => `${i.name}:${i.status}`),
      ['r/a:1:running', 'r/b:1:done', 'r/c:1:running'],
    );
    release();
    await running;
    assert.equal(s().run.status, 'done');
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
    const { host, store } = importOn({
      ...madeUp({ summary: { report, inventory: saved } }),
      'bundle.inspect': async () => inspected('/media/usb/week-2'),
      'media.list': async () => [{ mount: '/media/ro', label: 'RO', fsType: 'vfat', capacity: 1, free: 1, device: '/dev/sdx1', removable: true, readOnly: true }],
    });
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
    const imports = host.inputsOf('bundle.import') as Record<string, unknown>[];
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
    const { host, store } = importOn({
      ...madeUp(),
      'bundle.inspect': async ({ dir }) => {
        const manifest = inspections[dir];
        if (!manifest) throw new FerryError('not-found', `No bundle at ${dir}.`);
        return inspected(dir, manifest as Record<string, unknown>);
      },
    });
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
    const imports = host.inputsOf('bundle.import') as Record<string, unknown>[];
    assert.deepEqual(imports[0], { dirs: ['/delta'], toDir: '/var/lib/k0s/images', bases: ['/week-1'] });
    assert.equal(imports[1]!.bases, undefined);
    // another bundle opened: its own bases
    s().setPath('/week-1');
    await s().open();
    assert.deepEqual(s().bases, []);
  });
});

describe('import store on real bundles: a set on two volumes, each run replacing the last, Save report, Repair', () => {
  let bundle: TestBundle;
  let registry: RegistryHandle;
  let v1: string;
  let v2: string;

  before(async () => {
    [bundle, registry] = await Promise.all([makeTestBundle({ split: '1MiB', bigLayers: 2, parity: 1 }), startRegistry()]);
    v1 = join(bundle.work, 'stick-1');
    v2 = join(bundle.work, 'stick-2');
    mkdirSync(v1);
    mkdirSync(v2);
    // two data parts fit on the first stick; the last part and the parity part go to the second
    const written = await writeToMedia({ dir: bundle.dir, targets: [v1, v2], capacity: 2 * 1024 * 1024 + 256 * 1024 });
    assert.ok(written.ok);
    // the data parts on the first stick, the parity part on the second
    assert.deepEqual(
      written.volumes.map((v) => v.parts),
      [bundle.manifest.archive.parts.map((p) => p.name), ['bundle.tar.p01']],
    );
  });
  after(async () => {
    await registry?.stop();
    await bundle?.cleanup();
  });

  test('several folders: inspect reads the first, verify and import get them all; an empty field is left out', async () => {
    const { host, store } = importOn();
    const s = store.getState;
    s().setPath(v1);
    s().addFolder();
    s().addFolder();
    s().setFolderAt(2, `  ${v2} `);
    await s().open();
    assert.equal(s().openError, undefined);
    assert.deepEqual(s().dirs, [v1, v2]);
    assert.deepEqual(host.inputsOf('bundle.inspect'), [{ dir: v1 }]);
    assert.equal(s().reportFile, join(bundle.work, REPORT_FILE));
    await s().verifyBundle();
    const v = s().verify;
    assert.ok(v.status === 'done' && v.result.ok, JSON.stringify(v));
    assert.deepEqual(host.inputsOf('bundle.verify'), [{ dirs: [v1, v2] }]);
    s().removeFolder(1);
    assert.deepEqual(s().folders, [v1, `  ${v2} `]);
  });

  test('each new run replaces what it stands for: verify clears the last import, open clears everything, a switch of target clears the run', async () => {
    let verdict: VerifyReport = intact;
    const { store } = importOn({ ...madeUp({ summary: { report: { bundleId: 'b', target: 'r:5000', dryRun: false, images: [], stats: { blobsUploaded: 0, blobsMounted: 0, blobsExisting: 0, bytesUploaded: 0, manifestsPushed: 0, tagsPushed: 0, seconds: 0 } } } }), 'bundle.verify': async () => verdict });
    const s = store.getState;
    s().setPath('/b');
    await s().open();
    await s().verifyBundle();
    s().setRegistry({ to: 'r:5000' });
    s().setSaveInventory(false);
    await s().runImport();
    assert.equal(s().run.status, 'done');
    // the next verification is "not trusted": the green import box of the last one must not stay under it
    verdict = { ...intact, ok: false, trust: { ok: false, signatures: [], problems: ['no signature by a trusted key'] } };
    await s().verifyBundle();
    assert.equal(s().run.status, 'idle');
    assert.equal(s().reportSave.status, 'idle');
    const v = s().verify;
    assert.ok(v.status === 'done' && !v.result.ok);
    verdict = intact;
    await s().verifyBundle();
    await s().runImport();
    assert.equal(s().run.status, 'done');
    s().setTargetKind('folder');
    assert.equal(s().run.status, 'idle');
    // a new source: no verdict, run, repair or saved report of the old one
    s().setPath('/c');
    await s().open();
    for (const key of ['verify', 'run', 'preview', 'repair', 'reportSave'] as const) assert.equal(s()[key].status, 'idle', key);
  });

  test('Save report: the host writes the report the import produced, exactly as ferry import writes import-report.json', async () => {
    const { host, store } = importOn();
    const s = store.getState;
    s().setPath(bundle.dir);
    await s().open();
    await s().verifyBundle();
    s().setRegistry({ to: `${registry.host}/saved`, insecure: true });
    s().setSaveInventory(false);
    await s().runImport();
    const run = s().run;
    assert.ok(run.status === 'done', JSON.stringify(run));
    assert.ok(run.result.reportId, 'the summary names the report the host keeps');
    const file = join(bundle.work, 'reports', REPORT_FILE);
    mkdirSync(join(bundle.work, 'reports'));
    s().setReportFile(file);
    await s().saveReport();
    const saved = s().reportSave;
    assert.ok(saved.status === 'done', JSON.stringify(saved));
    assert.equal(saved.result.file, file);
    const text = readFileSync(file, 'utf8');
    assert.equal(saved.result.bytes, Buffer.byteLength(text));
    // the format ferry import writes: two-space JSON and a newline, with every field of the engine's report
    const report = JSON.parse(text) as Record<string, unknown>;
    assert.equal(text, `${JSON.stringify(report, null, 2)}\n`);
    assert.deepEqual(Object.keys(report).sort(), ['bundleId', 'created', 'dryRun', 'images', 'stats', 'target', 'tool']);
    assert.equal(report.bundleId, bundle.manifest.id);
    assert.deepEqual(
      (report.images as { source: string; digest: string }[]).map((i) => i.digest).sort(),
      bundle.manifest.images.map((i) => i.digest).sort(),
    );
    // only what the host kept: an id it never gave is refused, and nothing is written
    const other = join(bundle.work, 'reports', 'forged.json');
    const forged = await host.api.call('import.saveReport', { reportId: 'not-a-kept-report', file: other }).catch((e: Error) => e);
    assert.ok(forged instanceof Error && /no longer kept/.test(forged.message), String(forged));
    assert.equal(existsSync(other), false);
    // a new import replaces the saved-report note
    await s().runImport();
    assert.equal(s().reportSave.status, 'idle');
  });

  test('a part lost from the first stick: verify says which open volume held it; Repair gathers the set into a folder, rebuilds it and verifies again', async () => {
    const stick1 = join(bundle.work, 'lost-1');
    const stick2 = join(bundle.work, 'lost-2');
    for (const [from, to] of [
      [v1, stick1],
      [v2, stick2],
    ] as const) {
      mkdirSync(to);
      for (const name of ['bundle.json', 'SHA256SUMS', 'README.txt', 'bundle.tar.001', 'bundle.tar.002', 'bundle.tar.003', 'bundle.tar.p01']) {
        if (existsSync(join(from, name))) writeCopy(join(from, name), join(to, name));
      }
    }
    rmSync(join(stick1, 'bundle.tar.002'));
    const { host, store } = importOn();
    const s = store.getState;
    // the second stick alone: the first stick's parts are on volume 1, which is not open
    s().setPath(stick2);
    await s().open();
    await s().verifyBundle();
    let v = s().verify;
    assert.ok(v.status === 'done' && !v.result.integrity.ok);
    const alone = v.result.integrity.faults.filter((f) => f.kind === 'missing-file').map((f) => [f.part, f.holder]);
    assert.deepEqual(
      alone,
      bundle.manifest.archive.parts.map((p) => [p.name, { volume: 1, volumes: 2 }]),
    );
    assert.match(blockedReason(s())!, /open every volume of the set/);
    // both sticks: bundle.tar.002 belongs on the first (its SHA256SUMS and README say so), and parity can rebuild it
    s().addFolder();
    s().setFolderAt(0, stick1);
    s().setFolderAt(1, stick2);
    await s().open();
    await s().verifyBundle();
    v = s().verify;
    assert.ok(v.status === 'done' && !v.result.integrity.ok);
    assert.deepEqual(
      v.result.integrity.faults.filter((f) => f.kind === 'missing-file').map((f) => [f.part, f.holder]),
      [['bundle.tar.002', { dir: stick1, volume: 1, volumes: 2 }]],
    );
    assert.equal(v.result.integrity.repair?.rebuildable, 1);
    // every volume is open: the reason names only the repair
    assert.match(blockedReason(s())!, /^The bundle is damaged: rebuild the lost parts from parity/);
    // a set is repaired into a folder: without one the store says so and sends nothing
    await s().repairBundle();
    const refused = s().repair;
    assert.ok(refused.status === 'failed' && /type a new or empty folder/.test(refused.error.message));
    assert.deepEqual(host.inputsOf('bundle.repair'), []);
    const into = join(bundle.work, 'repaired');
    s().setRepairTo(into);
    await s().repairBundle();
    const repair = s().repair;
    assert.ok(repair.status === 'done' && repair.result.whole, JSON.stringify(repair));
    assert.deepEqual(
      repair.result.damaged.map((d) => [d.name, d.rebuilt]),
      [['bundle.tar.002', true]],
    );
    assert.deepEqual(host.inputsOf('bundle.repair'), [{ dirs: [stick1, stick2], toDir: into }]);
    assert.deepEqual(
      repair.items.filter((i) => i.phase === 'write').map((i) => i.name),
      [...bundle.manifest.archive.parts.map((p) => p.name).filter((n) => n !== 'bundle.tar.002'), 'bundle.tar.p01'],
    );
    // then verified again, from the folder it was repaired in: intact, and the import may go on
    assert.deepEqual(s().dirs, [into]);
    assert.deepEqual(s().folders, [into]);
    v = s().verify;
    assert.ok(v.status === 'done' && v.result.ok, JSON.stringify(v.status === 'done' ? v.result.integrity.faults : v));
    assert.equal(blockedReason(s()), undefined);
    assert.equal(readFileSync(join(into, 'bundle.tar.002')).equals(readFileSync(join(v1, 'bundle.tar.002'))), true);
    // the sticks stay as they were
    assert.equal(existsSync(join(stick1, 'bundle.tar.002')), false);
  });

  test('one folder is repaired in place; a part no opened volume mentions is "not on any of the opened volumes"', async () => {
    const copy = bundle.copy();
    rmSync(join(copy, 'bundle.tar.003'));
    const { host, store } = importOn();
    const s = store.getState;
    s().setPath(copy);
    await s().open();
    await s().verifyBundle();
    let v = s().verify;
    assert.ok(v.status === 'done');
    // the folder's own SHA256SUMS lists the part: it was lost from there
    assert.deepEqual(v.result.integrity.faults.find((f) => f.kind === 'missing-file')?.holder, { dir: copy });
    await s().repairBundle();
    assert.deepEqual(host.inputsOf('bundle.repair'), [{ dirs: [copy] }]);
    v = s().verify;
    assert.ok(v.status === 'done' && v.result.ok);
    assert.equal(s().repair.status, 'done');
    // without SHA256SUMS or README.txt nothing says where a lost part is
    rmSync(join(copy, 'SHA256SUMS'));
    rmSync(join(copy, 'bundle.tar.001'));
    await s().verifyBundle();
    v = s().verify;
    assert.ok(v.status === 'done');
    const fault = v.result.integrity.faults.find((f) => f.kind === 'missing-file');
    assert.equal(fault?.part, 'bundle.tar.001');
    assert.equal(fault?.holder, undefined);
  });
});

/** Copies one file of a stick (the test's own copy, not the engine's). */
function writeCopy(from: string, to: string): void {
  copyFileSync(from, to);
}
