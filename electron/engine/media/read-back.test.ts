// Read-back and file-system detection on real file systems: sha256 as sha256sum computes it, and
// proof that the read-back bypasses the page cache (a byte changed on the device underneath a
// mounted ext4 loop image is seen by the direct read, while a cached read still returns the old bytes).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir, mountLoopImageOrDir, mountTmpfsOrDir, removeDir, run, type TestVolume } from '../../../e2e/harness/index.js';
import { fileSystemFromMagic, isFatFileSystem, kernelFileSystemOf } from './file-system-type.js';
import { probeTargets } from './probe-target.js';
import { readBackFile } from './read-back.js';

let work: string;
before(async () => {
  work = await makeTempDir('ferry-read-back');
});
after(async () => {
  await removeDir(work);
});

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('readBackFile', () => {
  test('hashes files of awkward sizes exactly as sha256sum does, direct and through the cache', async () => {
    for (const size of [0, 1, 4095, 4096, 4 * 1024 * 1024 + 3, 9 * 1024 * 1024]) {
      const path = join(work, `f-${size}`);
      await writeFile(path, randomBytes(size));
      const expected = (await run('sha256sum', [path])).stdout.split(' ')[0];
      const direct = await readBackFile(path);
      const cached = await readBackFile(path, { direct: false });
      assert.equal(direct.sha256, expected, `direct, ${size} bytes`);
      assert.equal(direct.bytes, size);
      assert.equal(cached.sha256, expected, `cached, ${size} bytes`);
      assert.equal(cached.direct, false);
    }
  });

  test('counts progress and stops when cancelled', async () => {
    const path = join(work, 'progress');
    await writeFile(path, randomBytes(9 * 1024 * 1024));
    let seen = 0;
    await readBackFile(path, { onBytes: (n) => (seen += n) });
    assert.equal(seen, 9 * 1024 * 1024);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(readBackFile(path, { signal: controller.signal }), { name: 'AbortError' });
  });

  test('bypasses the page cache: a byte changed on the device under a mounted ext4 is seen only by the direct read', async (t) => {
    if (process.platform !== 'linux') return t.skip('direct reads are proven on Linux only');
    const volume = await mountLoopImageOrDir(join(work, 'ext4'), join(work, 'ext4.img'), 'ext4', 32 * 1024 * 1024);
    try {
      if (volume.kind === 'dir') return t.skip(`no ext4 loop mount here (${volume.fallbackReason}); cache bypass not proven`);
      t.diagnostic('on a loop-mounted ext4 image');
      const path = join(volume.dir, 'part');
      const data = randomBytes(256 * 1024);
      await writeFile(path, data);
      const fh = await open(path, 'r');
      await fh.sync();
      await fh.close();
      assert.equal(sha256(await readFile(path)), sha256(data)); // now cached

      // where the file's first block lies in the image, from e2fsprogs' filefrag
      const frag = await run('filefrag', ['-v', path]);
      assert.equal(frag.code, 0, frag.stderr);
      const blockSize = Number(/blocks? of (\d+) bytes/.exec(frag.stdout)?.[1]);
      const physical = Number(/^\s*0:\s+0\.\.\s*\d+:\s+(\d+)\.\./m.exec(frag.stdout)?.[1]);
      assert.ok(blockSize > 0 && physical > 0, frag.stdout);
      const image = await open(join(work, 'ext4.img'), 'r+');
      await image.write(Buffer.from([data[0]! ^ 0xff]), 0, 1, physical * blockSize);
      await image.sync();
      await image.close();
      const corrupted = Buffer.from(data);
      corrupted[0] = data[0]! ^ 0xff;

      const cached = await readBackFile(path, { direct: false });
      assert.equal(cached.sha256, sha256(data), 'a read through the cache still sees the old bytes');
      const direct = await readBackFile(path);
      assert.equal(direct.direct, true);
      assert.equal(direct.sha256, sha256(corrupted), 'the direct read sees what the device holds');
    } finally {
      await volume.cleanup();
    }
  });
});

describe('file-system detection', () => {
  test('the kernel magic of / matches stat -f', async () => {
    const hex = (await run('stat', ['-f', '-c', '%t', '/'])).stdout.trim();
    assert.equal(await kernelFileSystemOf('/'), fileSystemFromMagic(parseInt(hex, 16)));
    assert.notEqual(await kernelFileSystemOf('/'), '', `magic 0x${hex} is known`);
  });

  test('real mounts are named: tmpfs, and a FAT32 image (kernel vfat, else fusefat)', async (t) => {
    const volumes: TestVolume[] = [];
    try {
      const tmpfs = await mountTmpfsOrDir(join(work, 'tmpfs'), 4 * 1024 * 1024);
      volumes.push(tmpfs);
      if (tmpfs.kind === 'tmpfs') assert.equal(await kernelFileSystemOf(tmpfs.dir), 'tmpfs');
      else t.diagnostic(`tmpfs not checked: ${tmpfs.fallbackReason}`);
      const fat = await mountLoopImageOrDir(join(work, 'fat'), join(work, 'fat.img'), 'vfat', 40 * 1024 * 1024);
      volumes.push(fat);
      if (fat.kind === 'vfat') {
        t.diagnostic(`FAT32 image mounted ${fat.via === 'kernel' ? 'by the kernel' : 'through FUSE (fusefat)'}`);
        const [probed] = await probeTargets([fat.dir]);
        assert.ok(isFatFileSystem(probed!.fsType), `detected ${probed!.fsType}`);
        assert.equal(await kernelFileSystemOf(fat.dir), fat.via === 'kernel' ? 'vfat' : 'fuse');
        // through FUSE the daemon reads the image through the cache: the read-back must not claim otherwise
        await writeFile(join(fat.dir, 'x'), 'x');
        assert.equal((await readBackFile(join(fat.dir, 'x'))).direct, fat.via === 'kernel');
      } else {
        t.diagnostic(`FAT not checked on a real mount: ${fat.fallbackReason}`);
      }
    } finally {
      for (const v of volumes) await v.cleanup();
    }
  });

  test('the FAT family is recognized by every system\u2019s name for it; exFAT is not FAT', () => {
    for (const name of ['vfat', 'msdos', 'fat', 'FAT32', 'FAT16', 'MS-DOS FAT32', 'MS-DOS (FAT16)']) assert.ok(isFatFileSystem(name), name);
    for (const name of ['exfat', 'ExFAT', 'ntfs', 'ext4', 'apfs', '', 'fuse']) assert.ok(!isFatFileSystem(name), name);
  });
});
