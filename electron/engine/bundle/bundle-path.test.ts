import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir, removeDir } from '../../../e2e/harness/index.js';
import { bundleArgument, bundlePathOf } from './bundle-path.js';

test('a bundle is a folder holding bundle.json or that file; arguments are scanned past options and other files', async () => {
  const work = await makeTempDir('ferry-bundle-path');
  try {
    const bundle = join(work, 'b');
    await mkdir(join(work, 'empty'));
    await mkdir(bundle);
    await writeFile(join(bundle, 'bundle.json'), '{}');
    await writeFile(join(work, 'main.mjs'), '');
    assert.equal(bundlePathOf(bundle), bundle);
    assert.equal(bundlePathOf(join(bundle, 'bundle.json')), join(bundle, 'bundle.json'));
    assert.equal(bundlePathOf(join(work, 'empty')), undefined);
    assert.equal(bundlePathOf(join(work, 'main.mjs')), undefined);
    assert.equal(bundlePathOf(join(work, 'nowhere', 'bundle.json')), undefined);
    // how Electron hands them over: the executable, maybe the main script, switches, then the folder
    assert.equal(bundleArgument(['/opt/Ferry/ferry', join(work, 'main.mjs'), '--no-sandbox', `--user-data-dir=${bundle}`, bundle]), bundle);
    assert.equal(bundleArgument(['/opt/Ferry/ferry', '--flag']), undefined);
  } finally {
    await removeDir(work);
  }
});
