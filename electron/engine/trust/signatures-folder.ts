import { constants } from 'node:fs';
import { lstat, mkdir, open, realpath, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SIGNATURES_DIR } from '../../../shared/signature.js';
import { newRunId, partialName } from '../bundle/partial-name.js';
import { FerryError } from '../errors/ferry-error.js';
import { syncDir } from '../util/sync-dir.js';

/** A signature document is a few hundred bytes; a larger file in `signatures/` is not read. */
export const MAX_SIGNATURE_FILE_BYTES = 64 * 1024;
/** More files than this in `signatures/` are not read one by one (a bundle carries a handful). */
export const MAX_SIGNATURE_FILES = 256;

/** What `<dir>/signatures` is: absent, a real folder, or something no signature is read from or written into. */
export type SignaturesFolderState = { kind: 'absent' } | { kind: 'folder' } | { kind: 'refused'; problem: string };

/**
 * Looks at `<dir>/signatures` without following it: a symbolic link (wherever it points) or anything but a folder
 * is refused, with a sentence saying what it is; links in a bundle are never followed, for reading or writing.
 */
export async function signaturesFolderState(dir: string): Promise<SignaturesFolderState> {
  const folder = join(dir, SIGNATURES_DIR);
  let info;
  try {
    info = await lstat(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'absent' };
    return { kind: 'refused', problem: `${folder} cannot be looked at (${code ?? String(error)}).` };
  }
  if (info.isSymbolicLink()) return { kind: 'refused', problem: `${folder} is a symbolic link, not a folder: links in a bundle are not followed, so nothing is read from or written through it.` };
  if (!info.isDirectory()) return { kind: 'refused', problem: `${folder} is not a folder, so it holds no signatures and none can be written into it.` };
  return { kind: 'folder' };
}

/** Throws a `bad-bundle` error naming `<dir>/signatures` when it is a link or not a folder (`consequence`: what did not happen). */
export async function assertSignaturesFolderUsable(dir: string, consequence: string): Promise<void> {
  const state = await signaturesFolderState(dir);
  if (state.kind === 'refused') {
    throw new FerryError('bad-bundle', `${state.problem} Remove or replace it with a plain folder; ${consequence}.`, { subject: join(dir, SIGNATURES_DIR) });
  }
}

/**
 * `<dir>/signatures`, made when absent, proven to be a plain folder whose real path is `signatures` directly inside
 * the real bundle folder: never a link, never a way out of the bundle folder. Throws a `bad-bundle` error naming it.
 */
export async function openSignaturesFolder(dir: string, consequence = 'nothing was signed'): Promise<string> {
  const folder = join(dir, SIGNATURES_DIR);
  if ((await signaturesFolderState(dir)).kind === 'absent') {
    await mkdir(folder, { mode: 0o755 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
  await assertSignaturesFolderUsable(dir, consequence);
  const [real, realDir] = await Promise.all([realpath(folder), realpath(dir)]);
  if (real !== join(realDir, SIGNATURES_DIR)) {
    throw new FerryError('bad-bundle', `${folder} resolves to ${real}, outside the bundle folder ${realDir}; ${consequence}.`, { subject: folder });
  }
  return folder;
}

/**
 * Writes one file into a proven `signatures/` folder so that it is either absent or complete and never written
 * through a link: a fresh temporary name created exclusively without following links (`O_CREAT | O_EXCL |
 * O_NOFOLLOW`), flushed, renamed over `name` (a rename replaces a link at `name`, it does not follow it), and
 * the folder flushed. The temporary file is removed on failure.
 */
export async function writeSignatureFile(folder: string, name: string, data: string): Promise<string> {
  const file = join(folder, name);
  const temp = join(folder, partialName(newRunId(), name));
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  const fh = await open(temp, flags, 0o644);
  try {
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  // the rename reaches the stick before the command says it is done
  await syncDir(folder);
  return file;
}
