import { cauchyParityMatrix, checkShardCounts, encodingRow } from './cauchy-matrix.js';
import { gfCombineRegions } from './gf-region.js';
import { invertGfMatrix, multiplyGfMatrices } from './gf-matrix.js';

/** How to rebuild lost shards from `dataShards` others: target t is `Σ rows[t][i] · shard(sources[i])`. */
export interface RebuildPlan {
  /** The shards read (k of them, ascending; data shards are 0…k−1, parity shards k…k+n−1). */
  sources: number[];
  /** The shards rebuilt, in the order given. */
  targets: number[];
  /** One row of k coefficients per target. */
  rows: Uint8Array[];
}

/**
 * Ferry's systematic Reed–Solomon erasure code over GF(2^8) (scheme `reed-solomon-gf256-cauchy-v1`,
 * matrix defined in `cauchy-matrix.ts`). Works on stripes: one chunk of equal length from each shard,
 * taken at the same offset; data shards shorter than the shard size count as zero-padded.
 */
export class ReedSolomon {
  private readonly parityRows: Uint8Array[];

  constructor(
    readonly dataShards: number,
    readonly parityShards: number,
  ) {
    checkShardCounts(dataShards, parityShards);
    this.parityRows = cauchyParityMatrix(dataShards, parityShards);
  }

  /** Computes the parity chunks of one stripe: `parity[p]` from `data[0…k−1]` (all chunks of one length). */
  encode(data: readonly Uint8Array[], parity: readonly Uint8Array[]): void {
    if (data.length !== this.dataShards || parity.length !== this.parityShards) {
      throw new RangeError(`expected ${this.dataShards} data and ${this.parityShards} parity chunks`);
    }
    gfCombineRegions(this.parityRows, data, parity);
  }

  /** Plans the rebuild of the `lost` shards from k of the others; throws when more than n are lost. */
  planRebuild(lost: readonly number[]): RebuildPlan {
    const total = this.dataShards + this.parityShards;
    const lostSet = new Set(lost);
    for (const s of lostSet) if (!Number.isInteger(s) || s < 0 || s >= total) throw new RangeError(`shard ${s} out of range`);
    if (lostSet.size > this.parityShards) {
      throw new RangeError(`${lostSet.size} shards lost but only ${this.parityShards} can be rebuilt`);
    }
    // the first k survivors: data shards first, whose unit rows make the inversion cheap
    const sources: number[] = [];
    for (let s = 0; s < total && sources.length < this.dataShards; s++) if (!lostSet.has(s)) sources.push(s);
    const inverse = invertGfMatrix(sources.map((s) => encodingRow(this.dataShards, this.parityShards, s)));
    const targets = [...lostSet];
    const rows = targets.map((t) =>
      t < this.dataShards ? inverse[t]! : multiplyGfMatrices([this.parityRows[t - this.dataShards]!], inverse)[0]!,
    );
    return { sources, targets, rows };
  }

  /** Rebuilds one stripe: `sources[i]` is the chunk of `plan.sources[i]`; fills `outputs[t]` for `plan.targets[t]`. */
  rebuild(plan: RebuildPlan, sources: readonly Uint8Array[], outputs: readonly Uint8Array[]): void {
    if (sources.length !== plan.sources.length || outputs.length !== plan.targets.length) throw new RangeError('chunks do not match the plan');
    gfCombineRegions(plan.rows, sources, outputs);
  }

  /** Whole shards in memory (k + n of one length, lost ones `undefined`): returns them all, the lost ones rebuilt. */
  reconstruct(shards: readonly (Uint8Array | undefined)[]): Uint8Array[] {
    if (shards.length !== this.dataShards + this.parityShards) throw new RangeError(`expected ${this.dataShards + this.parityShards} shards`);
    const lost = shards.flatMap((s, i) => (s ? [] : [i]));
    const present = shards.find((s) => s !== undefined);
    if (!present) throw new RangeError('no shard left');
    const out = [...shards] as Uint8Array[];
    if (lost.length === 0) return out;
    const plan = this.planRebuild(lost);
    const outputs = lost.map(() => new Uint8Array(present.length));
    this.rebuild(plan, plan.sources.map((s) => shards[s]!), outputs);
    lost.forEach((s, i) => (out[s] = outputs[i]!));
    return out;
  }
}
