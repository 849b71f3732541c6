import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import { FerryError } from '../errors/ferry-error.js';
import { findFile, openBundleVolumes } from '../verify/bundle-volumes.js';
import { volumeHoldingPart } from '../verify/part-holders.js';
import type { VerifiedBundle } from '../verify/open-verified-bundle.js';

/** Bytes held back at the end until the whole archive is verified (more than the tar's end marker). */
const HOLD_BACK = 1024 * 1024;

/** The reassembled archive as a stream, and the bundle it comes from. */
export interface ReassembledArchive {
  manifest: BundleManifest;
  /** The first volume folder. */
  dir: string;
  /**
   * The archive's bytes, part after part. Every part is checked against its recorded size and
   * sha256, and the whole against `archive.sha256`; the last MiB (the tar's end) is only released
   * once all of that holds, so a reader never sees a complete archive that is wrong. A mismatch
   * destroys the stream with a `damaged` error naming the part.
   */
  stream: Readable;
}

/**
 * Opens a verified bundle's archive (one file, split parts, or parts spread over volume folders) as one
 * stream of the reassembled bytes, checked again while streaming (the media may change after verification);
 * memory stays bounded (about 2 MiB).
 */
export async function openReassembledArchive(bundle: VerifiedBundle, options: { signal?: AbortSignal; onBytes?: (n: number) => void } = {}): Promise<ReassembledArchive> {
  const volumes = await openBundleVolumes(bundle.dirs);
  const dir = volumes[0]!.dir;
  const { manifest } = bundle;
  const paths: string[] = [];
  for (const part of manifest.archive.parts) {
    let path: string | undefined;
    let problem = 'is missing';
    for (const volume of volumes) {
      const found = await findFile(volume, part.name);
      if (!found) continue;
      if (!found.ok) problem = found.problem;
      else if (found.size !== part.size) problem = `is ${found.size} bytes, not ${part.size}`;
      else {
        path = found.path;
        break;
      }
    }
    if (!path) {
      const absent = volumes.every((v) => !v.names.has(part.name));
      const holder = absent ? await volumeHoldingPart(volumes, part.name) : undefined;
      throw new FerryError('damaged', `Archive part ${part.name} ${problem} (looked in ${volumes.map((v) => v.dir).join(', ')})${holder ? `: it is on ${holder}, which was not given` : ''}; nothing was placed.`, {
        subject: part.name,
        hint: absent ? 'other-volume' : 'repair',
      });
    }
    paths.push(path);
  }

  async function* bytes(): AsyncGenerator<Buffer> {
    const whole = createHash('sha256');
    const held: Buffer[] = [];
    let heldBytes = 0;
    let total = 0;
    for (const [i, part] of manifest.archive.parts.entries()) {
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of createReadStream(paths[i]!, { highWaterMark: 1024 * 1024, signal: options.signal }) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        whole.update(chunk);
        size += chunk.length;
        held.push(chunk);
        heldBytes += chunk.length;
        while (held.length > 0 && heldBytes - held[0]!.length >= HOLD_BACK) {
          const out = held.shift()!;
          heldBytes -= out.length;
          options.onBytes?.(out.length);
          yield out;
        }
      }
      total += size;
      const hex = hash.digest('hex');
      if (size !== part.size || hex !== part.sha256) {
        throw new FerryError('damaged', `Archive part ${part.name} is damaged (its sha256 is ${hex}, bundle.json records ${part.sha256}); nothing was placed.`, {
          subject: paths[i],
          hint: 'repair',
        });
      }
    }
    const hex = whole.digest('hex');
    if (total !== manifest.archive.size || hex !== manifest.archive.sha256) {
      throw new FerryError('damaged', `The reassembled archive of ${dir} has sha256 ${hex} (${total} bytes), but bundle.json records ${manifest.archive.sha256} (${manifest.archive.size} bytes); nothing was placed.`, {
        subject: dir,
      });
    }
    for (const out of held) {
      options.onBytes?.(out.length);
      yield out;
    }
  }

  return { manifest, dir, stream: Readable.from(bytes(), { objectMode: false, highWaterMark: 1024 * 1024 }) };
}
