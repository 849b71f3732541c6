import type { Readable } from 'node:stream';
import type { BlobCache, CacheWriter } from '../cache/blob-cache.js';
import { copyCachedBlob } from '../cache/copy-cached-blob.js';
import { FerryError } from '../errors/ferry-error.js';
import type { ImageSourceClient } from '../sources/image-source-client.js';
import type { PartedFile } from './archive/parted-file.js';
import type { PlannedBlob } from './plan-blobs.js';

const BATCH_BYTES = 1024 * 1024;

/** What copying a blob needs. */
export interface CopyBlobContext {
  client: ImageSourceClient;
  cache: BlobCache | undefined;
  file: PartedFile;
  signal?: AbortSignal;
  /** Bytes landed (negative to take back bytes of a copy that had to be redone). */
  onBytes: (bytes: number) => void;
}

/**
 * Puts one blob's bytes at `offset` in the archive: from the cache when it holds the blob,
 * else from the registry (or a foreign layer's URL), teeing into the cache on the way.
 * Every path verifies size and sha256 before the blob counts as done.
 */
export async function copyBlob(blob: PlannedBlob, offset: number, ctx: CopyBlobContext): Promise<{ cached: boolean }> {
  if (blob.source.kind === 'inline') {
    await ctx.file.write(blob.source.bytes, offset);
    ctx.onBytes(blob.size);
    return { cached: false };
  }
  if (ctx.cache) {
    // verified on the cache's hashing worker as it is copied; a damaged entry is dropped (its bytes taken back) and fetched afresh
    const copied = await copyCachedBlob(ctx.cache, blob.digest, blob.size, ctx.file, offset, { ...(ctx.signal ? { signal: ctx.signal } : {}), onBytes: ctx.onBytes });
    if (copied === 'copied') return { cached: true };
  }
  const source = blob.source;
  const desc = { digest: blob.digest, size: blob.size, mediaType: blob.mediaType };
  const stream =
    source.kind === 'registry'
      ? await ctx.client.openBlob(source.registry, source.repository, desc, { signal: ctx.signal })
      : await ctx.client.openForeignBlob({ ...desc, urls: source.urls }, { signal: ctx.signal });
  const writer = ctx.cache ? await ctx.cache.beginWrite(blob.digest).catch(() => undefined) : undefined;
  try {
    // the client checks size and sha256 while streaming and fails the stream on a mismatch
    const landed = await pump(stream, offset, ctx, writer);
    if (landed.bytes !== blob.size) {
      throw new FerryError('size-mismatch', `Blob ${blob.digest} arrived with ${landed.bytes} of ${blob.size} bytes.`, { subject: blob.digest });
    }
    if (writer && landed.cached) await writer.commit().catch(() => writer.abort());
    else await writer?.abort();
    return { cached: false };
  } catch (error) {
    await writer?.abort();
    throw error;
  }
}

async function pump(
  stream: Readable,
  offset: number,
  ctx: CopyBlobContext,
  tee: CacheWriter | undefined,
): Promise<{ bytes: number; cached: boolean }> {
  let position = offset;
  let teeing = tee !== undefined;
  // network chunks are small (16–64 KiB); writing them in batches of about 1 MiB saves most of
  // the per-write cost while keeping memory per blob stream bounded
  let batch: Buffer[] = [];
  let batched = 0;
  const flush = async (): Promise<void> => {
    if (batched === 0) return;
    const buffers = batch;
    const bytes = batched;
    batch = [];
    batched = 0;
    await ctx.file.writev(buffers, position);
    if (teeing) {
      // a full or broken cache volume must not fail the bundle: stop caching this blob
      await tee!.write(buffers.length === 1 ? buffers[0]! : Buffer.concat(buffers, bytes)).catch(() => (teeing = false));
    }
    position += bytes;
    ctx.onBytes(bytes);
  };
  try {
    for await (const chunk of stream) {
      ctx.signal?.throwIfAborted();
      const data = chunk as Buffer;
      batch.push(data);
      batched += data.length;
      if (batched >= BATCH_BYTES) await flush();
    }
    await flush();
  } finally {
    stream.destroy();
  }
  return { bytes: position - offset, cached: teeing };
}
