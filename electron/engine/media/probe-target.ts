import { constants } from 'node:fs';
import { access, lstat, readdir, stat, statfs } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { MAX_BUNDLE_JSON_BYTES } from '../bundle/inspect-bundle.js';
import { BUNDLE_FILE } from '../bundle/output-folder.js';
import { FerryError } from '../errors/ferry-error.js';
import { parseStrictJson } from '../util/parse-strict-json.js';
import { readRegularFile } from '../util/read-regular-file.js';
import { kernelFileSystemOf, linuxMountOf } from './file-system-type.js';
import { listVolumes, type Volume } from './list-volumes.js';
import { PARTIAL_NAME } from '../bundle/partial-name.js';
import { BUNDLE_OWNED, README_FILE } from './media-files.js';
import type { MediaTarget } from './plan-media.js';

/** A probed target with what a user should hear about it. */
export interface ProbedTarget extends MediaTarget {
  /** Notes about the target that do not stop a write (e.g. "not a mount point"). */
  warnings: string[];
}

/** Where sticks are mounted by desktop systems: a target there that is no mount point is probably an unmounted stick. */
const MOUNT_PARENTS = ['/media', '/run/media', '/mnt', '/Volumes'];

/**
 * Looks at each target folder before planning: free space and cluster size (statfs), the file
 * system (the kernel's statfs magic on Linux, else the volume list), whether a bundle is there
 * already (its id), how much of it is Ferry's own files, and anything that would stop a write.
 */
export async function probeTargets(paths: string[]): Promise<ProbedTarget[]> {
  let volumes: Promise<Volume[]> | undefined;
  const volumeList = (): Promise<Volume[]> => (volumes ??= listVolumes({ all: true }).catch(() => []));
  const probed: ProbedTarget[] = [];
  for (const given of paths) probed.push(await probeTarget(resolve(given), volumeList));
  return probed;
}

async function probeTarget(path: string, volumeList: () => Promise<Volume[]>): Promise<ProbedTarget> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FerryError('not-found', `Target ${path} ${code === 'ENOENT' ? 'does not exist; is the volume mounted?' : `cannot be read (${code ?? 'error'}).`}`, {
      subject: path,
    });
  }
  if (!info.isDirectory()) throw new FerryError('bad-usage', `Target ${path} is not a folder; name a volume's mount point or a folder on it.`, { subject: path });
  const fs = await statfs(path);
  const warnings: string[] = [];

  const fsType = await fileSystemAt(path, volumeList);
  if (await isUnmountedStickFolder(path, info.dev)) {
    warnings.push(`${path} is not a mount point: if a stick belongs there it is not mounted, and the files would go to the disk underneath.`);
  }

  const names = await readdir(path);
  let bundleId: string | null = null;
  let blocker: string | undefined;
  if (names.includes(BUNDLE_FILE)) {
    try {
      // a volume's bundle.json is read as a bundle's: a regular file (never a link to /dev/zero, a FIFO), bounded, strict
      const bytes = await readRegularFile(join(path, BUNDLE_FILE), { maxBytes: MAX_BUNDLE_JSON_BYTES, what: join(path, BUNDLE_FILE) });
      const id = (parseStrictJson(bytes) as { id?: unknown } | null)?.id;
      if (typeof id !== 'string' || !/^[0-9a-f-]{1,64}$/i.test(id)) throw new Error('no id');
      bundleId = id;
    } catch {
      blocker = `holds a ${BUNDLE_FILE} Ferry cannot read, so it may belong to another bundle; clear it to use this volume.`;
    }
  } else {
    const stray = names.filter((n) => BUNDLE_OWNED.test(n));
    if (stray.length > 0) {
      blocker = `holds bundle files (${stray.slice(0, 3).join(', ')}${stray.length > 3 ? ', …' : ''}) but no ${BUNDLE_FILE}, so they may belong to another bundle; clear them to use this volume.`;
    } else if (names.includes(README_FILE)) {
      blocker = `holds a ${README_FILE} that is not Ferry's, which writing would replace; move it first.`;
    }
  }
  try {
    await access(path, constants.W_OK);
  } catch (error) {
    blocker = `cannot be written (${(error as NodeJS.ErrnoException).code ?? 'denied'}): is the volume read-only or locked?`;
  }

  const block = fs.bsize || 4096;
  let ownedBytes = 0;
  let leftoverBytes = 0;
  for (const name of names) {
    const owned = BUNDLE_OWNED.test(name) || name === README_FILE;
    const leftover = PARTIAL_NAME.test(name);
    if (owned) ownedBytes += await allocatedBytes(join(path, name), block);
    else if (leftover) leftoverBytes += await allocatedBytes(join(path, name), block);
  }
  // some FUSE file systems (fusefat) report no blocks at all: their size is unknown, not zero
  const sizeUnknown = fs.blocks === 0;
  return {
    path,
    freeBytes: fs.bavail * fs.bsize,
    ...(sizeUnknown ? { sizeUnknown } : {}),
    ownedBytes,
    leftoverBytes,
    blockSize: block,
    fsType,
    bundleId,
    ...(blocker !== undefined ? { blocker } : {}),
    device: String(info.dev),
    warnings,
  };
}

/**
 * The file system under `path`. Linux: the kernel's statfs magic, and for FUSE the mount table's
 * type (`fuse.fusefat`), or for `fuseblk` the device's signature from the volume list. Elsewhere:
 * the volume list's entry for the volume holding `path`.
 */
async function fileSystemAt(path: string, volumeList: () => Promise<Volume[]>): Promise<string> {
  if (process.platform === 'linux') {
    const kernel = await kernelFileSystemOf(path).catch(() => '');
    if (kernel !== '' && kernel !== 'fuse') return kernel;
    const mount = await linuxMountOf(path).catch(() => undefined);
    if (!mount) return kernel;
    if (mount.fsType !== 'fuseblk') return mount.fsType;
    return (await volumeList()).find((v) => v.mount === mount.mountPoint)?.fsType || mount.fsType;
  }
  return longestMountMatch(await volumeList(), path)?.fsType ?? '';
}

/** Bytes a file or folder tree takes, counted in whole allocation units. */
async function allocatedBytes(path: string, block: number): Promise<number> {
  const s = await lstat(path).catch(() => undefined);
  if (!s) return 0;
  if (!s.isDirectory()) return Math.ceil(s.size / block) * block;
  let total = block;
  for (const name of await readdir(path).catch(() => [] as string[])) total += await allocatedBytes(join(path, name), block);
  return total;
}

/** The mounted volume holding `path` (the longest mount point that is a prefix of it). */
export function longestMountMatch(volumes: Volume[], path: string): Volume | undefined {
  const norm = (p: string): string => (process.platform === 'win32' ? p.toLowerCase() : p);
  let best: Volume | undefined;
  for (const v of volumes) {
    if (!v.mount) continue;
    const m = norm(v.mount.endsWith(sep) ? v.mount : v.mount + sep);
    const p = norm(path.endsWith(sep) ? path : path + sep);
    if (p.startsWith(m) && (!best || v.mount.length > best.mount!.length)) best = v;
  }
  return best;
}

async function isUnmountedStickFolder(path: string, dev: number): Promise<boolean> {
  const parent = dirname(path);
  if (parent === path || !MOUNT_PARENTS.some((p) => path.startsWith(`${p}/`))) return false;
  const parentDev = (await stat(parent).catch(() => undefined))?.dev;
  return parentDev === dev;
}
