import { gfInv, gfMul } from './gf256.js';

/** The inverse of a square matrix over GF(2^8) (rows of equal length), by Gauss–Jordan elimination; throws when singular. */
export function invertGfMatrix(matrix: readonly Uint8Array[]): Uint8Array[] {
  const size = matrix.length;
  const a = matrix.map((row) => {
    if (row.length !== size) throw new RangeError('not a square matrix');
    return Uint8Array.from(row);
  });
  const inv = matrix.map((_, i) => {
    const row = new Uint8Array(size);
    row[i] = 1;
    return row;
  });
  for (let col = 0; col < size; col++) {
    let pivot = col;
    while (pivot < size && a[pivot]![col] === 0) pivot++;
    if (pivot === size) throw new RangeError('singular matrix');
    if (pivot !== col) {
      [a[pivot], a[col]] = [a[col]!, a[pivot]!];
      [inv[pivot], inv[col]] = [inv[col]!, inv[pivot]!];
    }
    const scale = gfInv(a[col]![col]!);
    scaleRow(a[col]!, scale);
    scaleRow(inv[col]!, scale);
    for (let r = 0; r < size; r++) {
      const factor = a[r]![col]!;
      if (r === col || factor === 0) continue;
      addScaledRow(a[r]!, a[col]!, factor);
      addScaledRow(inv[r]!, inv[col]!, factor);
    }
  }
  return inv;
}

/** The product A·B of matrices over GF(2^8) (A is m×n, B is n×p). */
export function multiplyGfMatrices(a: readonly Uint8Array[], b: readonly Uint8Array[]): Uint8Array[] {
  const width = b[0]?.length ?? 0;
  return a.map((row) => {
    if (row.length !== b.length) throw new RangeError('matrix sizes do not match');
    const out = new Uint8Array(width);
    row.forEach((x, i) => {
      if (x !== 0) addScaledRow(out, b[i]!, x);
    });
    return out;
  });
}

function scaleRow(row: Uint8Array, factor: number): void {
  for (let i = 0; i < row.length; i++) row[i] = gfMul(row[i]!, factor);
}

function addScaledRow(target: Uint8Array, source: Uint8Array, factor: number): void {
  for (let i = 0; i < target.length; i++) target[i]! ^= gfMul(source[i]!, factor);
}
