// The Reed–Solomon core against an independent bytewise reference: field, matrix, every erasure pattern.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { cauchyParityMatrix, encodingRow, MAX_TOTAL_SHARDS } from './cauchy-matrix.js';
import { gfInv, gfMul, gfMulTable } from './gf256.js';
import { invertGfMatrix, multiplyGfMatrices } from './gf-matrix.js';
import { gfMulRegion } from './gf-region.js';
import { ReedSolomon } from './reed-solomon.js';

/** Reference multiplication: shift-and-add with reduction by x^8+x^4+x^3+x^2+1, no tables. */
function refMul(a: number, b: number): number {
  let product = 0;
  for (let i = 0; i < 8; i++) {
    if (b & (1 << i)) product ^= a << i;
  }
  for (let bit = 14; bit >= 8; bit--) if (product & (1 << bit)) product ^= 0x11d << (bit - 8);
  return product;
}

/** Reference encoder straight from the documented definition: P_p[b] = Σ_j inv((k+p) XOR j) · D_j[b]. */
function refEncode(data: Uint8Array[], n: number): Uint8Array[] {
  const k = data.length;
  const size = data[0]!.length;
  const inv = (x: number): number => {
    for (let y = 1; y < 256; y++) if (refMul(x, y) === 1) return y;
    throw new Error('no inverse');
  };
  return Array.from({ length: n }, (_, p) => {
    const out = new Uint8Array(size);
    for (let j = 0; j < k; j++) {
      const c = inv((k + p) ^ j);
      for (let b = 0; b < size; b++) out[b]! ^= refMul(c, data[j]![b]!);
    }
    return out;
  });
}

/** Every subset of {0…total−1} with at most `max` members. */
function subsets(total: number, max: number): number[][] {
  const out: number[][] = [[]];
  const grow = (start: number, current: number[]): void => {
    for (let i = start; i < total; i++) {
      const next = [...current, i];
      out.push(next);
      if (next.length < max) grow(i + 1, next);
    }
  };
  grow(0, []);
  return out;
}

describe('GF(2^8)', () => {
  test('table multiplication equals shift-and-add for every pair of bytes', () => {
    for (let a = 0; a < 256; a++) {
      const table = gfMulTable(a);
      for (let b = 0; b < 256; b++) {
        assert.equal(gfMul(a, b), refMul(a, b));
        assert.equal(table[b], refMul(a, b));
      }
    }
  });

  test('every non-zero byte has an inverse, 0 has none', () => {
    for (let a = 1; a < 256; a++) assert.equal(gfMul(a, gfInv(a)), 1);
    assert.throws(() => gfInv(0), RangeError);
  });

  test('region multiply equals bytewise multiply, aligned and unaligned, assigning and accumulating', () => {
    const src = randomBytes(1027);
    for (const c of [0, 1, 2, 0x8e, 0xff]) {
      for (const offset of [0, 1, 3]) {
        const s = new Uint8Array(src.buffer, src.byteOffset + offset, 1000 + offset);
        const base = randomBytes(s.length);
        const assigned = new Uint8Array(s.length);
        gfMulRegion(c, s, assigned, false);
        const accumulated = Uint8Array.from(base);
        gfMulRegion(c, s, accumulated, true);
        for (let i = 0; i < s.length; i++) {
          assert.equal(assigned[i], refMul(c, s[i]!), `c=${c} offset=${offset} i=${i}`);
          assert.equal(accumulated[i], base[i]! ^ refMul(c, s[i]!));
        }
      }
    }
  });
});

describe('the Cauchy matrix', () => {
  test('is exactly C[p][j] = 1 / ((k + p) XOR j)', () => {
    const m = cauchyParityMatrix(5, 3);
    for (let p = 0; p < 3; p++) for (let j = 0; j < 5; j++) assert.equal(refMul(m[p]![j]!, (5 + p) ^ j), 1);
    // a fixed vector so that a change of definition cannot pass unnoticed
    assert.deepEqual([...cauchyParityMatrix(2, 2).map((r) => [...r])], [[gfInv(2), gfInv(3)], [gfInv(3), gfInv(2)]]);
    assert.deepEqual([...cauchyParityMatrix(2, 2)[0]!], [0x8e, 0xf4]);
  });

  test('encoding rows are unit rows for data shards and the Cauchy rows for parity shards', () => {
    assert.deepEqual([...encodingRow(3, 2, 1)], [0, 1, 0]);
    assert.deepEqual([...encodingRow(3, 2, 4)], [...cauchyParityMatrix(3, 2)[1]!]);
  });

  test('limits: at least one of each, at most 256 shards in all', () => {
    assert.throws(() => new ReedSolomon(0, 1), RangeError);
    assert.throws(() => new ReedSolomon(1, 0), RangeError);
    assert.throws(() => new ReedSolomon(250, 7), RangeError);
    const rs = new ReedSolomon(MAX_TOTAL_SHARDS - 4, 4);
    // the biggest code still rebuilds: lose four data shards spread over the range
    const plan = rs.planRebuild([0, 100, 200, 251]);
    assert.equal(plan.sources.length, 252);
  });

  test('matrix inversion: M · M⁻¹ = I, and a singular matrix is refused', () => {
    const m = [Uint8Array.from([3, 7, 1]), Uint8Array.from([2, 9, 4]), Uint8Array.from([5, 5, 8])];
    const product = multiplyGfMatrices(m, invertGfMatrix(m));
    assert.deepEqual(product.map((r) => [...r]), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    assert.throws(() => invertGfMatrix([Uint8Array.from([1, 2]), Uint8Array.from([2, 4])]), /singular/);
  });
});

describe('encode and rebuild', () => {
  test('encoding matches the reference encoder on random data', () => {
    for (const [k, n] of [[1, 1], [1, 3], [3, 2], [7, 4], [12, 3]] as const) {
      const data = Array.from({ length: k }, () => new Uint8Array(randomBytes(259)));
      const parity = Array.from({ length: n }, () => new Uint8Array(259));
      new ReedSolomon(k, n).encode(data, parity);
      assert.deepEqual(parity, refEncode(data, n), `k=${k} n=${n}`);
    }
  });

  test('every combination of up to n erasures rebuilds exactly (all k ≤ 6, n ≤ 4)', () => {
    let cases = 0;
    for (let k = 1; k <= 6; k++) {
      for (let n = 1; n <= 4; n++) {
        const rs = new ReedSolomon(k, n);
        const data = Array.from({ length: k }, () => new Uint8Array(randomBytes(67)));
        const parity = Array.from({ length: n }, () => new Uint8Array(67));
        rs.encode(data, parity);
        const shards = [...data, ...parity];
        for (const lost of subsets(k + n, n)) {
          const damaged = shards.map((s, i) => (lost.includes(i) ? undefined : s));
          assert.deepEqual(rs.reconstruct(damaged), shards, `k=${k} n=${n} lost=${lost.join(',')}`);
          cases++;
        }
      }
    }
    assert.ok(cases > 1000, `${cases} erasure patterns`);
  });

  test('random bigger codes, random erasures, chunks of odd length', () => {
    for (let round = 0; round < 20; round++) {
      const k = 1 + Math.floor(Math.random() * 30);
      const n = 1 + Math.floor(Math.random() * 8);
      const length = 1 + Math.floor(Math.random() * 5000);
      const rs = new ReedSolomon(k, n);
      const data = Array.from({ length: k }, () => new Uint8Array(randomBytes(length)));
      const parity = Array.from({ length: n }, () => new Uint8Array(length));
      rs.encode(data, parity);
      const shards = [...data, ...parity];
      const lost = [...Array(k + n).keys()].sort(() => Math.random() - 0.5).slice(0, 1 + Math.floor(Math.random() * n));
      assert.deepEqual(rs.reconstruct(shards.map((s, i) => (lost.includes(i) ? undefined : s))), shards, `k=${k} n=${n} lost=${lost.join(',')}`);
    }
  });

  test('one more erasure than parity is refused', () => {
    const rs = new ReedSolomon(4, 2);
    assert.throws(() => rs.planRebuild([0, 1, 5]), /3 shards lost but only 2/);
  });

  test('a rebuild plan reads k shards and rebuilds data and parity together', () => {
    const rs = new ReedSolomon(4, 2);
    const plan = rs.planRebuild([5, 1]);
    assert.deepEqual(plan.sources, [0, 2, 3, 4]);
    assert.deepEqual(plan.targets, [5, 1]);
  });
});
