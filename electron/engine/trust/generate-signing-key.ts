import { generateKeyPairSync } from 'node:crypto';
import { lstat, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FerryError } from '../errors/ferry-error.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { keyIdOf } from './key-id.js';

/** The two files of a new signing key. */
export interface GeneratedSigningKey {
  /** sha256 (hex) of the raw public key. */
  keyId: string;
  /** `NAME.key`: the private key, PKCS#8 PEM, mode 0600. */
  privateKeyFile: string;
  /** `NAME.pub`: the public key, SPKI PEM, to hand to whoever checks signatures. */
  publicKeyFile: string;
}

/**
 * Makes a new Ed25519 signing key: `NAME.key` (PKCS#8 PEM, mode 0600) and `NAME.pub` (SPKI PEM),
 * each written under a temporary name and then linked into place, so neither is ever half
 * written and neither ever replaces an existing file. `NAME.key` or `NAME.pub` as `outBase` means `NAME`.
 */
export async function generateSigningKey(outBase: string): Promise<GeneratedSigningKey> {
  const base = resolve(outBase.replace(/\.(key|pub)$/, ''));
  const privateKeyFile = `${base}.key`;
  const publicKeyFile = `${base}.pub`;
  for (const file of [privateKeyFile, publicKeyFile]) {
    if (await exists(file)) throw alreadyThere(file);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyId = keyIdOf(publicKey);
  await write(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
  try {
    await write(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }).toString(), 0o644);
  } catch (error) {
    // a key whose public half is missing is of no use: take the private half back
    await rm(privateKeyFile, { force: true });
    throw error;
  }
  return { keyId, privateKeyFile, publicKeyFile };
}

async function write(file: string, text: string, mode: number): Promise<void> {
  try {
    try {
      await writeFileAtomic(file, text, { mode, exclusive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // FAT and exFAT media have no hard links: rename instead (the file was checked absent just before)
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
      if (await exists(file)) throw alreadyThere(file);
      await writeFileAtomic(file, text, { mode });
    }
  } catch (error) {
    if (error instanceof FerryError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw alreadyThere(file);
    throw new FerryError('io', `Cannot write key file ${file}: ${code ?? (error as Error).message}.`, { subject: file, cause: error });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new FerryError('io', `Cannot check ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, { subject: file });
  }
}

function alreadyThere(file: string): FerryError {
  return new FerryError('output-exists', `${file} already exists; Ferry never overwrites a key file, so choose another --out name.`, { subject: file });
}
