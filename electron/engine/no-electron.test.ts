import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|js|mjs|cjs)$/.test(e.name) ? [path] : [];
  });
}

const pattern = /(from\s+['"]electron(\/[^'"]*)?['"]|require\(\s*['"]electron(\/[^'"]*)?['"]\s*\)|import\(\s*['"]electron(\/[^'"]*)?['"]\s*\))/;

test('the engine, the CLI and shared/ never import electron (they run in plain Node)', () => {
  const files = ['electron/engine', 'electron/cli', 'shared'].flatMap((d) => sources(join(root, d)));
  assert.ok(files.length > 20, `expected to scan the engine's sources, found ${files.length}`);
  const offenders = files.filter((f) => pattern.test(readFileSync(f, 'utf8').replace(/\/\/.*$/gm, '')));
  assert.deepEqual(offenders, []);
});

test('the boundary check itself catches an electron import', () => {
  // built from parts so this file itself holds no import-looking line
  const name = 'electron';
  assert.ok(pattern.test(`import { app } from '${name}';`));
  assert.ok(pattern.test(`const { ipcMain } = require('${name}');`));
  assert.ok(pattern.test(`await import('${name}/main')`));
  assert.ok(!pattern.test(`import { x } from './electron-helpers.js';`));
});
