import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { formatSha256Sums, parseSha256Sums, readSha256Sums } from './sha256sums.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-sums-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('coreutils sha256sum -c accepts what Ferry writes, and Ferry reads what sha256sum writes', () => {
  const files = { 'bundle.json': '{"a":1}\n', 'bundle.tar.001': 'x'.repeat(1000), 'bundle.tar.002': 'tail' };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const lines = Object.entries(files).map(([name, text]) => ({ name, sha256: createHash('sha256').update(text).digest('hex') }));
  writeFileSync(join(dir, 'SHA256SUMS'), formatSha256Sums(lines));
  const out = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
  assert.equal(out.trim().split('\n').length, 3);
  assert.match(out, /bundle\.tar\.002: OK/);
  const theirs = execFileSync('sha256sum', Object.keys(files), { cwd: dir, encoding: 'utf8' });
  assert.deepEqual(parseSha256Sums(theirs), lines);
});

test('a malformed line is refused', () => {
  assert.throws(() => parseSha256Sums('abc  file\n'), /line 1/);
});

test('readSha256Sums reads what sha256sum writes (escaped names, binary marker, CRLF) and keeps going past bad lines', () => {
  writeFileSync(join(dir, 'back\\slash'), 'b');
  const theirs = execFileSync('sha256sum', ['-b', 'back\\slash', 'bundle.json'], { cwd: dir, encoding: 'utf8' });
  const text = `# comment\r\n${theirs.replace(/\n/g, '\r\n')}not a line\n${'A'.repeat(64)}  upper\n`;
  const listing = readSha256Sums(text);
  assert.deepEqual(listing.malformed, [4]);
  assert.deepEqual(
    listing.lines.map((l) => [l.name, l.line]),
    [
      ['back\\slash', 2],
      ['bundle.json', 3],
      ['upper', 5],
    ],
  );
  assert.equal(listing.lines[0]!.sha256, createHash('sha256').update('b').digest('hex'));
  assert.equal(listing.lines[2]!.sha256, 'a'.repeat(64));
});
