// Charts, files and referrers: the store over the real API host (real source.check and list.read on real files; the
// contract validates every input); only bundle.create is replaced, to record what the build would send without a
// registry (e2e/app/prepare-charts.test.ts builds for real). Also: the list and options survive a restart.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { createApiHost } from '../../../electron/engine/api/api-host.js';
import type { CreateBundleSummary } from '../../../shared/api-contract.js';
import { createPrepareStore } from '../prepare-store.js';
import { prepareRig, resolveAtOnce, settle, type PrepareTestRig } from './prepare-test-support.js';

const rigs: PrepareTestRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

/** A store on a real host whose bundle.create records its (contract-checked) input. */
async function setUp(): Promise<PrepareTestRig & { created: unknown[] }> {
  const created: unknown[] = [];
  let dir = '';
  const r = await prepareRig({
    ...resolveAtOnce(),
    'bundle.create': async (input) => {
      created.push(input);
      return { dir: join(dir, 'out'), manifest: {}, stats: { blobs: 0, bytes: 0, bytesFromCache: 0, bytesFetched: 0, seconds: 0 } } as unknown as CreateBundleSummary;
    },
  });
  dir = r.dir;
  rigs.push(r);
  return { ...r, created };
}

describe('charts, files and referrers in the Prepare store', () => {
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

  test('loading a YAML list fills images, charts and files; a refused file stays marked and is a problem of the build until removed', async () => {
    const { store, dir, created } = await setUp();
    await writeFile(join(dir, 'install.sh'), '#!/bin/sh\n');
    await writeFile(
      join(dir, 'list.yaml'),
      ['images:', '  - 127.0.0.1:9/team/app:1', 'charts:', '  - { repo: "https://charts.example/repo", name: webapp, version: 0.1.0 }', '  - oci://127.0.0.1:9/charts/ocichart:1.0.0', 'files:', '  - install.sh', '  - missing.bin', ''].join('\n'),
    );
    store.getState().setListPath(join(dir, 'list.yaml'));
    await store.getState().loadList();
    await settle();
    const s = store.getState();
    assert.deepEqual(s.references, ['127.0.0.1:9/team/app:1']);
    assert.deepEqual(s.charts.map((c) => `${c.name} ${c.version}`), ['webapp 0.1.0', 'ocichart 1.0.0']);
    assert.deepEqual(s.files.map((f) => f.name ?? f.error?.code), ['install.sh', 'not-found']);
    assert.equal(s.files[0]!.source, join(dir, 'install.sh'), 'relative to the list file');
    assert.match(s.listNote ?? '', /Added 1 image, 2 charts and 2 files from/);
    store.getState().setOutputDir(join(dir, 'out'));
    await store.getState().startBuild();
    assert.deepEqual(store.getState().problems.map((p) => p.field), ['sources']);
    assert.match(store.getState().problems[0]!.message, /missing\.bin cannot be carried/);
    assert.equal(created.length, 0);
    // loading the same list again adds nothing twice
    await store.getState().loadList();
    assert.equal(store.getState().charts.length, 2);
    assert.equal(store.getState().files.length, 2);
    assert.match(store.getState().listNote ?? '', /Added 0 images from .* \(1 already in the list\)/);
    store.getState().removeFile(join(dir, 'missing.bin'));
    assert.deepEqual(store.getState().problems, [], 'the problem goes with the file');
  });

  test('the build sends charts, files and referrers; with no image at all it still builds; nothing at all is refused', async () => {
    const { store, dir, created } = await setUp();
    store.getState().setOutputDir(join(dir, 'out'));
    await store.getState().startBuild();
    assert.match(store.getState().problems[0]?.message ?? '', /Add at least one image, chart or file/);
    await writeFile(join(dir, 'notes.txt'), 'notes\n');
    store.getState().setFileText(join(dir, 'notes.txt'));
    await store.getState().addFile();
    assert.deepEqual(store.getState().problems, [], 'a file added: the problem is gone at once');
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

  test('the list, platforms, charts, files and the referrers choice come back after a restart (never a check error)', async () => {
    const saved = new Map<string, string>();
    const g = globalThis as { localStorage?: unknown };
    g.localStorage = { getItem: (k: string) => saved.get(k) ?? null, setItem: (k: string, v: string) => void saved.set(k, v) };
    try {
      const { store, dir, host } = await setUp();
      await writeFile(join(dir, 'notes.txt'), 'notes\n');
      store.getState().setListText('registry.local:5000/a:1\n', { now: true });
      store.getState().toggleDefaultPlatform('linux/amd64');
      store.getState().setAllPlatformsRequired(true);
      store.getState().setFileText(join(dir, 'notes.txt'));
      await store.getState().addFile();
      store.getState().setChartText('oci://127.0.0.1:5000/charts/ocichart:1.0.0');
      await store.getState().addChart();
      store.getState().setReferrers(true);
      const again = createPrepareStore(host.api).getState();
      assert.equal(again.restored, true);
      assert.deepEqual(again.references, ['registry.local:5000/a:1'], 'the list is read at once');
      assert.deepEqual(again.defaultPlatforms, ['linux/amd64']);
      assert.equal(again.allPlatformsRequired, true);
      assert.equal(again.referrers, true);
      assert.deepEqual(again.charts, [{ source: 'oci://127.0.0.1:5000/charts/ocichart:1.0.0', name: 'ocichart', version: '1.0.0' }]);
      assert.deepEqual(again.files, [{ source: join(dir, 'notes.txt'), name: 'notes.txt', size: 6 }]);
    } finally {
      delete g.localStorage;
    }
  });
});
