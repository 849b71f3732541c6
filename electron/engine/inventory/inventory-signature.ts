import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { ErrorHint } from '../../../shared/errors.js';
import { escapeControl } from '../../../shared/format.js';
import {
  INVENTORY_SIGNATURE_MEDIA_TYPE,
  INVENTORY_SIGNATURE_SCHEMA_VERSION,
  INVENTORY_SIGNATURE_SUFFIX,
  InventorySignatureSchema,
  MAX_INVENTORY_SIGNATURE_BYTES,
  inventorySignaturePayload,
  type InventorySignatureDocument,
} from '../../../shared/inventory-signature.js';
import { FerryError } from '../errors/ferry-error.js';
import { loadPublicKey, type SigningKey } from '../trust/key-files.js';
import { keyIdOf, shortKeyId } from '../trust/key-id.js';
import { parseStrictJson } from '../util/parse-strict-json.js';
import { readRegularFile } from '../util/read-regular-file.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import type { InventoryReading } from './read-inventory.js';

/** What an inventory's signature file says, checked against the inventory's bytes (trust aside). */
export type InventorySignatureState =
  | { state: 'absent'; file: string }
  | { state: 'invalid'; file: string; problem: string }
  | { state: 'valid'; file: string; keyId: string; created: string; document: InventorySignatureDocument };

/** An inventory signature that is valid and by a trusted key. */
export interface TrustedInventorySignature {
  /** The signature file (`FILE.sig`). */
  file: string;
  /** The signer's full key id. */
  keyId: string;
  /** The trusted public key file it matched. */
  trustedKey: string;
  created: string;
}

/** The file an inventory's detached signature is kept in: `FILE.sig`. */
export function inventorySignatureFile(inventoryFile: string): string {
  return `${inventoryFile}${INVENTORY_SIGNATURE_SUFFIX}`;
}

/** Builds a signed signature document for an inventory's exact bytes (no disk work). */
export function makeInventorySignature(key: SigningKey, inventoryBytes: Buffer | string, created = new Date().toISOString()): InventorySignatureDocument {
  const fields = { keyId: key.keyId, inventorySha256: createHash('sha256').update(inventoryBytes).digest('hex'), created };
  return {
    schemaVersion: INVENTORY_SIGNATURE_SCHEMA_VERSION,
    mediaType: INVENTORY_SIGNATURE_MEDIA_TYPE,
    algorithm: 'ed25519',
    keyId: key.keyId,
    publicKey: key.publicKeyPem,
    inventorySha256: fields.inventorySha256,
    created,
    signature: sign(null, Buffer.from(inventorySignaturePayload(fields), 'utf8'), key.privateKey).toString('base64'),
  };
}

/** Signs an inventory's exact bytes and writes `FILE.sig` atomically; returns the signature file. */
export async function writeInventorySignature(inventoryFile: string, inventoryBytes: Buffer | string, key: SigningKey): Promise<string> {
  const file = inventorySignatureFile(inventoryFile);
  try {
    await writeFileAtomic(file, `${JSON.stringify(makeInventorySignature(key, inventoryBytes), null, 2)}\n`);
  } catch (error) {
    throw new FerryError('io', `Cannot write the inventory signature ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, { subject: file, cause: error });
  }
  return file;
}

/** Removes `FILE.sig` when there is one (it signed other bytes); true when one was removed. */
export async function removeInventorySignature(inventoryFile: string): Promise<boolean> {
  const file = inventorySignatureFile(inventoryFile);
  try {
    await rm(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new FerryError('io', `Cannot remove the outdated inventory signature ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, { subject: file, cause: error });
  }
}

/**
 * Reads `FILE.sig` beside an inventory (a regular file of at most 64 KiB, strict JSON, the schema) and checks it against
 * the inventory's exact bytes: the key id is the id of the key it carries, the Ed25519 signature verifies over
 * {@link inventorySignaturePayload}, and it binds this inventory's sha256. Says which, never throws for a bad signature.
 */
export async function readInventorySignature(reading: Pick<InventoryReading, 'path' | 'sha256'>): Promise<InventorySignatureState> {
  const file = inventorySignatureFile(reading.path);
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(file, { maxBytes: MAX_INVENTORY_SIGNATURE_BYTES, what: `Inventory signature ${file}` });
  } catch (error) {
    if (error instanceof FerryError && error.code === 'not-found') return { state: 'absent', file };
    return { state: 'invalid', file, problem: error instanceof FerryError ? error.message : String(error) };
  }
  const invalid = (problem: string): InventorySignatureState => ({ state: 'invalid', file, problem });
  let json: unknown;
  try {
    json = parseStrictJson(bytes, { maxDepth: 4 });
  } catch (error) {
    return invalid(`It is not an inventory signature: ${(error as Error).message}.`);
  }
  const claimed = (json ?? {}) as Record<string, unknown>;
  if (typeof claimed.schemaVersion === 'number' && claimed.schemaVersion > INVENTORY_SIGNATURE_SCHEMA_VERSION) {
    return invalid(`It uses inventory signature schema ${claimed.schemaVersion}; this Ferry reads schema ${INVENTORY_SIGNATURE_SCHEMA_VERSION}, so use a newer Ferry.`);
  }
  if (claimed.mediaType !== INVENTORY_SIGNATURE_MEDIA_TYPE) return invalid(`It is not an inventory signature (its mediaType is not ${INVENTORY_SIGNATURE_MEDIA_TYPE}).`);
  const parsed = InventorySignatureSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(`It is not a valid inventory signature (${escapeControl(issue?.path.join('.') || '(root)')}: ${issue?.message ?? 'invalid'}).`);
  }
  const doc = parsed.data;
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: doc.publicKey, format: 'pem' });
  } catch {
    return invalid('Its publicKey cannot be read as a PEM public key.');
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') return invalid(`Its publicKey is a ${publicKey.asymmetricKeyType ?? 'unknown'} key, not Ed25519.`);
  if (keyIdOf(publicKey) !== doc.keyId) return invalid(`Its keyId ${shortKeyId(doc.keyId)}… is not the id of the public key it carries (${shortKeyId(keyIdOf(publicKey))}…).`);
  const signature = Buffer.from(doc.signature, 'base64');
  if (signature.length !== 64) return invalid(`Its signature is ${signature.length} bytes, not an Ed25519 signature.`);
  if (!verify(null, Buffer.from(inventorySignaturePayload(doc), 'utf8'), publicKey, signature)) {
    return invalid(`Its signature does not verify against key ${shortKeyId(doc.keyId)}…: the signature file was altered after signing, or forged.`);
  }
  if (doc.inventorySha256 !== reading.sha256) {
    return invalid(`It signs an inventory with sha256 ${shortKeyId(doc.inventorySha256)}…, but ${reading.path} has sha256 ${shortKeyId(reading.sha256)}…: the inventory was changed after it was signed.`);
  }
  return { state: 'valid', file, keyId: doc.keyId, created: doc.created, document: doc };
}

/**
 * The connected side's check (`--trust PUB`): the inventory must carry a valid signature (`FILE.sig`) by one of the
 * trusted public key files. Returns who signed it, or throws FerryError('untrusted') naming the inventory and why
 * (no signature, an invalid one, or one by a key not trusted); a trusted key file that cannot be read throws `bad-key`.
 */
export async function checkInventorySignature(reading: Pick<InventoryReading, 'path' | 'sha256'>, trustedKeys: readonly string[]): Promise<TrustedInventorySignature> {
  const keys = await Promise.all(trustedKeys.map((file) => loadPublicKey(file)));
  const untrusted = (why: string, hint?: ErrorHint): FerryError =>
    new FerryError('untrusted', `Inventory ${escapeControl(reading.path)} is not trusted: ${why}`, { subject: reading.path, ...(hint ? { hint } : {}) });
  if (keys.length === 0) throw untrusted('no trusted key was given to check its signature against.');
  const signature = await readInventorySignature(reading);
  if (signature.state === 'absent') throw untrusted(`it has no signature (${signature.file} does not exist).`, 'sign-inventory');
  if (signature.state === 'invalid') throw untrusted(`its signature ${signature.file} is not valid. ${signature.problem}`);
  const trusted = keys.find((k) => k.keyId === signature.keyId);
  if (!trusted) {
    throw untrusted(`it is signed by key ${shortKeyId(signature.keyId)}…, which is not among the trusted keys (${keys.map((k) => `${shortKeyId(k.keyId)}… from ${k.file}`).join(', ')}).`);
  }
  return { file: signature.file, keyId: signature.keyId, trustedKey: trusted.file, created: signature.created };
}
