import type { ArchivePart, BundleManifest } from '../../../shared/bundle-manifest.js';
import type { IntegrityReport } from '../../../shared/verify-report.js';
import { findFile, type BundleVolume } from './bundle-volumes.js';
import type { FaultList } from './fault-list.js';
import { listNames } from './part-ranges.js';
import type { FileReadResult } from './read-files-once.js';

/** One archive file found on a volume. */
export interface ArchiveFileCopy {
  volume: BundleVolume;
  name: string;
  path: string;
  /** Size on disk. */
  size: number;
  /** What reading it gave, once read. */
  read?: FileReadResult;
}

/** A data or parity part recorded in bundle.json, and every copy of it found. */
export interface RecordedPart {
  part: ArchivePart;
  role: 'data' | 'parity';
  copies: ArchiveFileCopy[];
}

/** Where the archive's files are. */
export interface PartsLayout {
  recorded: RecordedPart[];
  /** Archive-like files bundle.json does not list (`bundle.tar.004`, `bundle.tar` beside split parts). */
  strays: ArchiveFileCopy[];
  /** The copy of each data part, in order, to walk the archive through; absent when a data part is missing or has the wrong size. */
  walk?: ArchiveFileCopy[];
}

/**
 * Finds every data and parity part bundle.json records across the volumes, and every stray
 * archive-like file. Missing parts, parts of the wrong size and files that are not regular files
 * are faults now; contents are judged once read ({@link checkPartContents}).
 */
export async function locateParts(manifest: BundleManifest, volumes: BundleVolume[], faults: FaultList): Promise<PartsLayout> {
  const { archive } = manifest;
  const recorded: RecordedPart[] = [
    ...archive.parts.map((part) => ({ part, role: 'data' as const, copies: [] })),
    ...(archive.parity?.parts ?? []).map((part) => ({ part, role: 'parity' as const, copies: [] })),
  ];
  const where = volumes.length > 1 ? `in none of the ${volumes.length} folders given` : `not in ${volumes[0]!.dir}`;
  for (const r of recorded) {
    for (const volume of volumes) {
      const found = await findFile(volume, r.part.name);
      if (!found) continue;
      if (!found.ok) {
        faults.add('parts', { kind: 'unreadable', file: r.part.name, part: r.part.name, dir: volume.dir, message: `${found.path} ${found.problem}.` });
        continue;
      }
      r.copies.push({ volume, name: r.part.name, path: found.path, size: found.size });
      if (found.size !== r.part.size) {
        const how = found.size < r.part.size ? 'truncated or cut short' : 'longer than recorded';
        faults.add('parts', {
          kind: 'size',
          file: r.part.name,
          part: r.part.name,
          dir: volume.dir,
          message: `${r.part.name} in ${volume.dir} is ${found.size} bytes; ${'bundle.json'} records ${r.part.size} (${how}).`,
        });
      }
    }
    if (r.copies.length === 0 && !faults.all.some((f) => f.kind === 'unreadable' && f.part === r.part.name)) {
      const kind = r.role === 'parity' ? 'Parity part' : 'Part';
      faults.add('parts', { kind: 'missing-file', file: r.part.name, part: r.part.name, message: `${kind} ${r.part.name} is missing: it is ${where}.` });
    }
  }

  const names = new Set(recorded.map((r) => r.part.name));
  const pattern = new RegExp(`^${escapeRegExp(archive.name)}(\\.\\d+|\\.p\\d+)?$`);
  const strays: ArchiveFileCopy[] = [];
  for (const volume of volumes) {
    for (const name of [...volume.names].sort()) {
      if (names.has(name) || !pattern.test(name)) continue;
      const found = await findFile(volume, name);
      if (found?.ok) strays.push({ volume, name, path: found.path, size: found.size });
      else faults.add('parts', { kind: 'stray-part', file: name, dir: volume.dir, message: `${found?.path ?? name} is not a part of this bundle and ${found?.ok === false ? found.problem : 'cannot be read'}.` });
    }
  }

  const data = recorded.filter((r) => r.role === 'data');
  const walk = data.map((r) => r.copies.find((c) => c.size === r.part.size));
  return { recorded, strays, ...(walk.every((c) => c !== undefined) ? { walk: walk as ArchiveFileCopy[] } : {}) };
}

/**
 * Judges what was read: each part's sha256 against bundle.json (a part holding another part's
 * bytes is named as such: renamed or reordered parts), copies on two volumes that differ, stray
 * files (and whose bytes they hold). Returns the report's list of files and the parts lost.
 */
export function checkPartContents(layout: PartsLayout, faults: FaultList): { files: IntegrityReport['parts']; lost: string[] } {
  const byHash = new Map<string, string[]>();
  for (const r of layout.recorded) byHash.set(r.part.sha256, [...(byHash.get(r.part.sha256) ?? []), r.part.name]);
  /** The recorded parts whose bytes a file holds instead of its own. */
  const heldParts = (copy: ArchiveFileCopy): string[] => (copy.read?.sha256 && byHash.get(copy.read.sha256)?.filter((n) => n !== copy.name)) || [];
  const holds = (copy: ArchiveFileCopy): string => {
    const others = heldParts(copy);
    return others.length > 0 ? `; it holds the bytes recorded for ${listNames(others)} (parts renamed or reordered?)` : '';
  };
  const files: IntegrityReport['parts'] = [];
  const lost: string[] = [];
  for (const r of layout.recorded) {
    let good = false;
    for (const copy of r.copies) {
      const ok = copy.size === r.part.size && copy.read?.sha256 === r.part.sha256;
      good ||= ok;
      files.push({ name: copy.name, dir: copy.volume.dir, size: copy.size, ...(copy.read?.sha256 ? { sha256: copy.read.sha256 } : {}), ok });
      if (copy.read?.error !== undefined) {
        faults.add('parts', { kind: 'unreadable', file: copy.name, part: copy.name, dir: copy.volume.dir, message: `${copy.path} cannot be read whole: ${copy.read.error}.` });
      } else if (copy.read && !ok && heldParts(copy).length > 0) {
        faults.add('parts', {
          kind: 'checksum',
          file: copy.name,
          part: copy.name,
          dir: copy.volume.dir,
          message: `${copy.name} in ${copy.volume.dir} holds the bytes recorded for ${listNames(heldParts(copy))}, not its own (parts renamed or reordered?).`,
        });
      } else if (copy.read && copy.size === r.part.size && !ok) {
        faults.add('parts', {
          kind: 'checksum',
          file: copy.name,
          part: copy.name,
          dir: copy.volume.dir,
          message: `${copy.name} in ${copy.volume.dir} is damaged: its sha256 is ${copy.read.sha256}, bundle.json records ${r.part.sha256}.`,
        });
      }
    }
    const digests = new Set(r.copies.filter((c) => c.read?.sha256).map((c) => c.read!.sha256));
    if (digests.size > 1) {
      faults.add('parts', {
        kind: 'inconsistent-volumes',
        file: r.part.name,
        part: r.part.name,
        message: `${r.part.name} is on ${r.copies.length} volumes (${listNames(r.copies.map((c) => c.volume.dir))}) with different contents.`,
      });
    }
    if (!good) lost.push(r.part.name);
  }
  for (const stray of layout.strays) {
    files.push({ name: stray.name, dir: stray.volume.dir, size: stray.size, ...(stray.read?.sha256 ? { sha256: stray.read.sha256 } : {}), ok: false });
    const dataParts = layout.recorded.filter((r) => r.role === 'data');
    const recordedAs =
      dataParts.length === 1
        ? `bundle.json records the archive whole, as ${dataParts[0]!.part.name}`
        : `bundle.json records ${dataParts.length} data parts (${dataParts[0]!.part.name} to ${dataParts.at(-1)!.part.name})${layout.recorded.length > dataParts.length ? ` and ${layout.recorded.length - dataParts.length} parity parts` : ''}`;
    faults.add('parts', {
      kind: 'stray-part',
      file: stray.name,
      dir: stray.volume.dir,
      message: `${stray.name} in ${stray.volume.dir} is not a part of this bundle: ${recordedAs}${holds(stray)}.`,
    });
  }
  return { files, lost };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
