// The built `ferry` command (bin/ferry.js → dist/ferry.mjs), as `npx ferry` runs it after `npm run build`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { run } from '../harness/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = `${root}bin/ferry.js`;

test('npm run build produced the bundled CLI (npm test builds before testing)', () => {
  assert.ok(existsSync(`${root}dist/ferry.mjs`), 'dist/ferry.mjs is missing: run `npm run build`');
});

test('the built CLI is split: a small entry, every chunk it imports on disk, the engine loaded only by commands', () => {
  const entry = readFileSync(`${root}dist/ferry.mjs`, 'utf8');
  const chunkDir = `${root}dist/ferry-chunks`;
  const chunks = readdirSync(chunkDir).filter((n) => n.endsWith('.mjs'));
  // the entry answers --version itself and imports main (commander and the command definitions) lazily;
  // the commands' implementations are dynamic imports of their own chunks from there
  const mainChunk = /import\("\.\/ferry-chunks\/(main-[A-Z0-9]+\.mjs)"\)/.exec(entry);
  assert.ok(mainChunk, 'main is imported lazily');
  const wiring = readFileSync(`${chunkDir}/${mainChunk[1]}`, 'utf8');
  for (const command of ['bundle', 'inspect', 'verify', 'import', 'write', 'serve']) {
    assert.match(wiring, new RegExp(`import\\("\\./(?:ferry-chunks/)?${command}-run-[A-Z0-9]+\\.mjs"\\)`), `${command} is imported lazily`);
  }
  // every chunk referenced from the entry or another chunk exists (what electron-builder ships)
  for (const [name, text] of [['ferry.mjs', entry], ...chunks.map((c) => [c, readFileSync(`${chunkDir}/${c}`, 'utf8')])] as [string, string][]) {
    for (const m of text.matchAll(/["']\.\/(?:ferry-chunks\/)?([\w-]+\.mjs)["']/g)) assert.ok(chunks.includes(m[1]!), `${name} imports ${m[1]}, which is missing`);
  }
  // what --version loads: the entry and its static imports; no engine dependency (undici, zod, systeminformation)
  const eager = [entry, ...[...entry.matchAll(/from "\.\/ferry-chunks\/([\w-]+\.mjs)"/g)].map((m) => readFileSync(`${chunkDir}/${m[1]}`, 'utf8'))].join('\n');
  assert.ok(eager.length < 400_000, `the eagerly loaded code is ${eager.length} bytes`);
  for (const dependency of ['node_modules/undici/', 'node_modules/zod/', 'node_modules/systeminformation/', 'node_modules/yaml/']) assert.ok(!eager.includes(dependency), `${dependency} is not loaded at start`);
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

test('a reader that goes away (`ferry --help | head -0`) ends the command quietly, not with an EPIPE crash', async () => {
  const child = spawn(process.execPath, [bin, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy(); // the pipe's reader closes before ferry writes a byte
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|Error/);
});
