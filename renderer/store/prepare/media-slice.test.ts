// The media slice: sizes through the one parser, writing through the one job helper (rows stopped on cancel). The
// real API host; bundle.create and media.write are replaced (e2e/app/prepare.test.ts writes real media).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import type { CreateBundleSummary } from '../../../shared/api-contract.js';
import { prepareRig, resolveAtOnce, settle, whenState, type PrepareTestRig } from './prepare-test-support.js';

const rigs: PrepareTestRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

describe('write to media', () => {
  test('a capacity the shared parser refuses is said before anything is planned; Cancel stops the write with no row running', async () => {
    let dir = '';
    const r = await prepareRig({
      ...resolveAtOnce(),
      'bundle.create': async () => ({ dir: join(dir, 'out'), manifest: {}, stats: {} }) as unknown as CreateBundleSummary,
      'media.plan': async ({ targets }) => ({ ok: true, summary: '1 volume', volumes: targets.map((path) => ({ path, parts: [], bytes: 0, usable: 1 })), problems: [], notes: [] }) as never,
      'media.write': (_input, { onProgress, signal }) =>
        new Promise((_resolve, reject) => {
          onProgress({ kind: 'item-start', phase: 'write', item: 'bundle.tar' } as never);
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
    });
    dir = r.dir;
    rigs.push(r);
    const s = r.store.getState;
    s().setListText('registry.local:5000/a:1', { now: true });
    await settle();
    s().setOutputDir(join(dir, 'out'));
    await s().startBuild();
    assert.equal(s().build.status, 'done');
    s().setExtraTargets(join(dir, 'stick'));
    s().setCapacity('4Gi');
    await s().planMedia();
    assert.match(s().mediaError?.message ?? '', /like 32GB or 8MiB/);
    assert.equal(r.host.inputsOf('media.plan').length, 0);
    s().setCapacity('4GiB');
    assert.equal(s().mediaError, undefined, 'typing again clears it');
    await s().planMedia();
    assert.deepEqual(r.host.inputsOf('media.plan'), [{ dir: join(dir, 'out'), targets: [join(dir, 'stick')], capacity: 4 * 1024 ** 3 }]);
    const write = s().writeMedia();
    await whenState(r.store, (state) => state.mediaWrite.status === 'running' && state.mediaWrite.items.length > 0);
    s().cancelMediaWrite();
    await write;
    const w = s().mediaWrite;
    assert.ok(w.status === 'failed' && w.cancelled);
    assert.deepEqual(w.status === 'failed' ? w.items.map((i) => i.status) : [], ['stopped']);
  });
});
