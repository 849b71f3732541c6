#!/usr/bin/env node
// Runs every *.test.ts under the project with node's test runner (through tsx).
// Usage: node scripts/run-tests.mjs [path-substring...]
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const skip = new Set(['node_modules', 'dist', '.git', 'test-results']);

/** Every test file below dir. */
function findTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(path));
    else if (entry.name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out.sort();
}

const filters = process.argv.slice(2);
const files = findTests(root).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
/** Files in the checkout that git neither tracks nor ignores (what a test may have left behind), or undefined outside git. */
function strayFiles() {
  try {
    return new Set(execFileSync('git', ['ls-files', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean));
  } catch {
    return undefined;
  }
}

const strayBefore = strayFiles();
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit' },
);
child.on('exit', (code, signal) => {
  // tests write only into their own temp folders and test-results/: anything new in the checkout is a defect
  const after = strayFiles();
  const left = strayBefore && after ? [...after].filter((f) => !strayBefore.has(f)) : [];
  if (left.length > 0) console.error(`run-tests: the tests left files in the checkout: ${left.join(', ')}`);
  process.exit(code !== null && code !== 0 ? code : signal || left.length > 0 ? 1 : 0);
});
