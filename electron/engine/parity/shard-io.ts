import type { FileHandle } from 'node:fs/promises';

/** One shard stored in a file: data parts hold `size` ≤ shard-size bytes (the rest counts as zeros). */
export interface ShardFile {
  path: string;
  size: number;
}

const KIB = 1024;
const MIB = 1024 * KIB;
/** What all chunks of one stripe may take together (two stripes are in flight). */
const STRIPE_BUDGET = 16 * MIB;

/**
 * The chunk length for stripes over `shards` shards: 1 MiB (the product tables and a chunk stay in
 * cache) unless one stripe would take more than 16 MiB, never below 64 KiB, a multiple of 4 KiB
 * and no longer than the shard rounded up to 4 bytes.
 */
export function stripeChunkSize(shards: number, shardSize: number): number {
  const byBudget = Math.floor(STRIPE_BUDGET / Math.max(1, shards) / (4 * KIB)) * 4 * KIB;
  const chunk = Math.max(64 * KIB, Math.min(MIB, byBudget));
  return Math.max(4, Math.min(chunk, Math.ceil(shardSize / 4) * 4));
}

/** Reads `target.length` bytes of a shard at `offset`; bytes past the stored size read as zeros. */
export async function readShardChunk(fh: FileHandle, stored: number, target: Uint8Array, offset: number): Promise<void> {
  const want = Math.max(0, Math.min(target.length, stored - offset));
  let done = 0;
  while (done < want) {
    const { bytesRead } = await fh.read(target, done, want - done, offset + done);
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${offset + done}`);
    done += bytesRead;
  }
  if (want < target.length) target.fill(0, want);
}

/** Writes all of `data` at `offset`. */
export async function writeFully(fh: FileHandle, data: Uint8Array, offset: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, offset + done);
    done += bytesWritten;
  }
}

/** The three steps of one stripe; `slot` (0 or 1) names the buffer set the stripe uses. */
export interface StripeSteps {
  read(stripe: number, slot: number): Promise<void>;
  compute(stripe: number, slot: number): void;
  write(stripe: number, slot: number): Promise<void>;
}

/**
 * Runs stripes 0…count−1 through read → compute → write with two buffer sets, so that reading
 * stripe i+1 and writing stripe i−1 overlap computing stripe i. `write` is called in stripe order.
 * On failure every step in flight settles before the error is thrown (handles can then be closed).
 */
export async function pipelineStripes(count: number, steps: StripeSteps, signal?: AbortSignal): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  const track = (p: Promise<void>): Promise<void> => {
    inFlight.add(p);
    p.then(
      () => inFlight.delete(p),
      () => inFlight.delete(p),
    );
    return p;
  };
  const writing: (Promise<void> | undefined)[] = [undefined, undefined];
  let reading = count > 0 ? track(steps.read(0, 0)) : undefined;
  try {
    for (let i = 0; i < count; i++) {
      signal?.throwIfAborted();
      const slot = i & 1;
      await reading;
      // the other slot's input buffers were consumed by compute(i − 1): refill them
      reading = i + 1 < count ? track(steps.read(i + 1, slot ^ 1)) : undefined;
      await writing[slot]; // this slot's output buffers are free again
      steps.compute(i, slot);
      writing[slot] = track(steps.write(i, slot));
    }
    await Promise.all(writing);
  } catch (error) {
    await Promise.allSettled([...inFlight]);
    throw error;
  }
}
