import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import { BUNDLE_FILE } from '../bundle/output-folder.js';
import { MAX_BUNDLE_JSON_BYTES, readBundleManifest } from '../bundle/inspect-bundle.js';
import { readRegularFile } from '../util/read-regular-file.js';
import { findFile, type BundleVolume } from './bundle-volumes.js';
import type { FaultList } from './fault-list.js';


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
    } else if (found.size > MAX_BUNDLE_JSON_BYTES) {
      faults.add('bundle-json', { kind: 'metadata', file: BUNDLE_FILE, dir: volume.dir, message: `${found.path} is ${found.size} bytes: far too large for a bundle manifest.` });
    } else {
      try {
        bytes = await readRegularFile(found.path, { maxBytes: MAX_BUNDLE_JSON_BYTES, what: found.path });
      } catch (error) {
        faults.add('bundle-json', { kind: 'unreadable', file: BUNDLE_FILE, dir: volume.dir, message: (error as Error).message });
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
      const { manifest, problems } = readBundleManifest(bytes, found!.path);
      reading.manifest = manifest;
      reading.bytes = bytes;
      reading.volume = volume;
      for (const message of problems) faults.add('bundle-json', { kind: 'metadata', file: BUNDLE_FILE, dir: volume.dir, message: `${BUNDLE_FILE}: ${message}` });
    } catch (error) {
      faults.add('bundle-json', { kind: 'metadata', file: BUNDLE_FILE, dir: volume.dir, message: (error as Error).message });
    }
  }
  return reading;
}
