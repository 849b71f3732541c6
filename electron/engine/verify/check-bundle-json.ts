import { readFile } from 'node:fs/promises';
import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import { BUNDLE_FILE, SUMS_FILE } from '../bundle/output-folder.js';
import { parseBundleManifest } from '../bundle/inspect-bundle.js';
import { findFile, type BundleVolume } from './bundle-volumes.js';
import type { FaultList } from './fault-list.js';

/** `bundle.json` larger than this is not read (a bundle of thousands of images stays far below). */
const MAX_BUNDLE_JSON = 64 * 1024 * 1024;

/** What the volumes' `bundle.json` files say. */
export interface BundleJsonReading {
  /** The manifest verification goes by: the first volume's that parses. */
  manifest?: BundleManifest;
  /** Its exact bytes (what SHA256SUMS and signatures cover). */
  bytes?: Buffer;
  /** The volume it was read from. */
  volume?: BundleVolume;
  /** Each volume's bytes, when readable. */
  perVolume: (Buffer | undefined)[];
}

/**
 * Reads `bundle.json` from every volume: present, a valid manifest (the same checks as
 * `ferry inspect`), byte for byte the same on every volume, and consistent in itself (parts that
 * add up to the archive, names that are plain and distinct). Every problem becomes a fault.
 */
export async function checkBundleJson(volumes: BundleVolume[], faults: FaultList): Promise<BundleJsonReading> {
  const reading: BundleJsonReading = { perVolume: [] };
  for (const volume of volumes) {
    const found = await findFile(volume, BUNDLE_FILE);
    let bytes: Buffer | undefined;
    if (!found) {
      faults.add('bundle-json', {
        kind: 'missing-file',
        file: BUNDLE_FILE,
        dir: volume.dir,
        message:
          volumes.length > 1
            ? `${volume.dir} has no ${BUNDLE_FILE}; every volume of a set carries the same one.`
            : `${volume.dir} has no ${BUNDLE_FILE}: it is not a Ferry bundle folder, or the bundle was not finished.`,
      });
    } else if (!found.ok) {
      faults.add('bundle-json', { kind: 'unreadable', file: BUNDLE_FILE, dir: volume.dir, message: `${found.path} ${found.problem}.` });
    } else if (found.size > MAX_BUNDLE_JSON) {
      faults.add('bundle-json', { kind: 'metadata', file: BUNDLE_FILE, dir: volume.dir, message: `${found.path} is ${found.size} bytes: far too large for a bundle manifest.` });
    } else {
      try {
        bytes = await readFile(found.path);
      } catch (error) {
        faults.add('bundle-json', { kind: 'unreadable', file: BUNDLE_FILE, dir: volume.dir, message: `${found.path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).` });
      }
    }
    reading.perVolume.push(bytes);
    if (!bytes) continue;
    if (reading.bytes) {
      if (!bytes.equals(reading.bytes)) {
        faults.add('bundle-json', {
          kind: 'inconsistent-volumes',
          file: BUNDLE_FILE,
          dir: volume.dir,
          message: `${BUNDLE_FILE} in ${volume.dir} differs from the one in ${reading.volume!.dir}: these folders are not volumes of one bundle, or one was changed.`,
        });
      }
      continue;
    }
    try {
      reading.manifest = parseBundleManifest(bytes, found!.path);
      reading.bytes = bytes;
      reading.volume = volume;
    } catch (error) {
      faults.add('bundle-json', { kind: 'metadata', file: BUNDLE_FILE, dir: volume.dir, message: (error as Error).message });
    }
  }
  if (reading.manifest) checkConsistency(reading.manifest, faults);
  return reading;
}

/** What bundle.json says must add up: its parts make the archive; names are plain and distinct. */
function checkConsistency(manifest: BundleManifest, faults: FaultList): void {
  const fault = (message: string): void => faults.add('bundle-json', { kind: 'metadata', file: BUNDLE_FILE, message });
  const { archive } = manifest;
  const files = [...archive.parts, ...(archive.parity?.parts ?? [])];
  const names = new Set<string>();
  for (const part of files) {
    if (part.name === '.' || part.name === '..' || part.name === BUNDLE_FILE || part.name === SUMS_FILE) {
      fault(`${BUNDLE_FILE} names an archive part "${part.name}", which cannot be one.`);
    } else if (names.has(part.name)) {
      fault(`${BUNDLE_FILE} lists the archive part ${part.name} twice.`);
    }
    names.add(part.name);
  }
  const sum = archive.parts.reduce((n, p) => n + p.size, 0);
  if (sum !== archive.size) fault(`${BUNDLE_FILE} records an archive of ${archive.size} bytes, but its parts add up to ${sum}.`);
  if (archive.parts.length === 1 && archive.parts[0]!.sha256 !== archive.sha256) {
    fault(`${BUNDLE_FILE} records the archive's sha256 as ${archive.sha256}, but its only part ${archive.parts[0]!.name} as ${archive.parts[0]!.sha256}.`);
  }
  if (archive.parity && archive.parity.dataParts !== archive.parts.length) {
    fault(`${BUNDLE_FILE} records parity over ${archive.parity.dataParts} data parts, but the archive has ${archive.parts.length}.`);
  }
  const digests = new Set<string>();
  for (const blob of manifest.blobs) {
    if (digests.has(blob.digest)) fault(`${BUNDLE_FILE} lists blob ${blob.digest} twice.`);
    digests.add(blob.digest);
  }
}
