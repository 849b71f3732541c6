// The built `ferry` command (bin/ferry.js → dist/ferry.mjs), as `npx ferry` runs it after `npm run build`.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { run } from '../harness/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = `${root}bin/ferry.js`;

test('npm run build produced the bundled CLI (npm test builds before testing)', () => {
  assert.ok(existsSync(`${root}dist/ferry.mjs`), 'dist/ferry.mjs is missing: run `npm run build`');
});

test('bin/ferry.js answers --version with the package version, and --help lists the commands', async () => {
  const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
  const v = await run(process.execPath, [bin, '--version']);
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.stdout.trim(), version);
  const help = await run(process.execPath, [bin, '--help']);
  assert.match(help.stdout, /bundle/);
  assert.match(help.stdout, /inspect/);
});

test('npx ferry resolves to this checkout', async () => {
  const r = await run('npx', ['--no-install', 'ferry', '--version'], { cwd: root });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\d+\.\d+\.\d+/);
});

test('the built CLI exits 1 with a clear message for a folder that is no bundle', async () => {
  const r = await run(process.execPath, [bin, 'inspect', `${root}no-such-bundle`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /No bundle at .*no-such-bundle/);
});
