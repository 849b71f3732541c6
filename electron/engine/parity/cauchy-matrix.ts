import { gfInv } from './gf256.js';

/** The most shards (data + parity) one code can have: Cauchy points must be distinct bytes. */
export const MAX_TOTAL_SHARDS = 256;

/**
 * The parity rows of Ferry's systematic Reed–Solomon code, scheme `reed-solomon-gf256-cauchy-v1`.
 *
 * With k data shards and n parity shards (k ≥ 1, n ≥ 1, k + n ≤ 256), over GF(2^8) with polynomial
 * 0x11D (see `gf256.ts`), the encoding matrix is the (k+n)×k matrix [ I_k ; C ] where C is the n×k
 * Cauchy matrix
 *
 *     C[p][j] = 1 / ((k + p) XOR j)        p = 0…n−1 (parity shard p+1, `bundle.tar.p0{p+1}`),
 *                                          j = 0…k−1 (data shard j+1, the (j+1)-th archive part)
 *
 * (the Cauchy points are x_p = k + p and y_j = j; "1 /" is the inverse in GF(2^8); XOR is field
 * addition). So byte b of parity shard p is  P_p[b] = XOR over j of ( C[p][j] · D_j[b] ), where D_j is
 * data shard j zero-padded to the shard size. Every square submatrix of a Cauchy matrix is invertible,
 * so any k of the k + n shards determine the others: any n shards may be lost. This is the matrix of
 * ISA-L's `gf_gen_cauchy1_matrix`.
 */
export function cauchyParityMatrix(dataShards: number, parityShards: number): Uint8Array[] {
  checkShardCounts(dataShards, parityShards);
  const rows: Uint8Array[] = [];
  for (let p = 0; p < parityShards; p++) {
    const row = new Uint8Array(dataShards);
    for (let j = 0; j < dataShards; j++) row[j] = gfInv((dataShards + p) ^ j);
    rows.push(row);
  }
  return rows;
}

/** Row `shard` of the full encoding matrix [ I_k ; C ]: a unit row for a data shard, a Cauchy row for a parity shard. */
export function encodingRow(dataShards: number, parityShards: number, shard: number): Uint8Array {
  checkShardCounts(dataShards, parityShards);
  if (!Number.isInteger(shard) || shard < 0 || shard >= dataShards + parityShards) throw new RangeError(`shard ${shard} out of range`);
  const row = new Uint8Array(dataShards);
  if (shard < dataShards) row[shard] = 1;
  else for (let j = 0; j < dataShards; j++) row[j] = gfInv(shard ^ j);
  return row;
}

/** Throws unless 1 ≤ k, 1 ≤ n and k + n ≤ 256. */
export function checkShardCounts(dataShards: number, parityShards: number): void {
  if (!Number.isInteger(dataShards) || !Number.isInteger(parityShards) || dataShards < 1 || parityShards < 1) {
    throw new RangeError(`a Reed–Solomon code needs at least one data and one parity shard (got ${dataShards} + ${parityShards})`);
  }
  if (dataShards + parityShards > MAX_TOTAL_SHARDS) {
    throw new RangeError(`a GF(2^8) code has at most ${MAX_TOTAL_SHARDS} shards in all (got ${dataShards} + ${parityShards})`);
  }
}
