import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/** The default cache folder: `$XDG_CACHE_HOME/ferry` or `~/.cache/ferry`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ferry');
}

/** A blob being added to the cache: bytes go to a temporary file that becomes the entry on commit. */
export interface CacheWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the entry visible; call only after the bytes were verified against the digest. */
  commit(): Promise<void>;
  /** Drops the partial entry. */
  abort(): Promise<void>;
}

/**
 * A content-addressed blob cache (`<dir>/blobs/sha256/<hex>`), so a rerun after an interruption
 * fetches only what is missing. Entries appear only once complete and verified (temp name, then rename).
 */
export class BlobCache {
  private constructor(readonly dir: string) {}

  /** Opens (creating) the cache at `dir`. */
  static async open(dir: string): Promise<BlobCache> {
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    return new BlobCache(dir);
  }

  /** Path of a blob's entry. */
  pathOf(digest: string): string {
    return join(this.dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
  }

  /** True when a complete entry of the expected size exists. */
  async has(digest: string, size: number): Promise<boolean> {
    try {
      const s = await stat(this.pathOf(digest));
      return s.isFile() && s.size === size;
    } catch {
      return false;
    }
  }

  /** A stream of a cached blob's bytes. */
  read(digest: string): Readable {
    return createReadStream(this.pathOf(digest), { highWaterMark: 1024 * 1024 });
  }

  /** Removes an entry (e.g. one found corrupt). */
  async remove(digest: string): Promise<void> {
    await rm(this.pathOf(digest), { force: true });
  }

  /** Starts adding a blob. */
  async beginWrite(digest: string): Promise<CacheWriter> {
    const final = this.pathOf(digest);
    const temp = `${final}.tmp-${randomBytes(6).toString('hex')}`;
    const fh: FileHandle = await open(temp, 'w', 0o644);
    let closed = false;
    const close = async (): Promise<void> => {
      if (!closed) {
        closed = true;
        await fh.close();
      }
    };
    return {
      async write(chunk) {
        let done = 0;
        while (done < chunk.length) done += (await fh.write(chunk, done, chunk.length - done)).bytesWritten;
      },
      async commit() {
        await close();
        await rename(temp, final);
      },
      async abort() {
        await close().catch(() => {});
        await rm(temp, { force: true });
      },
    };
  }
}
