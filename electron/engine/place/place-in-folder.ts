import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, statfs } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { newRunId, partialName } from '../bundle/partial-name.js';
import { FerryError } from '../errors/ferry-error.js';
import { ProgressMeter } from '../progress/progress-meter.js';
import type { VerifiedBundle } from '../verify/open-verified-bundle.js';
import { openPlacedArchive } from './complete-archive.js';

/** Where to place a bundle's archive as one file. */
export interface PlaceInFolderOptions {
  /** The bundle, verified (`openVerifiedBundle`). */
  bundle: VerifiedBundle;
  /** A delta's earlier bundles, verified (`openVerifiedBases`): they supply the blobs it relies on, for a complete archive. */
  bases?: VerifiedBundle[];
  /** The folder a runtime imports from (k3s: `/var/lib/rancher/k3s/agent/images`, k0s: `/var/lib/k0s/images`); created if missing. */
  targetDir: string;
  /** The file name (default `ferry-<first 8 of the bundle id>.tar`). */
  fileName?: string;
}

/** What {@link placeInFolder} wrote. */
export interface PlaceInFolderResult {
  /** The archive file, complete and verified. */
  path: string;
  bytes: number;
  sha256: string;
  /** A file of that name was there before and was replaced. */
  replaced: boolean;
  manifest: BundleManifest;
}

/** The default name of a placed archive: k3s and k0s import `*.tar` files from their images folder. */
export function placedArchiveName(manifest: BundleManifest): string {
  return `ferry-${manifest.id.slice(0, 8)}.tar`;
}

/**
 * Writes a bundle's reassembled archive (an OCI layout + docker-save tar) into a folder that a
 * runtime watches (k3s, k0s), atomically: under a temporary name in that folder that no runtime
 * picks up (`.ferry-<run>-<name>.partial`), verified against `archive.sha256` while streaming,
 * flushed, then renamed. A damaged bundle leaves nothing behind. A delta is written as the complete archive a full
 * bundle of its images would hold, its missing blobs streamed from `bases` (each checked against its digest), or refused.
 */
export async function placeInFolder(options: PlaceInFolderOptions, controls: JobControls = {}): Promise<PlaceInFolderResult> {
  const target = resolve(options.targetDir);
  try {
    await mkdir(target, { recursive: true });
  } catch (error) {
    throw new FerryError('io', `Cannot create ${target}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`, { subject: target, cause: error });
  }
  const meter: { m?: ProgressMeter } = {};
  // a delta is made complete from its bases (refused without them); a complete bundle's archive is placed as it is
  const archive = await openPlacedArchive(options.bundle, options.bases ?? [], { signal: controls.signal, onBytes: (n) => meter.m?.add(n) });
  const { manifest, size } = archive;
  const name = options.fileName ?? placedArchiveName(manifest);
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) throw new FerryError('bad-usage', `"${name}" is not a plain file name.`, { subject: name });
  const final = join(target, name);
  const temp = join(target, partialName(newRunId(), name));
  const s = await statfs(target);
  if (s.bavail * s.bsize < size) {
    archive.stream.destroy();
    await archive.close();
    throw new FerryError('no-space', `${target} has ${s.bavail * s.bsize} bytes free; the archive needs ${size}.`, { subject: target });
  }
  const replaced = await stat(final).then(
    () => true,
    () => false,
  );
  controls.onProgress?.({ kind: 'phase-start', phase: 'write', totalBytes: size });
  meter.m = new ProgressMeter('write', size, controls.onProgress);
  try {
    await pipeline(archive.stream, createWriteStream(temp, { flags: 'wx', mode: 0o644 }), { signal: controls.signal });
    const fh = await open(temp, 'r');
    await fh.sync().finally(() => fh.close());
    await rename(temp, final);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    await archive.close();
  }
  await syncDir(target);
  meter.m.finish();
  controls.onProgress?.({ kind: 'phase-end', phase: 'write' });
  return { path: final, bytes: size, sha256: archive.sha256(), replaced, manifest };
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    await fh.sync().finally(() => fh.close());
  } catch {
    // not every platform can fsync a directory; the rename is still atomic
  }
}
