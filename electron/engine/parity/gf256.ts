/**
 * Arithmetic in GF(2^8), the field of bytes used by Ferry's Reed–Solomon parity.
 *
 * The field is built on the primitive polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D) with generator
 * 2 (the field of ISA-L, Jerasure `w=8` and most RAID-6 code). Addition is XOR; multiplication goes
 * through log/antilog tables.
 */

/** The field's reducing polynomial, x^8 + x^4 + x^3 + x^2 + 1. */
export const GF_POLYNOMIAL = 0x11d;

/** `GF_EXP[i]` = 2^i for i in 0..509 (doubled so a sum of two logs needs no modulo). */
const GF_EXP = new Uint8Array(512);
/** `GF_LOG[x]` = log₂ x for x in 1..255 (`GF_LOG[0]` is unused). */
const GF_LOG = new Uint8Array(256);

{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    GF_EXP[i] = x;
    GF_LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= GF_POLYNOMIAL;
  }
  for (let i = 255; i < 512; i++) GF_EXP[i] = GF_EXP[i - 255]!;
}

/** The product a·b in GF(2^8). */
export function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return GF_EXP[GF_LOG[a]! + GF_LOG[b]!]!;
}

/** The multiplicative inverse of a non-zero a in GF(2^8). */
export function gfInv(a: number): number {
  if (a === 0) throw new RangeError('0 has no inverse in GF(2^8)');
  return GF_EXP[255 - GF_LOG[a]!]!;
}

/** The table of c·x for every byte x: 256 entries, the unit of every bulk multiplication. */
export function gfMulTable(c: number): Uint8Array {
  const table = new Uint8Array(256);
  if (c === 0) return table;
  const logC = GF_LOG[c]!;
  for (let x = 1; x < 256; x++) table[x] = GF_EXP[logC + GF_LOG[x]!]!;
  return table;
}
