// The platforms slice: the chosen platforms mean "whichever of these each image has"; the real host's platforms.check
// says what each row lacks; a row with none of them is in error, one lacking some carries a warning. Only
// image.resolve is replaced (no registry here).
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { carriedReferences, platformIssue } from '../prepare-store.js';
import { prepareRig, resolveAtOnce, settle, type PrepareTestRig } from './prepare-test-support.js';

const rigs: PrepareTestRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

const LINUX = 'registry.local:5000/team/linux:1';
const ARM = 'registry.local:5000/team/multi:1';
const WIN = 'registry.local:5000/team/win:1';

describe('platforms against what each image has', () => {
  test('amd64, arm64 and Windows Server 2022 chosen: every image carries what it has, none is in error', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const r = await prepareRig(resolveAtOnce({ [LINUX]: ['linux/amd64'], [ARM]: ['linux/amd64', 'linux/arm64/v8'], [WIN]: ['windows/amd64:10.0.20348.2340', 'windows/amd64:10.0.17763.5000'] }));
    rigs.push(r);
    const s = r.store.getState;
    s().setListText([LINUX, ARM, WIN].join('\n'), { now: true });
    await settle();
    for (const p of ['linux/amd64', 'linux/arm64', 'windows/amd64:ltsc2022']) s().toggleDefaultPlatform(p);
    t.mock.timers.tick(150);
    await settle();
    assert.deepEqual(s().missing, { [LINUX]: ['linux/arm64', 'windows/amd64:ltsc2022'], [ARM]: ['windows/amd64:ltsc2022'], [WIN]: ['linux/amd64', 'linux/arm64'] });
    assert.deepEqual([LINUX, ARM, WIN].map((x) => platformIssue(s(), x)?.kind), ['some', 'some', 'some']);
    assert.deepEqual(carriedReferences(s()), [LINUX, ARM, WIN], 'a mixed Linux and Windows list carries every image');
    // only Windows Server 2019 chosen: the Linux images have none of it
    for (const p of ['linux/amd64', 'linux/arm64', 'windows/amd64:ltsc2022', 'windows/amd64:ltsc2019']) s().toggleDefaultPlatform(p);
    t.mock.timers.tick(150);
    await settle();
    assert.deepEqual([LINUX, ARM, WIN].map((x) => platformIssue(s(), x)?.kind), ['none', 'none', undefined]);
    assert.deepEqual(carriedReferences(s()), [WIN]);
    // an image's own platforms, among those it publishes, replace the choice for it
    s().setOverride(ARM, ['linux/arm64/v8']);
    t.mock.timers.tick(150);
    await settle();
    assert.equal(platformIssue(s(), ARM), undefined);
    assert.deepEqual(carriedReferences(s()), [ARM, WIN]);
    s().setOverride(ARM, []);
    assert.equal(s().overrides[ARM], undefined, 'no platform left: back to the bundle choice');
  });

  test('changes in a burst are checked once, after the pause', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const r = await prepareRig(resolveAtOnce());
    rigs.push(r);
    const s = r.store.getState;
    s().setListText(LINUX, { now: true });
    await settle();
    t.mock.timers.tick(150);
    await settle();
    const before = r.host.inputsOf('platforms.check').length;
    s().toggleDefaultPlatform('linux/amd64');
    s().toggleDefaultPlatform('linux/arm64');
    s().toggleDefaultPlatform('linux/arm/v7');
    t.mock.timers.tick(149);
    await settle();
    assert.equal(r.host.inputsOf('platforms.check').length, before);
    t.mock.timers.tick(1);
    await settle();
    assert.equal(r.host.inputsOf('platforms.check').length, before + 1);
    assert.deepEqual(s().missing, { [LINUX]: ['linux/arm64', 'linux/arm/v7'] });
  });
});
