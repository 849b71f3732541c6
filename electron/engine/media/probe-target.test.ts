// Probing target folders before a plan: free space, file system, a bundle already there, Ferry's
// own files and leftovers, and what stops a write. Real folders on this machine.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, statfs, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir, removeDir } from '../../../e2e/harness/index.js';
import { FerryError } from '../errors/ferry-error.js';
import { parseMountInfo } from './file-system-type.js';
import { probeTargets } from './probe-target.js';

let work: string;
before(async () => {
  work = await makeTempDir('ferry-probe');
});
after(async () => {
  await removeDir(work);
});

async function folder(name: string, files: Record<string, string> = {}): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return dir;
}

describe('probeTargets', () => {
  test('an empty folder: its free space and cluster size from statfs, its file system, no bundle, nothing in the way', async () => {
    const dir = await folder('empty');
    const [t] = await probeTargets([dir]);
    const s = await statfs(dir);
    assert.equal(t!.path, dir);
    assert.equal(t!.blockSize, s.bsize);
    assert.ok(Math.abs(t!.freeBytes - s.bavail * s.bsize) < 1e9);
    assert.ok(t!.fsType && t!.fsType.length > 0);
    assert.equal(t!.bundleId, null);
    assert.equal(t!.blocker, undefined);
    assert.equal(t!.ownedBytes, 0);
    assert.equal(typeof t!.device, 'string');
  });

  test('a bundle already there: its id, and its files counted in whole clusters; leftovers of a run counted apart', async () => {
    const id = randomUUID();
    const dir = await folder('bundle', { 'bundle.json': JSON.stringify({ id }), 'bundle.tar.001': 'x'.repeat(5000), 'README.txt': 'r', '.ferry-ab12cd34-bundle.tar.002.partial': 'y', 'photo.jpg': 'mine' });
    const [t] = await probeTargets([dir]);
    assert.equal(t!.bundleId, id);
    assert.equal(t!.blocker, undefined);
    const b = t!.blockSize!;
    assert.equal(t!.ownedBytes, b + Math.ceil(5000 / b) * b + b, 'bundle.json, the part, README.txt; not photo.jpg');
    assert.equal(t!.leftoverBytes, b);
  });

  test('what stops a write: bundle files without bundle.json, an unreadable bundle.json, a README.txt that is not Ferry\u2019s', async () => {
    const [stray, unreadable, readme] = await probeTargets([
      await folder('stray', { 'bundle.tar.001': 'x' }),
      await folder('unreadable', { 'bundle.json': '{ not json' }),
      await folder('readme', { 'README.txt': 'my notes' }),
    ]);
    assert.match(stray!.blocker!, /holds bundle files \(bundle\.tar\.001\) but no bundle\.json/);
    assert.match(unreadable!.blocker!, /holds a bundle\.json Ferry cannot read/);
    assert.match(readme!.blocker!, /holds a README\.txt that is not Ferry's/);
  });

  test('a bundle.json that is a FIFO, a link to /dev/zero, or a duplicate-key id: never read whole or waited on, a blocker at once', { timeout: 20_000 }, async () => {
    const fifo = await folder('fifo');
    execFileSync('mkfifo', [join(fifo, 'bundle.json')]);
    const zero = await folder('zero');
    await symlink('/dev/zero', join(zero, 'bundle.json'));
    const twice = await folder('twice', { 'bundle.json': `{"id":"${randomUUID()}","id":"${randomUUID()}"}` });
    const probed = await probeTargets([fifo, zero, twice]);
    for (const t of probed) {
      assert.equal(t.bundleId, null, t.path);
      assert.match(t.blocker!, /holds a bundle\.json Ferry cannot read/, t.path);
    }
  });

  test('a missing target or a file is an error naming it', async () => {
    await assert.rejects(probeTargets([join(work, 'nope')]), (e: FerryError) => e.code === 'not-found' && e.message.includes('is the volume mounted?'));
    const file = join(await folder('f'), 'file');
    await writeFile(file, 'x');
    await assert.rejects(probeTargets([file]), (e: FerryError) => e.code === 'bad-usage');
  });
});

describe('parseMountInfo', () => {
  test('reads mount points (with escaped spaces) and file-system types, FUSE subtypes included', () => {
    const text = [
      '22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
      '98 22 8:17 / /media/alice/MY\\040STICK rw,nosuid shared:50 - vfat /dev/sdb1 rw,fmask=0022',
      '99 22 0:52 / /tmp/ffm rw,nosuid,nodev,relatime shared:51 - fuse.fusefat fusefat rw,user_id=0',
      '',
    ].join('\n');
    assert.deepEqual(parseMountInfo(text), [
      { mountPoint: '/', fsType: 'ext4', source: '/dev/vda' },
      { mountPoint: '/media/alice/MY STICK', fsType: 'vfat', source: '/dev/sdb1' },
      { mountPoint: '/tmp/ffm', fsType: 'fuse.fusefat', source: 'fusefat' },
    ]);
  });
});
