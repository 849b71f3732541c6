import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { kernelFileSystemOf } from './file-system-type.js';

/** What reading a file back found. */
export interface ReadBackResult {
  /** Hex sha256 of the bytes read. */
  sha256: string;
  bytes: number;
  /** The bytes came from the device, bypassing the system's page cache (O_DIRECT / FILE_FLAG_NO_BUFFERING). */
  direct: boolean;
}

/** Options of {@link readBackFile}. */
export interface ReadBackOptions {
  signal?: AbortSignal | undefined;
  onBytes?: (bytes: number) => void;
  /** Try to bypass the page cache (default true). */
  direct?: boolean;
}

/**
 * The flag that bypasses the page cache where Node can reach one: Linux's O_DIRECT, and on
 * Windows libuv's UV_FS_O_DIRECT (0x02000000, FILE_FLAG_NO_BUFFERING), which libuv honours though
 * Node does not export it. macOS has none (F_NOCACHE is an fcntl Node does not offer).
 */
export const DIRECT_READ_FLAG: number | undefined =
  process.platform === 'linux' ? constants.O_DIRECT : process.platform === 'win32' ? 0x02000000 : undefined;

const CHUNK = 4 * 1024 * 1024;
/** Direct I/O wants buffers, offsets and lengths aligned to the device's block: 4096 covers 512 and 4K drives. */
const ALIGN = 4096;

/**
 * Reads a file back and hashes it, bypassing the page cache when the platform and file system
 * allow (so a stick that silently dropped writes is caught, as Etcher's verification does), and
 * otherwise through the cache (`direct: false`): on macOS, on file systems without direct I/O,
 * and on FUSE file systems (whose daemon reads the device through the cache anyway). Memory: one
 * buffer of 4 MiB.
 *
 * Node cannot hand out aligned memory, so the aligned window inside an over-allocated buffer is
 * found by trying offsets until the kernel accepts a direct read (EINVAL means misaligned).
 */
export async function readBackFile(path: string, options: ReadBackOptions = {}): Promise<ReadBackResult> {
  const { signal, onBytes } = options;
  let fh: FileHandle | undefined;
  let direct = false;
  let buffer: Buffer = Buffer.allocUnsafeSlow(CHUNK);
  try {
    // through FUSE a direct read only skips the kernel's cache; the daemon's own reads may be cached
    if ((options.direct ?? true) && DIRECT_READ_FLAG && (await kernelFileSystemOf(path).catch(() => '')) !== 'fuse') {
      try {
        fh = await open(path, constants.O_RDONLY | DIRECT_READ_FLAG);
        const aligned = await alignedWindow(fh);
        if (aligned) {
          buffer = aligned;
          direct = true;
        } else {
          await fh.close();
          fh = undefined;
        }
      } catch (error) {
        await fh?.close().catch(() => {});
        fh = undefined;
        // a file system without direct I/O (some FUSE ones) answers EINVAL; anything else is a real error
        if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
      }
    }
    fh ??= await open(path, 'r');
    const size = (await fh.stat()).size;
    const hash = createHash('sha256');
    let position = 0;
    while (position < size) {
      signal?.throwIfAborted();
      const { bytesRead } = await fh.read(buffer, 0, CHUNK, position);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
      onBytes?.(bytesRead);
    }
    return { sha256: hash.digest('hex'), bytes: position, direct };
  } finally {
    await fh?.close().catch(() => {});
  }
}

/** A CHUNK-long window of a fresh buffer whose address the kernel accepts for direct reads, or undefined. */
async function alignedWindow(fh: FileHandle): Promise<Buffer | undefined> {
  const size = (await fh.stat()).size;
  const raw = Buffer.allocUnsafeSlow(CHUNK + ALIGN);
  // allocators return 16-byte-aligned memory, so one of these offsets is 4096-aligned
  for (let offset = 0; offset < ALIGN; offset += 16) {
    const window = raw.subarray(offset, offset + CHUNK);
    if (size === 0) return window;
    try {
      await fh.read(window, 0, ALIGN, 0);
      return window;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
    }
  }
  return undefined;
}
