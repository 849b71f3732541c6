import { statfs } from 'node:fs/promises';
import type { Systeminformation } from 'systeminformation';
import type { Volume } from '../../../shared/media-volume.js';
import { FerryError } from '../errors/ferry-error.js';

export type { Volume } from '../../../shared/media-volume.js';

/** What to list. */
export interface ListVolumesOptions {
  /** Every mounted volume, not only removable ones (USB detection varies by system and enclosure). */
  all?: boolean;
}

/** The parts of systeminformation's `blockDevices()` rows the listing uses. */
export type BlockDeviceRow = Pick<Systeminformation.BlockDevicesData, 'name' | 'type' | 'fsType' | 'mount' | 'size' | 'label' | 'model' | 'removable' | 'protocol'> &
  Partial<Pick<Systeminformation.BlockDevicesData, 'identifier' | 'physical' | 'device'>>;
/** The parts of systeminformation's `fsSize()` rows the listing uses. */
export type FsSizeRow = Pick<Systeminformation.FsSizeData, 'fs' | 'type' | 'size' | 'available' | 'mount' | 'rw'>;

/** Transports that mean "a stick, a card or an external drive". */
const REMOVABLE_TRANSPORTS = new Set(['usb', 'mmc', 'sd', 'secure digital', 'ieee1394', 'firewire', 'thunderbolt', 'memstick']);
/** File systems that never take files: swap, RAID/LVM/LUKS members, optical and read-only images. */
const NOT_WRITABLE_FS = new Set(['swap', 'linux_raid_member', 'lvm2_member', 'crypto_luks', 'zfs_member', 'iso9660', 'udf', 'squashfs', 'erofs']);

/**
 * Lists removable volumes (or, with `all`, every mounted volume) with mount point, label, file
 * system, capacity, free space and device. Uses systeminformation (`lsblk` on Linux,
 * `diskutil info -all` on macOS, CIM `Win32_LogicalDisk` on Windows, and `df`/WMI for sizes) and
 * then the volume's own `statfs` for exact free space.
 *
 * "Removable" is the system's removable flag, or a disk attached over USB, SD/MMC or FireWire
 * (USB hard disks and some sticks report themselves as fixed; on Windows only DriveType 2 counts,
 * so a USB hard disk shows only with `all`).
 */
export async function listVolumes(options: ListVolumesOptions = {}): Promise<Volume[]> {
  let blocks: BlockDeviceRow[] = [];
  let sizes: FsSizeRow[] = [];
  try {
    // loaded on demand: it is the one heavy module, and only `ferry media`/`ferry write` need it
    const si = (await import('systeminformation')).default;
    const [b, s] = await Promise.all([si.blockDevices(), si.fsSize()]);
    blocks = b ?? [];
    sizes = s ?? [];
  } catch (error) {
    throw new FerryError('media', `Cannot list volumes: ${(error as Error).message}`, { cause: error });
  }
  const volumes = volumesFromSystemInfo(blocks, sizes, process.platform);
  const chosen = options.all ? volumes.filter((v) => v.mount !== null || v.removable) : volumes.filter((v) => v.removable);
  return Promise.all(chosen.map(refineWithStatfs));
}

/**
 * Turns systeminformation's block devices and file-system sizes into volumes (pure: no I/O).
 * Every block device carrying a file system becomes a volume; a mounted file system without a
 * block device (`df` only: the root of a VM, a network share) is added as a fixed volume.
 */
export function volumesFromSystemInfo(blocks: BlockDeviceRow[], sizes: FsSizeRow[], platform: NodeJS.Platform): Volume[] {
  const byMount = new Map<string, FsSizeRow>();
  for (const s of sizes) if (s.mount) byMount.set(mountKey(s.mount, platform), s);
  const byName = new Map<string, BlockDeviceRow>();
  for (const b of blocks) byName.set(devicePath(b.name, platform), b);

  const volumes: Volume[] = [];
  const seen = new Set<string>();
  for (const b of blocks) {
    const mount = b.mount && b.mount !== '[SWAP]' ? normalizeMount(b.mount, platform) : null;
    const fsType = (b.fsType ?? '').trim();
    const isWindows = platform === 'win32';
    if (!mount && fsType === '') continue; // a whole disk holding partitions, an empty slot
    if (NOT_WRITABLE_FS.has(fsType.toLowerCase()) || b.type === 'rom' || b.physical === 'CD/DVD') continue;
    if (!isWindows && b.type === 'disk' && !mount && blocks.some((c) => c !== b && c.device === devicePath(b.name, platform) && c.type !== 'disk')) continue;
    const parent = b.device ? byName.get(b.device) : undefined;
    const transport = (b.protocol || parent?.protocol || '').trim().toLowerCase();
    const size = mount ? byMount.get(mountKey(mount, platform)) : undefined;
    const removable =
      b.removable === true ||
      parent?.removable === true ||
      REMOVABLE_TRANSPORTS.has(transport) ||
      (isWindows && (b.physical ?? '').toLowerCase() === 'removable');
    volumes.push({
      mount,
      label: (b.label ?? '').trim(),
      fsType: fsType || size?.type || '',
      capacity: Number(size?.size ?? b.size) || 0,
      free: size ? Number(size.available) : null,
      device: devicePath(b.name, platform),
      disk: b.device ?? '',
      removable,
      transport,
      model: (b.model || parent?.model || '').trim(),
      readOnly: size?.rw === false,
    });
    if (mount) seen.add(mountKey(mount, platform));
  }
  for (const s of sizes) {
    if (!s.mount || seen.has(mountKey(s.mount, platform))) continue;
    seen.add(mountKey(s.mount, platform));
    volumes.push({
      mount: normalizeMount(s.mount, platform),
      label: '',
      fsType: s.type ?? '',
      capacity: Number(s.size) || 0,
      free: Number(s.available),
      device: s.fs ?? '',
      disk: '',
      removable: false,
      transport: '',
      model: '',
      readOnly: s.rw === false,
    });
  }
  return volumes.sort((a, b) => Number(b.removable) - Number(a.removable) || (a.mount ?? '\uffff').localeCompare(b.mount ?? '\uffff'));
}

/** Exact capacity and free space from the mounted file system itself (what the planner will see). */
async function refineWithStatfs(volume: Volume): Promise<Volume> {
  if (!volume.mount) return volume;
  try {
    const s = await statfs(volume.mount);
    return { ...volume, capacity: s.blocks * s.bsize, free: s.bavail * s.bsize };
  } catch {
    return volume; // unmounted meanwhile, or not ours to read: keep what the listing said
  }
}

function devicePath(name: string, platform: NodeJS.Platform): string {
  if (!name) return '';
  return platform === 'linux' && !name.startsWith('/') ? `/dev/${name}` : name;
}

/** Windows drive letters as roots (`E:` → `E:\`); other systems as given. */
function normalizeMount(mount: string, platform: NodeJS.Platform): string {
  if (platform === 'win32' && /^[A-Za-z]:$/.test(mount)) return `${mount.toUpperCase()}\\`;
  return mount;
}

function mountKey(mount: string, platform: NodeJS.Platform): string {
  const m = normalizeMount(mount, platform);
  return platform === 'win32' ? m.toUpperCase() : m;
}
