import { createHash, sign } from 'node:crypto';
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
import type { JobControls } from '../bundle/create-bundle.js';
import { inspectBundle, MAX_BUNDLE_JSON_BYTES } from '../bundle/inspect-bundle.js';
import { FerryError } from '../errors/ferry-error.js';
import { readRegularFile } from '../util/read-regular-file.js';
import { openVerifiedBundle, type VerifiedBundle } from '../verify/open-verified-bundle.js';
import { loadSigningKey, type SigningKey } from './key-files.js';
import { assertSignaturesFolderUsable, openSignaturesFolder, writeSignatureFile } from './signatures-folder.js';

/** What signing or approving says did not happen when it is refused. */
export const NOTHING_SIGNED = 'nothing was signed';

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
 * Writes a signature document into `<dir>/signatures/<role>-<keyid16>.json`, replacing an earlier signature by the
 * same key in the same role. `signatures/` must be a plain folder inside `dir` (made when absent): a link or
 * anything else there is refused by name. The file is created under a temporary name, exclusively and without
 * following links, flushed, and renamed into place; the folder is flushed.
 */
export async function writeSignatureDocument(dir: string, doc: SignatureDocument): Promise<WrittenSignature> {
  const name = signatureFileName(doc.role, doc.keyId);
  let file = join(dir, SIGNATURES_DIR, name);
  try {
    const folder = await openSignaturesFolder(dir);
    file = await writeSignatureFile(folder, name, `${JSON.stringify(doc, null, 2)}\n`);
  } catch (error) {
    if (error instanceof FerryError) throw error;
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
 * Signs the bundle in `dir` (the folder or its `bundle.json`) with the private key in `keyFile`: a detached
 * signature over the exact bytes of `bundle.json`, in `signatures/`. Signing vouches for the bundle, so it is
 * first verified whole as `ferry verify` does ({@link verifyBundleForSigning}); a damaged bundle, or one with a
 * signature that does not verify, is refused and nothing is written. `approveBundle` adds the two-person checks,
 * and `checkTrust` is what enforces them.
 */
export async function signBundle(dir: string, keyFile: string, role: SignatureRole = 'preparer', controls: JobControls = {}): Promise<WrittenSignature> {
  const key = await loadSigningKey(keyFile);
  const bundle = await readBundleForSigning(dir);
  await assertSignaturesFolderUsable(bundle.dir, NOTHING_SIGNED);
  const verified = await verifyBundleForSigning([bundle], controls);
  return signBundleJson(bundle.dir, key, role, verified.bundleJson, verified.manifest.id);
}

/**
 * Verifies the bundle on `volumes` (one folder, or every volume of a set) as `ferry verify` does — every part,
 * every blob, the metadata, the manifest's consistency and every signature already there — and proves that the
 * `bundle.json` verified is the one read for signing. Throws (`damaged`, `untrusted`), saying nothing was signed.
 */
export async function verifyBundleForSigning(volumes: BundleForSigning[], controls: JobControls = {}): Promise<VerifiedBundle> {
  const verified = await openVerifiedBundle({ dirs: volumes.map((v) => v.dir), consequence: NOTHING_SIGNED }, controls);
  if (verified.bundleSha256 !== volumes[0]!.sha256) {
    throw new FerryError('bad-bundle', `${join(volumes[0]!.dir, 'bundle.json')} changed while the bundle was being verified; ${NOTHING_SIGNED}. Try again.`, { subject: volumes[0]!.dir });
  }
  return verified;
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
  const bytes = await readRegularFile(inspection.path, { maxBytes: MAX_BUNDLE_JSON_BYTES, what: inspection.path });
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  // the file must not change between the check and the signature
  if (sha256 !== inspection.bundleSha256) {
    throw new FerryError('bad-bundle', `${inspection.path} changed while it was being read; try again.`, { subject: inspection.path });
  }
  return { dir: resolve(dirname(inspection.path)), bytes, id: inspection.manifest.id, sha256 };
}
