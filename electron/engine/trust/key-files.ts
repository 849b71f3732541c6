import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FerryError } from '../errors/ferry-error.js';
import { keyIdOf } from './key-id.js';

/** A private Ed25519 key read from a `.key` file, ready to sign. */
export interface SigningKey {
  /** The key file, as an absolute path. */
  file: string;
  privateKey: KeyObject;
  /** The matching public key, SPKI PEM. */
  publicKeyPem: string;
  /** sha256 (hex) of the raw public key. */
  keyId: string;
}

/** A public Ed25519 key read from a `.pub` file. */
export interface PublicKeyFile {
  /** The key file, as given. */
  file: string;
  publicKey: KeyObject;
  /** sha256 (hex) of the raw public key. */
  keyId: string;
}

/** Key files are a few hundred bytes; anything much larger is not one. */
const MAX_KEY_FILE = 64 * 1024;

/** Reads a private signing key (PKCS#8 PEM, as `ferry keygen` or `openssl genpkey -algorithm ed25519` write it). */
export async function loadSigningKey(file: string): Promise<SigningKey> {
  const { text, label } = await readPem(file, 'private');
  if (label === 'PUBLIC KEY') throw badKey(file, 'holds a public key; signing needs the private key (the .key file of the key pair)');
  if (label === 'ENCRYPTED PRIVATE KEY') throw badKey(file, 'is protected by a passphrase; Ferry reads unencrypted PKCS#8 keys only');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: text, format: 'pem' });
  } catch (error) {
    throw badKey(file, `is not a readable private key (${(error as Error).message})`, error);
  }
  requireEd25519(file, privateKey);
  const publicKey = createPublicKey(privateKey);
  return {
    file: resolve(file),
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

/** Reads a public key (SPKI PEM, the `.pub` file `ferry keygen` writes); a private key file is refused. */
export async function loadPublicKey(file: string): Promise<PublicKeyFile> {
  const { text, label } = await readPem(file, 'public');
  if (label.endsWith('PRIVATE KEY')) {
    throw badKey(file, 'holds a private key; give the public key here (the .pub file of the key pair), and keep the .key file private');
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: text, format: 'pem' });
  } catch (error) {
    throw badKey(file, `is not a readable public key (${(error as Error).message})`, error);
  }
  requireEd25519(file, publicKey);
  return { file, publicKey, keyId: keyIdOf(publicKey) };
}

/** Reads a small PEM file and returns its text and the label of its first block (`PRIVATE KEY`, `PUBLIC KEY`…). */
async function readPem(file: string, kind: 'private' | 'public'): Promise<{ text: string; label: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw badKey(file, 'does not exist', error);
    if (code === 'EISDIR') throw badKey(file, 'is a folder, not a key file', error);
    throw badKey(file, `cannot be read (${code ?? (error as Error).message})`, error);
  }
  if (bytes.length > MAX_KEY_FILE) throw badKey(file, `is ${bytes.length} bytes, too large for a key file`);
  const text = bytes.toString('utf8');
  const m = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text);
  if (!m) {
    throw badKey(file, `is not a PEM key file (expected an Ed25519 ${kind} key in PEM, as Ferry's key pairs are)`);
  }
  return { text, label: m[1]! };
}

function requireEd25519(file: string, key: KeyObject): void {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw badKey(file, `holds a key of type ${key.asymmetricKeyType ?? 'unknown'}; Ferry signs with Ed25519 keys only`);
  }
}

function badKey(file: string, why: string, cause?: unknown): FerryError {
  return new FerryError('bad-key', `Key file ${file} ${why}.`, { subject: file, ...(cause === undefined ? {} : { cause }) });
}
