import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { makeTempDir, removeDir } from '../harness/temp-dir.js';

const root = new URL('../..', import.meta.url).pathname;
const require = createRequire(import.meta.url);

interface BuilderConfig {
  appId: string;
  productName: string;
  asar: boolean;
  files: string[];
  extraResources: { from: string; to: string }[];
  publish: unknown;
  linux: { target: string[]; icon: string };
  win: { target: string[]; icon: string };
  mac: { target: string[]; icon: string };
}

test('electron-builder.yml parses, passes electron-builder\'s own schema and names every required target', async () => {
  const config = parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
  assert.equal(config.appId, 'io.ferry.app');
  assert.equal(config.productName, 'Ferry');
  assert.equal(config.asar, true);
  assert.ok(config.files.includes('dist/**'));
  assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
  assert.deepEqual(config.win.target, ['nsis', 'portable']);
  assert.deepEqual(config.mac.target, ['dmg']);
  assert.equal(config.publish, null, 'no update server');
  for (const r of config.extraResources) assert.ok(existsSync(join(root, r.from)) || r.from.startsWith('dist/ferry'), `${r.from} exists`);
  assert.deepEqual(config.extraResources.map((r) => r.to).sort(), ['cli/ferry', 'cli/ferry-chunks', 'cli/ferry.cmd', 'cli/ferry.mjs', 'cli/package.json']);
  // the CLI's chunks (each command's code, imported lazily) ship next to its entry, without source maps
  const chunks = config.extraResources.find((r) => r.to === 'cli/ferry-chunks') as { from: string; filter?: string[] } | undefined;
  assert.equal(chunks?.from, 'dist/ferry-chunks');
  assert.deepEqual(chunks?.filter, ['**/*.mjs']);
  for (const icon of [config.win.icon, config.mac.icon, join(config.linux.icon, '512x512.png')]) assert.ok(existsSync(join(root, icon)), icon);
  // electron-builder's validator (the same check `npm run dist` starts with), offline
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as { validateConfiguration(c: unknown, l: unknown): Promise<void> };
  const { DebugLogger } = require('builder-util/out/DebugLogger.js') as { DebugLogger: new (enabled: boolean) => unknown };
  await validateConfiguration(config, new DebugLogger(false));
  await assert.rejects(validateConfiguration({ ...config, linux: { ...config.linux, notAnOption: 1 } }, new DebugLogger(false)), /does not match the API schema/);
});

test('the package scripts start and package the app; electron and electron-builder install without downloads', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string>; devDependencies: Record<string, string> };
  assert.equal(pkg.main, 'dist/electron/main.mjs');
  assert.match(pkg.scripts.start!, /npm run build && electron \./);
  assert.match(pkg.scripts.dist!, /electron-builder/);
  assert.match(pkg.scripts.typecheck!, /tsconfig\.electron\.json/);
  assert.ok(pkg.devDependencies.electron && pkg.devDependencies['electron-builder']);
  // electron fetches its binary lazily (on first require), never at install time: npm ci works offline
  const electronPkg = JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')) as { scripts?: Record<string, string> };
  assert.equal(electronPkg.scripts?.postinstall, undefined);
  assert.equal(electronPkg.scripts?.install, undefined);
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
  for (const name of ['electron', 'electron-builder', 'app-builder-lib', 'app-builder-bin', '@electron/get']) {
    assert.notEqual(lock.packages[`node_modules/${name}`]?.hasInstallScript, true, `${name} runs nothing at install time`);
  }
});

test('the shipped ferry launcher runs the bundled CLI (here through node, as on a host without the app binary next to it)', async () => {
  const cli = join(root, 'dist', 'ferry.mjs');
  if (!existsSync(cli)) execFileSync(process.execPath, [join(root, 'scripts', 'bundle-cli.mjs')], { cwd: root });
  const work = await makeTempDir('ferry-launcher');
  try {
    const dir = join(work, 'resources', 'cli');
    mkdirSync(dir, { recursive: true });
    copyFileSync(cli, join(dir, 'ferry.mjs'));
    // what electron-builder ships of dist/ferry-chunks (its filter): every chunk the entry may import
    const chunkDir = join(root, 'dist', 'ferry-chunks');
    mkdirSync(join(dir, 'ferry-chunks'));
    for (const name of readdirSync(chunkDir).filter((n) => n.endsWith('.mjs'))) copyFileSync(join(chunkDir, name), join(dir, 'ferry-chunks', name));
    copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
    copyFileSync(join(root, 'packaging', 'cli', 'ferry'), join(dir, 'ferry'));
    chmodSync(join(dir, 'ferry'), 0o755);
    const out = execFileSync(join(dir, 'ferry'), ['--version'], { encoding: 'utf8' });
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    assert.match(out, new RegExp(version.replace(/\./g, '\\.')));
    // a command whose code is in a lazily imported chunk runs from the shipped copy too
    const missing = spawnSync(join(dir, 'ferry'), ['inspect', join(work, 'no-bundle')], { encoding: 'utf8' });
    assert.equal(missing.status, 1, missing.stderr);
    assert.match(missing.stderr, /No bundle at .*no-bundle/);
  } finally {
    await removeDir(work);
  }
});
