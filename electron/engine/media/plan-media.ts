import type { ArchivePart, BundleManifest } from '../../../shared/bundle-manifest.js';
import type { ErrorCode, ErrorHint } from '../../../shared/errors.js';
import { formatBytes } from '../../../shared/format.js';
import { FAT32_MAX_FILE } from '../bundle/parse-size.js';
import { FerryError } from '../errors/ferry-error.js';
import { isFatFileSystem, maxFileSize } from './file-system-type.js';

/** A folder to write one volume of a bundle into (usually a stick's mount point), as probed. */
export interface MediaTarget {
  /** The folder (absolute). */
  path: string;
  /** Bytes free on its file system now. */
  freeBytes: number;
  /** The file system does not report its size (statfs says 0 blocks, as some FUSE ones do): only `capacity` can say how much to use. */
  sizeUnknown?: boolean;
  /** Bytes of Ferry's files already there (bundle.json, parts, SHA256SUMS, README.txt, signatures/): reused or replaced when they belong to the same bundle, or with `force`. */
  ownedBytes?: number;
  /** Bytes of leftovers of an interrupted Ferry run (`.ferry-*.partial`): always removed. */
  leftoverBytes?: number;
  /** Allocation unit (cluster) of its file system; every file takes whole units (default 4096). */
  blockSize?: number;
  /** The file system (`vfat`, `exfat`, `FAT32`…; '' unknown). */
  fsType?: string;
  /** The id in a `bundle.json` already there, or null when there is none. */
  bundleId?: string | null;
  /** Why the folder cannot take a volume as it is (an unreadable bundle.json, bundle files without bundle.json, a README.txt that is not Ferry's, read-only…). */
  blocker?: string;
  /** Identifies its file system: targets on the same one share its free space. */
  device?: string;
}

/** How to plan. */
export interface PlanMediaOptions {
  /** Use at most this many bytes of each target (default: all its free space). */
  capacity?: number;
  /** Replace a different bundle (or unknown bundle files) found on a target. */
  force?: boolean;
  /** Size of the bundle's `bundle.json` (default: estimated from the manifest). */
  bundleJsonBytes?: number;
  /** Sizes of the files in the bundle's `signatures/` (copied to every volume). */
  signatureBytes?: number[];
}

/** One volume of a plan: which parts go where, and how much is written there. */
export interface PlannedVolume {
  /** 1-based position in the set. */
  index: number;
  /** The target folder (or `volume N` in a plan by size). */
  path: string;
  /** Archive files on this volume, in order (data parts, then parity parts). */
  parts: ArchivePart[];
  /** Bytes written here: the parts plus bundle.json, SHA256SUMS, README.txt and signatures/. */
  bytes: number;
  /** Bytes this volume offers the bundle (its free space, Ferry's own files there, the capacity limit). */
  usable: number;
  fsType: string;
  /** What is on the target already: nothing of Ferry's, this same bundle (reused/overwritten), or another bundle replaced with `force`. */
  existing: 'none' | 'same-bundle' | 'other-bundle';
}

/** A reason the plan cannot be carried out. */
export interface MediaProblem {
  code: ErrorCode;
  /** One sentence a user can act on. */
  message: string;
  /** The target or part at fault. */
  subject?: string;
  /** What the user can do, worded by each surface (shared/errors.ts `ErrorHint`). */
  hint?: ErrorHint;
}

/** Where every part of a bundle goes, or why it cannot go anywhere. */
export interface MediaPlan {
  /** No problems: the plan can be written. */
  ok: boolean;
  bundleId: string;
  /** Volumes that receive parts, in order. */
  volumes: PlannedVolume[];
  /** Targets given that are not needed. */
  unused: string[];
  /** Bytes written over all volumes. */
  totalBytes: number;
  /** `3 volumes: 29.8 + 29.8 + 11.2 GB`. */
  summary: string;
  problems: MediaProblem[];
  /** Things worth knowing that do not stop the plan. */
  notes: string[];
}

const DEFAULT_BLOCK = 4096;
/** FAT32 on sticks of 16–32 GB uses 16–32 KiB clusters: the pessimistic choice for a plan by size. */
const FAT_CLUSTER = 32 * 1024;

/** Every archive file of a bundle in the order volumes take them: data parts, then parity parts. */
export function archiveFiles(manifest: BundleManifest): ArchivePart[] {
  return [...manifest.archive.parts, ...(manifest.archive.parity?.parts ?? [])];
}

/** Upper bound of a volume's `README.txt` for a bundle of `files` archive files (checked when written). */
export function readmeBudget(files: number): number {
  return 4096 + 160 * files;
}

/**
 * Plans a multi-volume write: assigns the bundle's archive files to the targets in order, keeping
 * them consecutive (each target is filled before the next is used), and checks, before anything is
 * written, that the space suffices, that no part exceeds FAT32's 4 GiB − 1 limit on a FAT target,
 * and that no target holds a different bundle. Problems are collected, not thrown: see `ok`.
 */
export function planMedia(manifest: BundleManifest, targets: MediaTarget[], options: PlanMediaOptions = {}): MediaPlan {
  const files = archiveFiles(manifest);
  const problems: MediaProblem[] = [];
  const notes: string[] = [];
  const force = options.force ?? false;

  if (targets.length === 0) throw new FerryError('bad-usage', 'No target volumes given: name at least one mounted volume or folder.');
  const seenPaths = new Set<string>();
  for (const t of targets) {
    if (seenPaths.has(t.path)) throw new FerryError('bad-usage', `Target ${t.path} is named twice.`, { subject: t.path });
    seenPaths.add(t.path);
  }
  // two folders on one stick would double-count its space; with an explicit capacity per target they share it (see pools)
  if (options.capacity === undefined) {
    const byDevice = new Map<string, string>();
    for (const t of targets) {
      if (!t.device) continue;
      const other = byDevice.get(t.device);
      if (other !== undefined) {
        throw new FerryError('bad-usage', `Targets ${other} and ${t.path} are on the same volume; name each volume once (or say how much of it each may use, to split one volume's space between them).`, {
          subject: t.path,
          hint: 'capacity',
        });
      }
      byDevice.set(t.device, t.path);
    }
  }

  const existing = targets.map((t): PlannedVolume['existing'] => (t.bundleId == null ? 'none' : t.bundleId === manifest.id ? 'same-bundle' : 'other-bundle'));
  targets.forEach((t, i) => {
    if (existing[i] === 'other-bundle' && !force) {
      problems.push({
        code: 'output-exists',
        subject: t.path,
        message: `${t.path} already holds a different bundle (${t.bundleId}); clear it (bundle.json, bundle.tar*, SHA256SUMS, README.txt, signatures/) to use it.`,
        hint: 'replace-media',
      });
    } else if (t.blocker && !force) {
      problems.push({ code: 'output-exists', subject: t.path, message: `${t.path} ${t.blocker}`, hint: 'replace-media' });
    }
    if (t.sizeUnknown && options.capacity === undefined) {
      problems.push({ code: 'media', subject: t.path, message: `${t.path} does not report its size or free space (some FUSE file systems do not): say how much of it to use.`, hint: 'capacity' });
    }
  });

  const usable = targets.map((t, i) => {
    const reuse = existing[i] === 'same-bundle' || force ? (t.ownedBytes ?? 0) : 0;
    const room = t.sizeUnknown ? Number.POSITIVE_INFINITY : t.freeBytes + reuse + (t.leftoverBytes ?? 0);
    return Math.max(0, options.capacity === undefined ? (t.sizeUnknown ? 0 : room) : Math.min(room, options.capacity));
  });
  // targets on one file system draw from one pool of free space
  const pool = new Map<string, number>();
  targets.forEach((t, i) => {
    const key = t.device || `#${i}`;
    const reuse = existing[i] === 'same-bundle' || force ? (t.ownedBytes ?? 0) : 0;
    const free = t.sizeUnknown ? Number.POSITIVE_INFINITY : t.freeBytes;
    pool.set(key, Math.max(pool.get(key) ?? 0, free) + reuse + (t.leftoverBytes ?? 0));
  });

  const overheadOf = (t: MediaTarget): number => volumeOverhead(manifest, files.length, t.blockSize ?? DEFAULT_BLOCK, options);
  const assigned: ArchivePart[][] = targets.map(() => []);
  const used = targets.map((t) => overheadOf(t));
  let ti = 0;
  let unplaced: ArchivePart[] = [];
  for (const [fi, part] of files.entries()) {
    let placed = false;
    while (ti < targets.length) {
      const t = targets[ti]!;
      if (part.size > maxFileSize(t.fsType)) {
        problems.push({
          code: 'media',
          subject: t.path,
          message: `${part.name} is ${formatBytes(part.size)}, larger than FAT32's limit of 4 GiB − 1 byte per file, and ${t.path} is ${t.fsType}; split the bundle into parts under 4 GiB first, or use exFAT/NTFS volumes.`,
          hint: 'resplit',
        });
        return finish([], targets.map((x) => x.path));
      }
      const need = roundUp(part.size, t.blockSize ?? DEFAULT_BLOCK);
      const key = t.device || `#${ti}`;
      const startsVolume = assigned[ti]!.length === 0;
      const poolNeed = need + (startsVolume ? used[ti]! : 0);
      if (used[ti]! + need <= usable[ti]! && poolNeed <= pool.get(key)!) {
        assigned[ti]!.push(part);
        used[ti]! += need;
        pool.set(key, pool.get(key)! - poolNeed);
        placed = true;
        break;
      }
      ti++;
    }
    if (!placed) {
      unplaced = files.slice(fi);
      break;
    }
  }

  if (unplaced.length > 0) {
    const block = targets.at(-1)?.blockSize ?? DEFAULT_BLOCK;
    const overhead = volumeOverhead(manifest, files.length, block, options);
    const biggestRoom = Math.max(...targets.map((t, i) => usable[i]! - overheadOf(t)));
    const tooBig = unplaced.find((p) => roundUp(p.size, block) > biggestRoom);
    const placedBytes = assigned.flat().reduce((n, p) => n + p.size, 0);
    const total = files.reduce((n, p) => n + p.size, 0);
    const more = unplaced.reduce((n, p) => n + roundUp(p.size, block), 0) + overhead;
    const tooBigText = tooBig
      ? ` ${tooBig.name} alone (${formatBytes(tooBig.size)}) is larger than any target's room (at most ${formatBytes(Math.max(0, biggestRoom))}): split the bundle into smaller parts first.`
      : '';
    problems.push({
      code: 'no-space',
      subject: targets.at(-1)!.path,
      message:
        `Not enough space: the ${targets.length === 1 ? 'target takes' : `${targets.length} targets take`} ${formatBytes(placedBytes)} of the bundle's ${formatBytes(total)}; ` +
        `${formatBytes(more)} more is needed (add a volume with at least that much free, or free up space on the targets).${tooBigText}`,
      ...(tooBig ? { hint: 'resplit' as const } : {}),
    });
  }
  if (files.some((p) => p.size > FAT32_MAX_FILE) && targets.some((t) => !t.fsType)) {
    notes.push('Some parts are larger than 4 GiB − 1 byte: a FAT32 volume cannot hold them (the file system of some targets is unknown).');
  }
  const volumes = assigned.flatMap((parts, i) =>
    parts.length === 0 ? [] : [{ path: targets[i]!.path, parts, bytes: used[i]!, usable: usable[i]!, fsType: targets[i]!.fsType ?? '', existing: existing[i]! }],
  );
  const unused = targets.filter((_, i) => assigned[i]!.length === 0).map((t) => t.path);
  return finish(volumes, unused);

  function finish(volumes: Omit<PlannedVolume, 'index'>[], unused: string[]): MediaPlan {
    const indexed = volumes.map((v, i) => ({ index: i + 1, ...v }));
    const totalBytes = indexed.reduce((n, v) => n + v.bytes, 0);
    return {
      ok: problems.length === 0,
      bundleId: manifest.id,
      volumes: indexed,
      unused,
      totalBytes,
      summary: summarize(indexed.map((v) => v.bytes)),
      problems,
      notes,
    };
  }
}

/** Options of a plan by volume size. */
export interface PlanBySizeOptions extends Omit<PlanMediaOptions, 'capacity' | 'force'> {
  /** The volumes' file system (`vfat`/`fat32`, `exfat`…); decides the 4 GiB − 1 limit and the cluster size. */
  fsType?: string;
}

/**
 * "What would it take": how many volumes of `volumeBytes` usable bytes each the bundle needs,
 * with the same consecutive assignment as {@link planMedia}. A real stick sold as 32 GB holds a
 * little less than 32 GB of files; give the size its file system reports for an exact count.
 */
export function planMediaBySize(manifest: BundleManifest, volumeBytes: number, options: PlanBySizeOptions = {}): MediaPlan {
  if (!Number.isSafeInteger(volumeBytes) || volumeBytes <= 0) throw new FerryError('bad-usage', `Volume size ${volumeBytes} is not a positive number of bytes.`);
  const fsType = options.fsType ?? '';
  const blockSize = isFatFileSystem(fsType) ? FAT_CLUSTER : DEFAULT_BLOCK;
  const files = archiveFiles(manifest);
  const room = volumeBytes - volumeOverhead(manifest, files.length, blockSize, options);
  const fat = isFatFileSystem(fsType);
  const problems: MediaProblem[] = [];
  const notes: string[] = [];
  const tooBigForFat = files.filter((p) => p.size > FAT32_MAX_FILE);
  if (tooBigForFat.length > 0) {
    const text = `${tooBigForFat.map((p) => p.name).join(', ')} ${tooBigForFat.length === 1 ? 'is' : 'are'} larger than FAT32's 4 GiB − 1 byte per file`;
    if (fat) problems.push({ code: 'media', subject: tooBigForFat[0]!.name, message: `${text}; split the bundle into parts under 4 GiB first, or use exFAT volumes.`, hint: 'resplit' });
    else notes.push(`${text}: the volumes must be exFAT or NTFS (most sticks up to 32 GB come FAT32), or the bundle split into parts under 4 GiB first.`);
  }
  const tooBig = files.find((p) => roundUp(p.size, blockSize) > room);
  if (tooBig) {
    problems.push({
      code: 'no-space',
      subject: tooBig.name,
      message: `${tooBig.name} (${formatBytes(tooBig.size)}) does not fit on a ${formatBytes(volumeBytes)} volume; split the bundle into smaller parts first.`,
      hint: 'resplit',
    });
  }
  const volumes: PlannedVolume[] = [];
  if (problems.length === 0) {
    let current: PlannedVolume | undefined;
    for (const part of files) {
      const need = roundUp(part.size, blockSize);
      if (!current || current.bytes + need > volumeBytes) {
        current = { index: volumes.length + 1, path: `volume ${volumes.length + 1}`, parts: [], bytes: volumeBytes - room, usable: volumeBytes, fsType, existing: 'none' };
        volumes.push(current);
      }
      current.parts.push(part);
      current.bytes += need;
    }
  }
  return {
    ok: problems.length === 0,
    bundleId: manifest.id,
    volumes,
    unused: [],
    totalBytes: volumes.reduce((n, v) => n + v.bytes, 0),
    summary: volumes.length > 0 ? `${summarize(volumes.map((v) => v.bytes))} (volumes of ${formatBytes(volumeBytes)})` : 'no volumes',
    problems,
    notes,
  };
}

/** Throws the plan's problems as one FerryError (the first one's code and subject), or returns when it is ok. */
export function assertPlanOk(plan: MediaPlan): void {
  if (plan.ok) return;
  const first = plan.problems[0]!;
  const message = plan.problems.map((p) => p.message).join(' ');
  throw new FerryError(first.code, `${message} Nothing was written.`, first.subject !== undefined ? { subject: first.subject } : {});
}

/** `3 volumes: 29.8 + 29.8 + 11.2 GB`: every size in the unit of the largest. */
export function summarize(sizes: number[]): string {
  if (sizes.length === 0) return 'no volumes';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  const max = Math.max(...sizes);
  let unit = 0;
  while (unit < units.length - 1 && max / 1000 ** unit >= 1000) unit++;
  const scaled = (v: number): number => v / 1000 ** unit;
  const digits = unit === 0 ? 0 : scaled(max) < 10 ? 2 : 1;
  return `${sizes.length} volume${sizes.length === 1 ? '' : 's'}: ${sizes.map((v) => scaled(v).toFixed(digits)).join(' + ')} ${units[unit]}`;
}

/** Bytes every volume needs besides its parts: bundle.json, SHA256SUMS, README.txt, signatures/, and room for directory growth. */
function volumeOverhead(manifest: BundleManifest, files: number, block: number, options: PlanMediaOptions): number {
  const json = options.bundleJsonBytes ?? Buffer.byteLength(JSON.stringify(manifest, null, 2)) + 1;
  const sums = (files + 1) * 100;
  const signatures = (options.signatureBytes ?? []).reduce((n, s) => n + roundUp(s, block), 0) + (options.signatureBytes?.length ? block : 0);
  // a second bundle.json exists for a moment while the new one replaces an old one; directories grow by clusters
  return roundUp(json, block) * 2 + roundUp(sums, block) + roundUp(readmeBudget(files), block) + signatures + 2 * block;
}

function roundUp(bytes: number, block: number): number {
  return Math.ceil(bytes / block) * block;
}
