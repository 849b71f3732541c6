// `ferry verify` end to end: the real CLI as a child process on real bundles (makeTestBundle),
// its exit codes (0 intact, 1 damaged, 2 usage), its human and JSON output.
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdirSync, openSync, readSync, writeSync, closeSync, writeFileSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { VerifyReport } from '../../shared/verify-report.js';
import { makeTestBundle, run, type TestBundle } from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';

let bundle: TestBundle;

before(async () => {
  bundle = await makeTestBundle({ split: '1MiB', bigLayers: 2 });
});
after(async () => {
  await bundle?.cleanup();
});

/** A damaged copy: one byte inverted in the middle of bundle.tar.002, inside a big layer. */
function damagedCopy(name: string): string {
  const dir = join(bundle.work, name);
  cpSync(bundle.dir, dir, { recursive: true });
  const fd = openSync(join(dir, 'bundle.tar.002'), 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, 600_000);
  b[0] = b[0]! ^ 0xff;
  writeSync(fd, b, 0, 1, 600_000);
  closeSync(fd);
  return dir;
}

test('an intact bundle: exit 0, a line per check, and sha256sum -c agrees', async () => {
  const r = await runFerry(['verify', bundle.dir]);
  assert.equal(r.code, 0, r.stderr);
  for (const line of [/✓ bundle\.json/, /✓ SHA256SUMS/, /✓ parts .*\d+ data parts/, /✓ blobs .*sizes and sha256 match/, /✓ structure/, /^Intact: /m]) assert.match(r.stdout, line);
  const sums = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: bundle.dir });
  assert.equal(sums.code, 0, sums.stdout);
});

test('a damaged blob: exit 1, the fault lists the part and the blob, the error says damaged', async () => {
  const dir = damagedCopy('damaged');
  const r = await runFerry(['verify', dir]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /✗ parts/);
  assert.match(r.stdout, /checksum: bundle\.tar\.002 .* is damaged/);
  assert.match(r.stdout, /blob-digest: The layer sha256:[a-f0-9]{64} of .*test\/big:1 in .*bundle\.tar\.002/);
  assert.match(r.stdout, /^DAMAGED: 2 faults found\./m);
  assert.match(r.stderr, /ferry: error: The bundle is damaged: 2 faults/);
  const sums = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir });
  assert.notEqual(sums.code, 0, 'sha256sum -c agrees it is damaged');
});

test('--json prints the report object, then the error line', async () => {
  const dir = damagedCopy('damaged-json');
  const r = await runFerry(['verify', '--json', dir]);
  assert.equal(r.code, 1);
  const [first, second] = r.stdout.trim().split('\n');
  const report = JSON.parse(first!) as VerifyReport & { type: string };
  assert.equal(report.type, 'result');
  assert.equal(report.ok, false);
  assert.equal(report.integrity.bundleId, bundle.manifest.id);
  assert.deepEqual(report.integrity.faults.map((f) => [f.kind, f.part]).sort(), [
    ['blob-digest', 'bundle.tar.002'],
    ['checksum', 'bundle.tar.002'],
  ]);
  assert.deepEqual(JSON.parse(second!).error.code, 'damaged');
  // progress went to stderr as JSON lines
  assert.ok(r.stderr.split('\n').some((l) => l.startsWith('{"type":"progress","kind":"phase-start","phase":"verify"')));
});

test('a multi-volume set given as several folders verifies (exit 0)', async () => {
  const names = bundle.manifest.archive.parts.map((p) => p.name);
  const vols = [names.slice(0, 1), names.slice(1)].map((parts, i) => {
    const vol = join(bundle.work, 'set', `usb${i + 1}`);
    mkdirSync(vol, { recursive: true });
    const files = ['bundle.json', ...parts];
    for (const f of files) copyFileSync(join(bundle.dir, f), join(vol, f));
    writeFileSync(join(vol, 'SHA256SUMS'), files.map((f) => `${createHash('sha256').update(readFileSync(join(vol, f))).digest('hex')}  ${f}\n`).join(''));
    return vol;
  });
  const r = await runFerry(['verify', ...vols]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /the same on all 2 volumes/);
});

test('usage: no folder or a folder that does not exist is exit 2; a folder without bundle.json is exit 1', async () => {
  const none = await runFerry(['verify']);
  assert.equal(none.code, 2);
  const missing = await runFerry(['verify', join(bundle.work, 'no-such-folder')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /does not exist/);
  const empty = join(bundle.work, 'empty');
  mkdirSync(empty);
  const r = await runFerry(['verify', empty]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /missing-file: .* has no bundle\.json/);
});
