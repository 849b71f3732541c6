import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, statfs } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { newRunId, partialName } from '../bundle/partial-name.js';
import { FerryError } from '../errors/ferry-error.js';
import { ProgressMeter } from '../progress/progress-meter.js';
import { openReassembledArchive } from './reassembled-archive.js';

/** Where to place a bundle's archive as one file. */
export interface PlaceInFolderOptions {
  /** The bundle folder, or every volume of a multi-volume set. */
  dirs: string[];
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
 * flushed, then renamed. A damaged bundle leaves nothing behind.
 */
export async function placeInFolder(options: PlaceInFolderOptions, controls: JobControls = {}): Promise<PlaceInFolderResult> {
  const target = resolve(options.targetDir);
  try {
    await mkdir(target, { recursive: true });
  } catch (error) {
    throw new FerryError('io', `Cannot create ${target}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`, { subject: target, cause: error });
  }
  const meter: { m?: ProgressMeter } = {};
  const archive = await openReassembledArchive(options.dirs, { signal: controls.signal, onBytes: (n) => meter.m?.add(n) });
  const { manifest } = archive;
  const name = options.fileName ?? placedArchiveName(manifest);
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) throw new FerryError('bad-usage', `"${name}" is not a plain file name.`, { subject: name });
  const final = join(target, name);
  const temp = join(target, partialName(newRunId(), name));
  const s = await statfs(target);
  if (s.bavail * s.bsize < manifest.archive.size) {
    archive.stream.destroy();
    throw new FerryError('no-space', `${target} has ${s.bavail * s.bsize} bytes free; the archive needs ${manifest.archive.size}.`, { subject: target });
  }
  const replaced = await stat(final).then(
    () => true,
    () => false,
  );
  controls.onProgress?.({ kind: 'phase-start', phase: 'write', totalBytes: manifest.archive.size });
  meter.m = new ProgressMeter('write', manifest.archive.size, controls.onProgress);
  try {
    await pipeline(archive.stream, createWriteStream(temp, { flags: 'wx', mode: 0o644 }), { signal: controls.signal });
    const fh = await open(temp, 'r');
    await fh.sync().finally(() => fh.close());
    await rename(temp, final);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDir(target);
  meter.m.finish();
  controls.onProgress?.({ kind: 'phase-end', phase: 'write' });
  return { path: final, bytes: manifest.archive.size, sha256: manifest.archive.sha256, replaced, manifest };
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    await fh.sync().finally(() => fh.close());
  } catch {
    // not every platform can fsync a directory; the rename is still atomic
  }
}
