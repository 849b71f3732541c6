import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FILE_NAME_PATTERN } from '../../../shared/bundle-manifest.js';
import { FerryError } from '../errors/ferry-error.js';
import { fileNameOf } from './plan-files.js';
import { safeFilePath } from './write-bundle-files.js';

describe('plain file names', () => {
  it('takes the last segment of a path or URL', () => {
    assert.equal(fileNameOf('/srv/docs/notes.txt'), 'notes.txt');
    assert.equal(fileNameOf('https://dl.example.com/tools/kubectl-1.31.0.tar.gz?x=1'), 'kubectl-1.31.0.tar.gz');
    assert.equal(fileNameOf('http://dl.example.com/a%2Bb.bin'), 'a+b.bin');
  });

  it('refuses names that are not one safe segment', () => {
    for (const source of ['https://dl.example.com/', 'https://dl.example.com/..', 'https://dl.example.com/a%2F..%2Fb', '/tmp/with space.txt', `/tmp/${'x'.repeat(91)}`]) {
      assert.throws(() => fileNameOf(source), (e: unknown) => e instanceof FerryError && e.code === 'bad-usage', source);
    }
  });

  it('writes nothing outside the chosen folder, whatever bundle.json says', () => {
    assert.equal(safeFilePath('/out', 'notes.txt'), '/out/notes.txt');
    for (const name of ['../etc/passwd', '..', '.', 'a/b', '/etc/passwd', 'a\\b', '']) {
      assert.ok(!FILE_NAME_PATTERN.test(name) || name === '', name);
      assert.throws(() => safeFilePath('/out', name), (e: unknown) => e instanceof FerryError && e.code === 'bad-bundle', name);
    }
  });
});
