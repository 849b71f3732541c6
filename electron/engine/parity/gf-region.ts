import { gfMulTable } from './gf256.js';

/**
 * 16-bit product tables, one per coefficient, built on first use: `t[hi << 8 | lo]` holds c·hi in its
 * high byte and c·lo in its low byte, so one lookup multiplies two bytes. 128 KiB each; only 255
 * non-zero coefficients exist, so the cache is bounded (32 MiB at most, a few MiB in practice).
 */
const WIDE_TABLES: (Uint16Array | undefined)[] = new Array(256);

function wideTable(c: number): Uint16Array {
  let table = WIDE_TABLES[c];
  if (!table) {
    const narrow = gfMulTable(c);
    table = new Uint16Array(65536);
    for (let hi = 0; hi < 256; hi++) {
      const high = narrow[hi]! << 8;
      const base = hi << 8;
      for (let lo = 0; lo < 256; lo++) table[base | lo] = high | narrow[lo]!;
    }
    WIDE_TABLES[c] = table;
  }
  return table;
}

/**
 * Multiplies a region by a constant in GF(2^8): `dst = c·src`, or `dst ^= c·src` when `accumulate`.
 * `src` and `dst` have the same length. Runs on 32-bit words (two 16-bit table lookups a word) when
 * both arrays are 4-byte aligned, the tail and unaligned arrays byte by byte. Byte lanes keep their
 * places, so the result does not depend on the machine's endianness.
 */
export function gfMulRegion(c: number, src: Uint8Array, dst: Uint8Array, accumulate: boolean): void {
  const length = src.length;
  if (dst.length !== length) throw new RangeError('regions differ in length');
  if (c === 0) {
    if (!accumulate) dst.fill(0);
    return;
  }
  let done = 0;
  if ((src.byteOffset & 3) === 0 && (dst.byteOffset & 3) === 0 && length >= 4) {
    const words = length >>> 2;
    const s = new Uint32Array(src.buffer, src.byteOffset, words);
    const d = new Uint32Array(dst.buffer, dst.byteOffset, words);
    if (c === 1) {
      if (accumulate) for (let i = 0; i < words; i++) d[i]! ^= s[i]!;
      else d.set(s);
    } else {
      const t = wideTable(c);
      if (accumulate) {
        for (let i = 0; i < words; i++) {
          const w = s[i]!;
          d[i]! ^= t[w & 0xffff]! | (t[w >>> 16]! << 16);
        }
      } else {
        for (let i = 0; i < words; i++) {
          const w = s[i]!;
          d[i] = t[w & 0xffff]! | (t[w >>> 16]! << 16);
        }
      }
    }
    done = words << 2;
  }
  if (done < length) {
    const t = wideTable(c); // entries below 256 hold c·x in the low byte
    if (accumulate) for (let i = done; i < length; i++) dst[i]! ^= t[src[i]!]!;
    else for (let i = done; i < length; i++) dst[i] = t[src[i]!]!;
  }
}

/** `outputs[r] = Σ rows[r][i] · inputs[i]` over GF(2^8), region by region (all regions of one length). */
export function gfCombineRegions(rows: readonly Uint8Array[], inputs: readonly Uint8Array[], outputs: readonly Uint8Array[]): void {
  rows.forEach((row, r) => {
    const out = outputs[r]!;
    let first = true;
    for (let i = 0; i < inputs.length; i++) {
      const c = row[i]!;
      if (c === 0) continue;
      gfMulRegion(c, inputs[i]!, out, !first);
      first = false;
    }
    if (first) out.fill(0);
  });
}
