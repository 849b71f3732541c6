import { createHash, type Hash } from 'node:crypto';

/** A content digest split into the hash algorithm Node knows it by and the expected hex. */
export interface ParsedDigest {
  algorithm: 'sha256' | 'sha512';
  hex: string;
}

const HEX_LENGTH = { sha256: 64, sha512: 128 } as const;

/** Parses `sha256:<64 hex>` or `sha512:<128 hex>`; undefined for anything else. */
export function parseDigest(digest: string): ParsedDigest | undefined {
  const match = /^(sha256|sha512):([0-9a-f]+)$/.exec(digest);
  if (!match) return undefined;
  const algorithm = match[1] as ParsedDigest['algorithm'];
  const hex = match[2]!;
  return hex.length === HEX_LENGTH[algorithm] ? { algorithm, hex } : undefined;
}

/** A fresh hash for the digest's algorithm. */
export function hashFor(digest: ParsedDigest): Hash {
  return createHash(digest.algorithm);
}

/** `algorithm:hex` of some bytes. */
export function digestOf(bytes: Uint8Array, algorithm: ParsedDigest['algorithm'] = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}
