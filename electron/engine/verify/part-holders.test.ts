// A part missing from the volumes given: the error names the volume holding it (from the README.txt Ferry wrote on
// each volume) and hints at bringing that volume; a part of the wrong size hints at repair. Real bundles, real files.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTestBundle, rejectsWith, type TestBundle } from '../../../e2e/harness/index.js';
import { BundleArchive } from '../bundle/bundle-archive.js';
import { volumeReadme } from '../media/volume-readme.js';
import type { PlannedVolume } from '../media/plan-media.js';
import { openBundleVolumes } from './bundle-volumes.js';
import { volumeHoldingPart } from './part-holders.js';

let bundle: TestBundle;
let vols: string[];
before(async () => {
  bundle = await makeTestBundle({ split: '1MiB', bigLayers: 2, layerBytes: 700 * 1024 });
  const parts = bundle.manifest.archive.parts;
  vols = [join(bundle.work, 'vol1'), join(bundle.work, 'vol2')];
  const planned: PlannedVolume[] = vols.map((path, i) => ({
    index: i + 1,
    path,
    parts: parts.filter((_, j) => j % 2 === i),
    bytes: 0,
    usable: 0,
    fsType: 'ext4',
    existing: 'none',
  }));
  for (const [i, vol] of vols.entries()) {
    mkdirSync(vol);
    cpSync(join(bundle.dir, 'bundle.json'), join(vol, 'bundle.json'));
    for (const p of planned[i]!.parts) cpSync(join(bundle.dir, p.name), join(vol, p.name));
    writeFileSync(join(vol, 'README.txt'), volumeReadme(bundle.manifest, planned, i + 1));
  }
});
after(() => bundle?.cleanup());

describe('a part on another volume', () => {
  test('the error names the volume that holds it and hints at bringing it', async () => {
    assert.ok(bundle.manifest.archive.parts.length >= 2);
    const error = await rejectsWith(BundleArchive.open([vols[0]!]), 'damaged', /Archive part bundle\.tar\.002 .* is missing from .*vol1: it is on volume 2 of 2, which was not given\.$/);
    assert.equal(error.hint, 'other-volume');
    assert.doesNotMatch(error.message, /--|ferry /);
    assert.equal(await volumeHoldingPart(await openBundleVolumes([vols[0]!]), 'bundle.tar.001'), 'volume 1 of 2');
  });

  test('a README that is not Ferry’s names no volume; a part of the wrong size hints at repair', async () => {
    const stray = join(bundle.work, 'stray');
    mkdirSync(stray);
    cpSync(join(bundle.dir, 'bundle.json'), join(stray, 'bundle.json'));
    cpSync(join(bundle.dir, 'bundle.tar.001'), join(stray, 'bundle.tar.001'));
    writeFileSync(join(stray, 'README.txt'), 'Volume x of 2\n  volume 2: bundle.tar.0022\n  volume \u001b[31m3: bundle.tar.002\n');
    assert.equal(await volumeHoldingPart(await openBundleVolumes([stray]), 'bundle.tar.002'), undefined);
    const missing = await rejectsWith(BundleArchive.open([stray]), 'damaged', /bundle\.tar\.002 .* is missing from [^:]*\.$/);
    assert.equal(missing.hint, 'other-volume');

    const cut = join(bundle.work, 'cut');
    cpSync(bundle.dir, cut, { recursive: true });
    truncateSync(join(cut, 'bundle.tar.001'), 10);
    const short = await rejectsWith(BundleArchive.open([cut]), 'damaged', /bundle\.tar\.001 .* has the wrong size/);
    assert.equal(short.hint, 'repair');
  });
});
