import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { PartedFile } from '../bundle/archive/parted-file.js';
import { FerryError } from '../errors/ferry-error.js';
import type { PlannedFile } from './plan-files.js';

const BATCH_BYTES = 1024 * 1024;

/** Streams a planned file into its place in the archive; returns its sha256 (hex). Refused when it changed size (or content, for a staged download) since it was planned. */
export async function copyFileInto(planned: PlannedFile, offset: number, file: PartedFile, options: { signal?: AbortSignal; onBytes?: (n: number) => void } = {}): Promise<string> {
  const hash = createHash('sha256');
  let position = offset;
  let batch: Buffer[] = [];
  let batched = 0;
  const flush = async (): Promise<void> => {
    if (batched === 0) return;
    await file.writev(batch, position);
    position += batched;
    options.onBytes?.(batched);
    batch = [];
    batched = 0;
  };
  const stream = createReadStream(planned.path, { highWaterMark: 256 * 1024 });
  try {
    for await (const chunk of stream) {
      options.signal?.throwIfAborted();
      const data = chunk as Buffer;
      if (position - offset + batched + data.length > planned.size) break;
      hash.update(data);
      batch.push(data);
      batched += data.length;
      if (batched >= BATCH_BYTES) await flush();
    }
    await flush();
  } finally {
    stream.destroy();
  }
  const copied = position - offset;
  if (copied !== planned.size) {
    throw new FerryError('size-mismatch', `File ${planned.source} changed while bundling: it was ${planned.size} bytes when planned, now it is not.`, { subject: planned.name });
  }
  const sha256 = hash.digest('hex');
  if (planned.sha256 && planned.sha256 !== sha256) {
    throw new FerryError('digest-mismatch', `File ${planned.source} changed on disk while bundling (its sha256 is no longer ${planned.sha256}).`, { subject: planned.name });
  }
  return sha256;
}
