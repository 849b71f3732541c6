import { createHash } from 'node:crypto';
import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import { BUNDLE_FILE, SUMS_FILE } from '../bundle/output-folder.js';
import { readSha256Sums } from '../bundle/sha256sums.js';
import { FerryError } from '../errors/ferry-error.js';
import { readRegularFile } from '../util/read-regular-file.js';
import { findFile, type BundleVolume } from './bundle-volumes.js';
import type { PartsLayout } from './check-parts.js';
import type { FaultList } from './fault-list.js';

/** A SHA256SUMS file larger than this is not read: a bundle's lists a handful of names. */
const MAX_SUMS = 1024 * 1024;

/**
 * Checks each volume's `SHA256SUMS` as `sha256sum -c` would, without reading anything twice:
 * every line is well formed; it names `bundle.json` or an archive file of this bundle (any other
 * name, `../x` included, is a fault and is never opened); that file is on this volume; its sum
 * agrees with bundle.json's record (the part itself was checked against that record); and every
 * archive file on the volume is covered. Returns how many lines were checked.
 */
export async function checkSumsFiles(
  volumes: BundleVolume[],
  manifest: BundleManifest | undefined,
  bundleJson: (Buffer | undefined)[],
  layout: PartsLayout | undefined,
  faults: FaultList,
): Promise<number> {
  const records = new Map([...(manifest?.archive.parts ?? []), ...(manifest?.archive.parity?.parts ?? [])].map((p) => [p.name, p]));
  let checked = 0;
  for (const [index, volume] of volumes.entries()) {
    const fault = (kind: 'missing-file' | 'unreadable' | 'metadata' | 'checksum', message: string, file: string = SUMS_FILE): void =>
      faults.add('sha256sums', { kind, file, dir: volume.dir, message });
    const found = await findFile(volume, SUMS_FILE);
    if (!found) {
      fault('missing-file', `${volume.dir} has no ${SUMS_FILE}.`);
      continue;
    }
    if (!found.ok || found.size > MAX_SUMS) {
      fault(found.ok ? 'metadata' : 'unreadable', `${found.path} ${found.ok ? `is ${found.size} bytes: far too large for a checksum list` : found.problem}.`);
      continue;
    }
    let text: string;
    try {
      // opened again without following a link or waiting on a FIFO, and capped: it may have been swapped since
      text = (await readRegularFile(found.path, { maxBytes: MAX_SUMS, what: found.path })).toString('utf8');
    } catch (error) {
      fault('unreadable', error instanceof FerryError ? error.message : `${found.path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
      continue;
    }
    const listing = readSha256Sums(text);
    if (listing.malformed.length > 0) {
      const lines = listing.malformed.slice(0, 5).join(', ') + (listing.malformed.length > 5 ? ', …' : '');
      fault('metadata', `${found.path}: line${listing.malformed.length > 1 ? 's' : ''} ${lines} ${listing.malformed.length > 1 ? 'are' : 'is'} not of the form "<sha256>  <file name>".`);
    }
    const listed = new Map<string, string>();
    for (const line of listing.lines) {
      const previous = listed.get(line.name);
      if (previous !== undefined) {
        if (previous !== line.sha256) fault('checksum', `${found.path} lists ${line.name} twice, with different sums (line ${line.line}).`);
        continue;
      }
      listed.set(line.name, line.sha256);
      if (line.name === BUNDLE_FILE) {
        const bytes = bundleJson[index];
        if (!bytes) continue; // its absence is reported by the bundle.json check
        checked++;
        const actual = createHash('sha256').update(bytes).digest('hex');
        if (actual !== line.sha256) {
          fault('checksum', `${BUNDLE_FILE} in ${volume.dir} does not match ${SUMS_FILE} (sha256 ${actual}, listed ${line.sha256}): it was changed after the bundle was made, or ${SUMS_FILE} was.`, BUNDLE_FILE);
        }
        continue;
      }
      if (!manifest) continue; // without a valid bundle.json no archive name can be judged
      const record = records.get(line.name);
      if (!record) {
        fault('metadata', `${found.path} lists "${line.name}", which is not a file of this bundle; it was not read.`);
        continue;
      }
      checked++;
      const copies = layout?.recorded.find((r) => r.part.name === line.name)?.copies ?? [];
      if (!volume.names.has(line.name)) {
        const elsewhere = copies.map((c) => c.volume.dir);
        if (elsewhere.length > 0) fault('missing-file', `${found.path} lists ${line.name}, which is not in ${volume.dir} (it is in ${elsewhere.join(', ')}).`, line.name);
      }
      if (line.sha256 !== record.sha256) {
        fault('checksum', `${found.path} lists ${line.sha256} for ${line.name}, but bundle.json records ${record.sha256}.`);
      }
    }
    if (!manifest) continue;
    const uncovered = [BUNDLE_FILE, ...records.keys()].filter((name) => volume.names.has(name) && !listed.has(name));
    if (uncovered.length > 0) fault('checksum', `${found.path} does not cover ${uncovered.join(', ')}, on that volume.`);
  }
  return checked;
}
