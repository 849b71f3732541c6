import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink, truncate, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FerryError } from '../errors/ferry-error.js';
import { readRegularFile } from './read-regular-file.js';

describe('readRegularFile', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-read-regular-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a regular file within its cap', async () => {
    await writeFile(join(dir, 'ok.json'), '{"a":1}');
    assert.equal((await readRegularFile(join(dir, 'ok.json'), { maxBytes: 100 })).toString(), '{"a":1}');
  });

  it('refuses a file over its cap by its size, before reading (a sparse 1 GiB file costs nothing)', async () => {
    const big = join(dir, 'big.json');
    await writeFile(big, '');
    await truncate(big, 1024 ** 3);
    const rss = process.memoryUsage().rss;
    await assert.rejects(readRegularFile(big, { maxBytes: 64 * 1024 * 1024, what: 'bundle.json' }), (e: FerryError) => e.code === 'bad-bundle' && /bundle\.json is 1073741824 bytes/.test(e.message));
    assert.ok(process.memoryUsage().rss - rss < 50 * 1024 * 1024, 'memory stays flat');
  });

  it('refuses a symbolic link (even to a regular file), /dev/zero behind a link, a FIFO and a folder, without hanging', async () => {
    await writeFile(join(dir, 'target'), 'x');
    await symlink(join(dir, 'target'), join(dir, 'link'));
    await symlink('/dev/zero', join(dir, 'zero'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    await mkdir(join(dir, 'folder'));
    const cases: [string, RegExp][] = [
      ['link', /is a symbolic link/],
      ['zero', /is a symbolic link/],
      ['fifo', /is not a regular file \(a FIFO\)/],
      ['folder', /is not a regular file \(a folder\)/],
    ];
    for (const [name, message] of cases) {
      await assert.rejects(readRegularFile(join(dir, name), { maxBytes: 1024, what: name }), (e: FerryError) => e instanceof FerryError && message.test(e.message) && e.message.startsWith(name), name);
    }
    await assert.rejects(readRegularFile('/dev/zero', { maxBytes: 1024 }), /not a regular file \(a character device\)/);
  });

  it('says a missing file is not found', async () => {
    await assert.rejects(readRegularFile(join(dir, 'nope'), { maxBytes: 10 }), (e: FerryError) => e.code === 'not-found');
  });
});
