import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { ReedSolomon } from './reed-solomon.js';
import { pipelineStripes, readShardChunk, stripeChunkSize, writeFully, type ShardFile } from './shard-io.js';

/** What {@link rebuildShardFiles} needs. */
export interface RebuildShardsInput {
  dataShards: number;
  parityShards: number;
  shardSize: number;
  /** Every shard, data then parity, with the size it is stored at (data shards may be shorter than `shardSize`). */
  shards: ShardFile[];
  /** The shards to rebuild (at most `parityShards`); their files are never read. */
  lost: number[];
  /** Where each lost shard is written (same order as `lost`), at its stored size. */
  outputPaths: string[];
  chunkSize?: number;
  signal?: AbortSignal;
  /** Shard bytes read, per stripe. */
  onBytes?: (bytes: number) => void;
}

/**
 * Rebuilds lost shards from k intact ones, stripe by stripe (two stripes of k + lost chunks in
 * memory), hashing each rebuilt file as it is written and flushing it at the end. Returns the sha256
 * (hex) of each, in the order of `lost`; the caller proves them against the recorded hashes.
 */
export async function rebuildShardFiles(input: RebuildShardsInput): Promise<string[]> {
  const { shards, lost, outputPaths, shardSize, signal } = input;
  if (shards.length !== input.dataShards + input.parityShards) throw new RangeError('every shard must be listed');
  if (outputPaths.length !== lost.length) throw new RangeError('one output path per lost shard');
  if (new Set(lost).size !== lost.length) throw new RangeError('a lost shard is listed twice');
  const rs = new ReedSolomon(input.dataShards, input.parityShards);
  const plan = rs.planRebuild(lost);
  const chunk = input.chunkSize ?? stripeChunkSize(plan.sources.length + plan.targets.length, shardSize);
  const inputs: FileHandle[] = [];
  const outputs: FileHandle[] = [];
  try {
    for (const s of plan.sources) inputs.push(await open(shards[s]!.path, 'r'));
    for (const path of outputPaths) outputs.push(await open(path, 'w', 0o644));
    const slots = [0, 1].map(() => ({ sources: plan.sources.map(() => new Uint8Array(chunk)), targets: plan.targets.map(() => new Uint8Array(chunk)) }));
    const hashes = plan.targets.map(() => createHash('sha256'));
    const stored = plan.targets.map((t) => shards[t]!.size);
    const lengthOf = (stripe: number): number => Math.min(chunk, shardSize - stripe * chunk);
    const cut = (chunks: Uint8Array[], length: number): Uint8Array[] => (length === chunk ? chunks : chunks.map((c) => c.subarray(0, length)));
    await pipelineStripes(
      Math.ceil(shardSize / chunk),
      {
        read: async (stripe, slot) => {
          const ins = cut(slots[slot]!.sources, lengthOf(stripe));
          await Promise.all(ins.map((c, i) => readShardChunk(inputs[i]!, shards[plan.sources[i]!]!.size, c, stripe * chunk)));
        },
        compute: (stripe, slot) => {
          const length = lengthOf(stripe);
          rs.rebuild(plan, cut(slots[slot]!.sources, length), cut(slots[slot]!.targets, length));
        },
        write: async (stripe, slot) => {
          const offset = stripe * chunk;
          const length = lengthOf(stripe);
          await Promise.all(
            cut(slots[slot]!.targets, length).map(async (c, t) => {
              // a data part stops at its own size: the zero padding is not stored
              const keep = c.subarray(0, Math.max(0, Math.min(length, stored[t]! - offset)));
              if (keep.length === 0) return;
              hashes[t]!.update(keep);
              await writeFully(outputs[t]!, keep, offset);
            }),
          );
          input.onBytes?.(length * plan.sources.length);
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
