// The build slice: every problem listed before anything is sent (each on its row or field), the one size parser,
// the count of rows carried, and no stale state (rows stopped after a failure or a cancel, a new build resetting the
// last one's rows, a problem gone as soon as it is fixed). The real API host in this process; image.resolve and
// bundle.create are replaced (no registry here: e2e/app/prepare.test.ts builds for real).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import type { CreateBundleSummary } from '../../../shared/api-contract.js';
import { FerryError } from '../../../electron/engine/errors/ferry-error.js';
import { parseReference } from '../../../electron/engine/reference/parse-reference.js';
import { carriedReferences } from '../prepare-store.js';
import { prepareRig, resolved, whenState, type PrepareTestRig } from './prepare-test-support.js';

const rigs: PrepareTestRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

const A = 'registry.local:5000/team/app:1';
const WIN = 'registry.local:5000/team/win:1';
const MIXED = 'registry.local:5000/team/mixed:1';
const published: Record<string, string[]> = { [A]: ['linux/amd64', 'linux/arm64/v8'], [WIN]: ['windows/amd64:10.0.20348.2340'], [MIXED]: ['linux/amd64'] };

/** A summary as bundle.create answers (only what the store reads). */
const summaryIn = (dir: string): CreateBundleSummary => ({ dir: join(dir, 'out'), manifest: { id: 'b1' }, stats: { blobs: 0, bytes: 0, bytesFromCache: 0, bytesFetched: 0, seconds: 0, blobsOmitted: 0, bytesOmitted: 0 } }) as unknown as CreateBundleSummary;

/** A rig whose image.resolve answers from `published` (a bad one for `Missing`) and whose bundle.create runs `create`. */
async function rig(create?: (input: unknown, controls: { onProgress: (e: never) => void; signal: AbortSignal }) => Promise<CreateBundleSummary>): Promise<PrepareTestRig & { created: unknown[] }> {
  const created: unknown[] = [];
  let dirRef = '';
  const r = await prepareRig({
    'image.resolve': async ({ reference }) => {
      parseReference(reference);
      if (reference.includes('missing')) throw new FerryError('not-found', `${reference} was not found.`);
      return resolved(reference, published[reference] ?? ['linux/amd64']);
    },
    'bundle.create': async (input, controls) => {
      created.push(input);
      return create ? create(input, controls as never) : summaryIn(dirRef);
    },
  });
  dirRef = r.dir;
  rigs.push(r);
  return { ...r, created };
}

/** Pastes `refs` and waits for every lookup and the platform check. */
async function paste(r: PrepareTestRig, refs: string[]): Promise<void> {
  r.store.getState().setListText(refs.join('\n'), { now: true });
  await whenState(r.store, (state) => state.references.every((x) => state.resolutions[x]?.status === 'ok' || state.resolutions[x]?.status === 'error'));
}

describe('Build checks everything first', () => {
  test('every problem at once, each on its row or field; nothing is sent', async () => {
    const r = await rig();
    const s = r.store.getState;
    await paste(r, [A, 'Nginx:1.27', 'registry.local:5000/team/missing:1', WIN]);
    s().toggleDefaultPlatform('linux/amd64');
    s().toggleDefaultPlatform('linux/arm64');
    s().setSplitMode('custom');
    s().setCustomSize('4Gi');
    s().setParity('40');
    await s().startBuild();
    const problems = s().problems;
    assert.deepEqual(
      problems.map((p) => [p.field, p.reference ?? '']),
      [
        ['row', 'Nginx:1.27'],
        ['row', 'registry.local:5000/team/missing:1'],
        ['row', WIN],
        ['outputDir', ''],
        ['split', ''],
        ['parity', ''],
      ],
    );
    assert.match(problems[0]!.message, /lowercase/);
    assert.match(problems[2]!.message, /none of the chosen platforms \(it publishes windows\/amd64:10\.0\.20348\.2340\)/);
    assert.match(problems[4]!.message, /Type a part size like 700MB/, '4Gi is refused here as the engine refuses it');
    assert.equal(r.created.length, 0, 'nothing sent to the host');
    assert.equal(s().build.status, 'idle');
    // the button counts only the rows that will be carried
    assert.deepEqual(carriedReferences(s()), [A]);
  });

  test('the shared size parser: 4GiB and a byte count pass, under 1 MiB is too small, fit media needs a size or drives', async () => {
    const r = await rig();
    const s = r.store.getState;
    await paste(r, [A]);
    s().setOutputDir(join(r.dir, 'out'));
    s().setSplitMode('custom');
    s().setCustomSize('512KiB');
    await s().startBuild();
    assert.match(s().problems[0]?.message ?? '', /at least .*1 MiB/);
    s().setSplitMode('fit');
    s().setFitSize('2 GB');
    await s().startBuild();
    assert.deepEqual(s().problems, []);
    assert.equal((r.created.at(-1) as { split?: number }).split, Math.min(Math.floor(2e9 * 0.99) - 256 * 1024, 64 * 1024 ** 3));
    s().setSplitMode('custom');
    s().setCustomSize('4GiB');
    s().setParity('2');
    await s().startBuild();
    assert.deepEqual(s().problems, []);
    const input = r.created.at(-1) as { split?: number; parity?: number };
    assert.equal(input.split, 4 * 1024 ** 3);
    assert.equal(input.parity, 2);
  });

  test('a mixed list with amd64 and arm64 chosen builds: each image carries what it has; every-platform-required is sent when ticked', async () => {
    const r = await rig();
    const s = r.store.getState;
    await paste(r, [A, MIXED]);
    s().toggleDefaultPlatform('linux/amd64');
    s().toggleDefaultPlatform('linux/arm64');
    s().setOutputDir(join(r.dir, 'out'));
    await s().startBuild();
    assert.deepEqual(s().problems, []);
    assert.deepEqual(s().missing, { [MIXED]: ['linux/arm64'] }, 'a warning on the row, not an error');
    assert.deepEqual(carriedReferences(s()), [A, MIXED]);
    const input = r.created[0] as { images: string[]; platforms: string[]; allPlatformsRequired?: boolean };
    assert.deepEqual(input.images, [A, MIXED]);
    assert.deepEqual(input.platforms, ['linux/amd64', 'linux/arm64']);
    assert.equal(input.allPlatformsRequired, undefined);
    s().setAllPlatformsRequired(true);
    await s().startBuild();
    assert.equal(s().problems.length, 1);
    assert.match(s().problems[0]!.message, /lacks linux\/arm64, and every image must have every chosen platform/);
    s().setOverride(MIXED, ['linux/amd64']);
    await s().startBuild();
    assert.deepEqual(s().problems, []);
    assert.equal((r.created.at(-1) as { allPlatformsRequired?: boolean }).allPlatformsRequired, true);
    assert.deepEqual((r.created.at(-1) as { imagePlatforms?: unknown }).imagePlatforms, [{ image: MIXED, platforms: ['linux/amd64'] }]);
  });
});

describe('no stale state', () => {
  test('"Add at least one image" goes as soon as one is added; each problem goes when fixed', async () => {
    const r = await rig();
    const s = r.store.getState;
    await s().startBuild();
    assert.deepEqual(s().problems.map((p) => p.field), ['images', 'outputDir']);
    await paste(r, [A]);
    assert.deepEqual(s().problems.map((p) => p.field), ['outputDir'], 'the images problem left with the first image');
    s().setOutputDir(join(r.dir, 'out'));
    assert.deepEqual(s().problems, []);
  });

  test('a failed build leaves no row resolving: they show stopped; a new build starts with no rows of the last', async () => {
    let fail = true;
    const r = await rig(async (_input, { onProgress }) => {
      onProgress({ kind: 'item-start', phase: 'resolve', item: A } as never);
      onProgress({ kind: 'item-start', phase: 'resolve', item: MIXED } as never);
      if (fail) throw new FerryError('not-found', 'registry.local:5000/team/app:1 was not found.');
      return summaryIn(r.dir);
    });
    const s = r.store.getState;
    await paste(r, [A, MIXED]);
    s().setOutputDir(join(r.dir, 'out'));
    await s().startBuild();
    const failed = s().build;
    assert.equal(failed.status, 'failed');
    assert.ok(failed.status === 'failed' && failed.items.length > 0 && failed.items.every((i) => i.status === 'stopped'), JSON.stringify(failed));
    fail = false;
    const seen: string[] = [];
    const unsubscribe = r.store.subscribe((state) => void seen.push(`${state.build.status}:${'items' in state.build ? state.build.items.map((i) => i.status).join(',') : ''}`));
    await s().startBuild();
    unsubscribe();
    assert.equal(seen.find((x) => x.startsWith('running')), 'running:', 'the last build rows are gone when the next starts');
    assert.equal(s().build.status, 'done');
  });

  test('after Cancel no row stays fetching', async () => {
    const r = await rig(
      (_input, { onProgress, signal }) =>
        new Promise((_resolve, reject) => {
          onProgress({ kind: 'item-start', phase: 'fetch', item: A } as never);
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
    );
    const s = r.store.getState;
    await paste(r, [A]);
    s().setOutputDir(join(r.dir, 'out'));
    const build = s().startBuild();
    await whenState(r.store, (state) => state.build.status === 'running' && state.build.items.length > 0);
    s().cancelBuild();
    assert.ok(s().build.status === 'running' && (s().build as { cancelling: boolean }).cancelling);
    await build;
    const b = s().build;
    assert.ok(b.status === 'failed' && b.cancelled, JSON.stringify(b));
    assert.deepEqual(b.status === 'failed' ? b.items.map((i) => i.status) : [], ['stopped']);
  });
});
