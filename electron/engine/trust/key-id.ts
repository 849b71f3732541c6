import { createHash, type KeyObject } from 'node:crypto';

/** The raw 32-byte Ed25519 public key inside a key object (public or private). */
export function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

/** A key's id: sha256 (hex) of its raw 32-byte Ed25519 public key. */
export function keyIdOf(key: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(key)).digest('hex');
}

/** The short form of a key id people read and file names carry: its first 16 hex digits. */
export function shortKeyId(keyId: string): string {
  return keyId.slice(0, 16);
}
