import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join, relative, resolve, isAbsolute } from 'node:path';
import { FILE_NAME_PATTERN } from '../../../shared/bundle-manifest.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { newRunId, partialName } from '../bundle/partial-name.js';
import { FerryError } from '../errors/ferry-error.js';
import type { VerifiedBundle } from '../verify/open-verified-bundle.js';
import { plainFilePath } from './plain-file-path.js';

/** What to write out and where. */
export interface WriteBundleFilesOptions {
  /** The bundle, verified (`openVerifiedBundle`). */
  bundle: VerifiedBundle;
  /** The folder the plain files are written to (created if missing). */
  filesTo: string;
}

/** One plain file as written. */
export interface WrittenFile {
  name: string;
  path: string;
  size: number;
  sha256: string;
}

/** The path a plain file of the bundle is written to: inside `folder`, or refused (a hostile bundle.json cannot escape it). */
export function safeFilePath(folder: string, name: string): string {
  const path = resolve(folder, name);
  const rel = relative(resolve(folder), path);
  if (!FILE_NAME_PATTERN.test(name) || rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.includes('/') || rel.includes('\\')) {
    throw new FerryError('bad-bundle', `The bundle names a file "${name}", which is not a safe file name; nothing is written for it.`, { subject: name });
  }
  return path;
}

/**
 * Writes the bundle's plain files (`files/<name>`) into a folder: each streamed from the archive
 * parts to a temporary name, checked against bundle.json's size and sha256, flushed, then renamed.
 */
export async function writeBundleFiles(options: WriteBundleFilesOptions, controls: JobControls = {}): Promise<WrittenFile[]> {
  const { signal, onProgress } = controls;
  const folder = resolve(options.filesTo);
  const archive = await options.bundle.openArchive(signal ? { signal } : {});
  const written: WrittenFile[] = [];
  try {
    const files = archive.manifest.files ?? [];
    const targets = files.map((f) => safeFilePath(folder, f.name));
    if (files.length > 0) await mkdir(folder, { recursive: true });
    onProgress?.({ kind: 'phase-start', phase: 'write', totalItems: files.length, totalBytes: files.reduce((n, f) => n + f.size, 0) });
    for (const [i, record] of files.entries()) {
      signal?.throwIfAborted();
      onProgress?.({ kind: 'item-start', phase: 'write', item: record.name });
      const temp = join(folder, partialName(newRunId(), record.name));
      const fh = await open(temp, 'wx', 0o644);
      const hash = createHash('sha256');
      let size = 0;
      try {
        for await (const chunk of archive.openEntry(plainFilePath(record.name), signal ? { signal } : {})) {
          const data = chunk as Buffer;
          hash.update(data);
          size += data.length;
          await fh.write(data);
        }
        await fh.sync();
      } catch (error) {
        await fh.close();
        await rm(temp, { force: true });
        throw error;
      }
      await fh.close();
      const sha256 = hash.digest('hex');
      if (size !== record.size || sha256 !== record.sha256) {
        await rm(temp, { force: true });
        throw new FerryError('damaged', `File ${record.name} read from the archive does not match bundle.json (${size} bytes, sha256 ${sha256}).`, { subject: record.name, hint: 'repair' });
      }
      await rename(temp, targets[i]!);
      written.push({ name: record.name, path: targets[i]!, size, sha256 });
      onProgress?.({ kind: 'item-end', phase: 'write', item: record.name, detail: targets[i]! });
    }
    onProgress?.({ kind: 'phase-end', phase: 'write' });
    return written;
  } finally {
    await archive.close();
  }
}
