import { execFileSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { onProcessExit } from './exit-cleanup.js';
import { run } from './tools.js';

/** A folder that is a real mount when the sandbox allows mounting, or a plain folder when it does not. */
export interface TestVolume {
  /** The mount point (or plain folder). */
  dir: string;
  /** What it really is: a mounted `vfat`/`ext4` image or `tmpfs`, or a plain `dir` on the test's file system. */
  kind: 'vfat' | 'ext4' | 'tmpfs' | 'dir';
  /** How it is mounted: by the kernel (loop device), through FUSE (fusefat), or not at all. */
  via: 'kernel' | 'fuse' | 'none';
  /** The file system reports its size and free space (fusefat does not: statfs says 0 blocks). */
  reportsSize: boolean;
  /** The image file, when there is one (for fsck after unmounting). */
  image?: string;
  /** Why no mount could be made, when `kind` is `dir`. */
  fallbackReason?: string;
  /** Unmounts it (for fsck of the image); the folder stays. */
  unmount(): Promise<void>;
  /** Unmounts (when mounted) and removes the folder and any image. */
  cleanup(): Promise<void>;
}

/**
 * Mounts a size-limited tmpfs at `dir` (a real file system with a real free-space limit), or,
 * where mounting is not allowed (not root, no CAP_SYS_ADMIN), makes `dir` a plain folder and says why.
 */
export async function mountTmpfsOrDir(dir: string, bytes: number): Promise<TestVolume> {
  await mkdir(dir, { recursive: true });
  const r = await run('mount', ['-t', 'tmpfs', '-o', `size=${Math.ceil(bytes / 1024)}k,mode=0755`, 'ferry-test', dir]);
  if (r.code !== 0) return plainDir(dir, `tmpfs mount refused: ${firstLine(r.stderr)}`);
  return mounted(dir, 'tmpfs', 'kernel');
}

/**
 * Makes a `bytes`-sized image, formats it (`mkfs.vfat -F 32` or `mkfs.ext4`) and loop-mounts it at
 * `dir`. A FAT32 image the kernel cannot mount (no vfat driver) is mounted through FUSE with
 * fusefat instead; where neither works (no loop devices, no /dev/fuse, not root), `dir` is a
 * plain folder and `fallbackReason` says why.
 */
export async function mountLoopImageOrDir(dir: string, image: string, fsType: 'vfat' | 'ext4', bytes: number): Promise<TestVolume> {
  await mkdir(dir, { recursive: true });
  const truncate = await run('truncate', ['-s', String(bytes), image]);
  if (truncate.code !== 0) return plainDir(dir, `cannot make an image: ${firstLine(truncate.stderr)}`, image);
  const mkfs = fsType === 'vfat' ? await run('mkfs.vfat', ['-F', '32', image]) : await run('mkfs.ext4', ['-q', '-F', image]);
  if (mkfs.code !== 0) return plainDir(dir, `mkfs.${fsType} failed: ${firstLine(mkfs.stderr || mkfs.stdout)}`, image);
  const r = await run('mount', ['-o', 'loop', image, dir]);
  if (r.code === 0) return mounted(dir, fsType, 'kernel', image);
  const refused = `${fsType} loop mount refused: ${firstLine(r.stderr)}`;
  if (fsType !== 'vfat') return plainDir(dir, refused, image);
  const fuse = await run('fusefat', ['-o', 'rw+', image, dir]);
  if (fuse.code === 0) return mounted(dir, 'vfat', 'fuse', image);
  return plainDir(dir, `${refused}; fusefat: ${firstLine(fuse.stderr) || `exit ${fuse.code}`}`, image);
}

function mounted(dir: string, kind: TestVolume['kind'], via: TestVolume['via'], image?: string): TestVolume {
  const unregister = onProcessExit(() => {
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }, 0);
  let unmounted = false;
  return {
    dir,
    kind,
    via,
    reportsSize: via !== 'fuse',
    ...(image ? { image } : {}),
    unmount: async () => {
      if (unmounted) return;
      const r = await run('umount', [dir]);
      if (r.code !== 0) throw new Error(`umount ${dir}: ${r.stderr}`);
      unmounted = true;
    },
    cleanup: async () => {
      if (!unmounted) await run('umount', [dir]);
      unregister();
      await rm(dir, { recursive: true, force: true });
      if (image) await rm(image, { force: true });
    },
  };
}

async function plainDir(dir: string, reason: string, image?: string): Promise<TestVolume> {
  if (image) await rm(image, { force: true });
  return {
    dir,
    kind: 'dir',
    via: 'none',
    reportsSize: true,
    fallbackReason: reason,
    unmount: async () => {},
    cleanup: async () => {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
