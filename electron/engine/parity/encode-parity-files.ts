import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { ReedSolomon } from './reed-solomon.js';
import { pipelineStripes, readShardChunk, stripeChunkSize, writeFully, type ShardFile } from './shard-io.js';

/** What {@link encodeParityFiles} needs. */
export interface EncodeParityInput {
  /** The k data shards, in order; each holds at most `shardSize` bytes. */
  data: ShardFile[];
  /** The n parity files to write (created or truncated), `shardSize` bytes each. */
  parityPaths: string[];
  /** The shard size: the largest data shard. */
  shardSize: number;
  /** Chunk length of a stripe (default {@link stripeChunkSize}). */
  chunkSize?: number;
  signal?: AbortSignal;
  /** Data-shard bytes encoded (zero padding included), per stripe. */
  onBytes?: (bytes: number) => void;
}

/**
 * Writes the parity files of k data files, stripe by stripe: the chunk at one offset of every data
 * file, then that chunk of every parity file. Memory stays at two stripes of k + n chunks whatever the
 * sizes (reading the next stripe overlaps encoding this one); every parity file is hashed as it is
 * written and flushed to disk at the end. Returns their sha256 (hex).
 */
export async function encodeParityFiles(input: EncodeParityInput): Promise<string[]> {
  const { data, parityPaths, shardSize, signal } = input;
  const rs = new ReedSolomon(data.length, parityPaths.length);
  for (const d of data) if (d.size > shardSize) throw new RangeError(`${d.path} is larger than the shard size`);
  const chunk = input.chunkSize ?? stripeChunkSize(data.length + parityPaths.length, shardSize);
  const inputs: FileHandle[] = [];
  const outputs: FileHandle[] = [];
  try {
    for (const d of data) inputs.push(await open(d.path, 'r'));
    for (const path of parityPaths) outputs.push(await open(path, 'w', 0o644));
    const slots = [0, 1].map(() => ({ data: data.map(() => new Uint8Array(chunk)), parity: parityPaths.map(() => new Uint8Array(chunk)) }));
    const hashes = parityPaths.map(() => createHash('sha256'));
    const lengthOf = (stripe: number): number => Math.min(chunk, shardSize - stripe * chunk);
    const cut = (chunks: Uint8Array[], length: number): Uint8Array[] => (length === chunk ? chunks : chunks.map((c) => c.subarray(0, length)));
    await pipelineStripes(
      Math.ceil(shardSize / chunk),
      {
        read: async (stripe, slot) => {
          const ins = cut(slots[slot]!.data, lengthOf(stripe));
          await Promise.all(ins.map((c, j) => readShardChunk(inputs[j]!, data[j]!.size, c, stripe * chunk)));
        },
        compute: (stripe, slot) => {
          const length = lengthOf(stripe);
          rs.encode(cut(slots[slot]!.data, length), cut(slots[slot]!.parity, length));
        },
        write: async (stripe, slot) => {
          const length = lengthOf(stripe);
          const outs = cut(slots[slot]!.parity, length);
          outs.forEach((c, p) => hashes[p]!.update(c));
          await Promise.all(outs.map((c, p) => writeFully(outputs[p]!, c, stripe * chunk)));
          input.onBytes?.(length * data.length);
        },
      },
      signal,
    );
    await Promise.all(outputs.map((fh) => fh.sync()));
    return hashes.map((h) => h.digest('hex'));
  } finally {
    await Promise.allSettled([...inputs, ...outputs].map((fh) => fh.close()));
  }
}
