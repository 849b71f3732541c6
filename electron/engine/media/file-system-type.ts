import { readFile, realpath, statfs } from 'node:fs/promises';
import { sep } from 'node:path';
import { FAT32_MAX_FILE } from '../bundle/parse-size.js';

/**
 * Linux `statfs(2)` `f_type` magic numbers (linux/magic.h) of the file systems removable media
 * and test folders carry. macOS and Windows report no such number through Node (`type` is an
 * index or 0 there), so their file-system names come from the volume list instead.
 */
export const LINUX_FS_MAGIC: ReadonlyMap<number, string> = new Map([
  [0x4d44, 'vfat'], // MSDOS_SUPER_MAGIC: FAT12/16/32, whichever driver (msdos, vfat)
  [0x2011bab0, 'exfat'],
  [0x5346544e, 'ntfs'], // classic ntfs driver
  [0x7366746e, 'ntfs3'],
  [0x65735546, 'fuse'], // fuseblk/fuse: exfat-fuse, ntfs-3g…; the real type is the device's signature
  [0xef53, 'ext4'], // ext2/3/4 share the magic
  [0x9123683e, 'btrfs'],
  [0x58465342, 'xfs'],
  [0xf2f52010, 'f2fs'],
  [0x01021994, 'tmpfs'],
  [0x858458f6, 'ramfs'],
  [0x794c7630, 'overlay'],
  [0x9660, 'iso9660'],
  [0x15013346, 'udf'],
  [0x482b, 'hfsplus'],
  [0x6969, 'nfs'],
  [0xfe534d42, 'smb2'],
  [0xff534d42, 'cifs'],
  [0x2fc12fc1, 'zfs'],
  [0x73717368, 'squashfs'],
]);

/** The file-system name for a Linux statfs magic number, or '' when unknown. */
export function fileSystemFromMagic(magic: number): string {
  return LINUX_FS_MAGIC.get(magic) ?? '';
}

/** The file system under `path` as the kernel reports it (Linux only; '' elsewhere or when unknown). */
export async function kernelFileSystemOf(path: string, platform: NodeJS.Platform = process.platform): Promise<string> {
  if (platform !== 'linux') return '';
  return fileSystemFromMagic((await statfs(path)).type);
}

/**
 * True for the FAT family (FAT12/16/32 as Linux `vfat`/`msdos`, macOS `msdos`/`MS-DOS FAT32`,
 * Windows `FAT32`/`FAT`, FUSE's `fuse.fusefat`), whose files cannot exceed 4 GiB − 1 byte. exFAT is not FAT here.
 */
export function isFatFileSystem(fsType: string | undefined): boolean {
  const t = (fsType ?? '').trim().toLowerCase();
  if (t === '' || t.includes('exfat')) return false;
  return /^(v?fat(12|16|32)?|msdos|ms-dos( \(?fat(12|16|32)?\)?)?|umsdos|(fuse\.)?fusefat)$/.test(t);
}

/** The largest file a file system takes, or Infinity when Ferry knows of no limit below a bundle's part sizes. */
export function maxFileSize(fsType: string | undefined): number {
  return isFatFileSystem(fsType) ? FAT32_MAX_FILE : Number.POSITIVE_INFINITY;
}

/** A mount from Linux's mount table. */
export interface LinuxMount {
  mountPoint: string;
  /** As the kernel names it: `vfat`, `ext4`, `fuseblk`, `fuse.fusefat`… */
  fsType: string;
  source: string;
}

/** Parses `/proc/self/mountinfo` (proc(5)): every mount, with octal escapes (`\040`) undone. */
export function parseMountInfo(text: string): LinuxMount[] {
  const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const mounts: LinuxMount[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const mountPoint = left.split(' ')[4];
    const [fsType, source] = right.split(' ');
    if (mountPoint && fsType) mounts.push({ mountPoint: unescape(mountPoint), fsType, source: unescape(source ?? '') });
  }
  return mounts;
}

/** The Linux mount holding `path` (the longest mount point above it; the last mounted wins a tie). */
export async function linuxMountOf(path: string): Promise<LinuxMount | undefined> {
  const real = await realpath(path);
  const mounts = parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
  let best: LinuxMount | undefined;
  for (const m of mounts) {
    const prefix = m.mountPoint.endsWith(sep) ? m.mountPoint : m.mountPoint + sep;
    if ((real === m.mountPoint || real.startsWith(prefix)) && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}
