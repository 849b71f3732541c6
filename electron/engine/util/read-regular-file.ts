import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { FerryError } from '../errors/ferry-error.js';

/** How {@link readRegularFile} reads. */
export interface ReadRegularFileOptions {
  /** Refuse the file when it holds more than this many bytes (checked before reading). */
  maxBytes: number;
  /** What the file is, for messages: `bundle.json`, `the split journal`. Defaults to the path. */
  what?: string;
}

/**
 * Opens a file of a bundle folder for reading without following a symbolic link at its last component and
 * without blocking on a FIFO (`O_NOFOLLOW | O_NONBLOCK`), and proves on the open handle that it is a regular
 * file: a link to `/dev/zero`, a FIFO, a socket or a device is refused before a byte is read.
 */
export async function openRegularFile(path: string, what = path): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') throw new FerryError('bad-bundle', `${what} is a symbolic link, not a file (links in a bundle are not followed).`, { subject: path });
    if (code === 'ENOENT') throw new FerryError('not-found', `${what} does not exist.`, { subject: path });
    throw new FerryError('io', `${what} cannot be opened (${code ?? String(error)}).`, { subject: path, cause: error });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new FerryError('bad-bundle', `${what} is not a regular file (${kindOf(info)}); only regular files are read from a bundle.`, { subject: path });
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Reads a small file of a bundle (`bundle.json`, `SHA256SUMS`, a signature, the split journal) whole, as
 * {@link openRegularFile} opens it, refusing it when it is larger than `maxBytes` — by its size before
 * reading, and again if it grows while read — so memory stays bounded whatever the folder holds.
 */
export async function readRegularFile(path: string, options: ReadRegularFileOptions): Promise<Buffer> {
  const what = options.what ?? path;
  const handle = await openRegularFile(path, what);
  try {
    const { size } = await handle.stat();
    if (size > options.maxBytes) throw tooLarge(path, what, size, options.maxBytes);
    const buffer = Buffer.allocUnsafe(Math.min(options.maxBytes + 1, size + 1));
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled > options.maxBytes) throw tooLarge(path, what, filled, options.maxBytes);
      if (filled === buffer.length) break; // grew while read past what was stat'ed: the check above catches the cap
    }
    return buffer.subarray(0, filled);
  } catch (error) {
    if (error instanceof FerryError) throw error;
    throw new FerryError('io', `${what} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, { subject: path, cause: error });
  } finally {
    await handle.close();
  }
}

function tooLarge(path: string, what: string, size: number, max: number): FerryError {
  return new FerryError('bad-bundle', `${what} is ${size} bytes or more, larger than the ${max} bytes it may be; it is not read.`, { subject: path });
}

function kindOf(info: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return 'not a file';
}
