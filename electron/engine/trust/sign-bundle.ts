import { createHash, sign } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  SIGNATURE_ALGORITHM,
  SIGNATURE_MEDIA_TYPE,
  SIGNATURE_SCHEMA_VERSION,
  SIGNATURES_DIR,
  signatureFileName,
  signaturePayload,
  type SignatureDocument,
} from '../../../shared/signature.js';
import type { SignatureRole } from '../../../shared/verify-report.js';
import { inspectBundle } from '../bundle/inspect-bundle.js';
import { FerryError } from '../errors/ferry-error.js';
import { syncDir } from '../util/sync-dir.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { loadSigningKey, type SigningKey } from './key-files.js';

/** A signature as written into a bundle's `signatures/`. */
export interface WrittenSignature {
  /** The signature file, as an absolute path. */
  file: string;
  role: SignatureRole;
  /** The signer's full key id. */
  keyId: string;
  bundleId: string;
  /** sha256 (hex) of the `bundle.json` signed. */
  bundleSha256: string;
  created: string;
}

/** Builds a signed signature document for the given `bundle.json` bytes (no disk work). */
export function makeSignatureDocument(key: SigningKey, role: SignatureRole, bundleId: string, bundleJson: Buffer, created = new Date().toISOString()): SignatureDocument {
  const fields = { role, keyId: key.keyId, bundleId, bundleSha256: createHash('sha256').update(bundleJson).digest('hex'), created };
  const signature = sign(null, Buffer.from(signaturePayload(fields), 'utf8'), key.privateKey).toString('base64');
  return {
    schemaVersion: SIGNATURE_SCHEMA_VERSION,
    mediaType: SIGNATURE_MEDIA_TYPE,
    role,
    algorithm: SIGNATURE_ALGORITHM,
    keyId: key.keyId,
    publicKey: key.publicKeyPem,
    bundleId,
    bundleSha256: fields.bundleSha256,
    created,
    signature,
  };
}

/**
 * Writes a signature document into `<dir>/signatures/<role>-<keyid16>.json` (temp name, flushed,
 * renamed, folder flushed), replacing an earlier signature by the same key in the same role.
 */
export async function writeSignatureDocument(dir: string, doc: SignatureDocument): Promise<WrittenSignature> {
  const folder = join(dir, SIGNATURES_DIR);
  const file = join(folder, signatureFileName(doc.role, doc.keyId));
  try {
    await mkdir(folder, { recursive: true });
    await writeFileAtomic(file, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o644 });
    // the rename reaches the stick before the command says it is done
    await syncDir(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FerryError('io', `Cannot write signature ${file}: ${code ?? (error as Error).message}.`, { subject: file, cause: error });
  }
  return { file, role: doc.role, keyId: doc.keyId, bundleId: doc.bundleId, bundleSha256: doc.bundleSha256, created: doc.created };
}

/** Signs the given `bundle.json` bytes of the bundle in `dir` with a loaded key and writes the signature. */
export async function signBundleJson(dir: string, key: SigningKey, role: SignatureRole, bundleJson: Buffer, bundleId: string): Promise<WrittenSignature> {
  return writeSignatureDocument(dir, makeSignatureDocument(key, role, bundleId, bundleJson));
}

/**
 * Signs the bundle in `dir` (the folder or its `bundle.json`) with the private key in `keyFile`:
 * a detached signature over the exact bytes of `bundle.json`, in `signatures/`. This is the
 * low-level step; `approveBundle` adds the two-person checks, and `checkTrust` is what enforces them.
 */
export async function signBundle(dir: string, keyFile: string, role: SignatureRole = 'preparer'): Promise<WrittenSignature> {
  const key = await loadSigningKey(keyFile);
  const bundle = await readBundleForSigning(dir);
  return signBundleJson(bundle.dir, key, role, bundle.bytes, bundle.id);
}

/** A bundle's `bundle.json` as read for signing. */
export interface BundleForSigning {
  /** The bundle folder, as an absolute path. */
  dir: string;
  /** The exact bytes of `bundle.json`. */
  bytes: Buffer;
  id: string;
  /** sha256 (hex) of `bytes`. */
  sha256: string;
}

/** The exact bytes of a bundle's `bundle.json`, checked to be a bundle manifest, with its folder and id. */
export async function readBundleForSigning(target: string): Promise<BundleForSigning> {
  const inspection = await inspectBundle(target);
  const bytes = await readFile(inspection.path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  // the file must not change between the check and the signature
  if (sha256 !== inspection.bundleSha256) {
    throw new FerryError('bad-bundle', `${inspection.path} changed while it was being read; try again.`, { subject: inspection.path });
  }
  return { dir: resolve(dirname(inspection.path)), bytes, id: inspection.manifest.id, sha256 };
}
