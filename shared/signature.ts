// zod/mini, like bundle-manifest.ts: `ferry bundle` (which signs) and verify (which checks) load no zod classic
import * as z from 'zod/mini';
import './zod-english.js';

/**
 * Detached signatures over a bundle's `bundle.json`, one JSON document per file in
 * `<bundle>/signatures/` (`preparer-<keyid16>.json`, `approver-<keyid16>.json`).
 *
 * What is signed is not the document but a canonical, domain-separated text built from its
 * fields by {@link signaturePayload}: the media type, then `role`, `keyId`, `bundleId`,
 * `bundleSha256` and `created`, one per line. `bundleSha256` is the sha256 of the exact bytes of
 * `bundle.json`, which lists every archive part's sha256, so one signature binds the whole bundle.
 * Any other member of the document is unsigned and shown by no reader.
 */
export const SIGNATURE_SCHEMA_VERSION = 1;

/** The media type of a signature document, also the first line of what is signed. */
export const SIGNATURE_MEDIA_TYPE = 'application/vnd.ferry.signature.v1+json';

/** The one signature algorithm Ferry uses. */
export const SIGNATURE_ALGORITHM = 'ed25519';

/** The folder of a bundle holding signature documents. */
export const SIGNATURES_DIR = 'signatures';

/** The roles a signature plays: the preparer signs when bundling, approvers countersign. */
export const SignatureRoleSchema = z.enum(['preparer', 'approver']);

const hex64 = z.string().check(z.regex(/^[a-f0-9]{64}$/, 'a sha256 hex string'));

/** A signature document as stored in `signatures/`. */
export const SignatureDocumentSchema = z.looseObject({
  schemaVersion: z.literal(SIGNATURE_SCHEMA_VERSION),
  mediaType: z.literal(SIGNATURE_MEDIA_TYPE),
  role: SignatureRoleSchema,
  algorithm: z.literal(SIGNATURE_ALGORITHM),
  /** sha256 (hex) of the raw 32-byte Ed25519 public key. */
  keyId: hex64,
  /** The signer's public key, SPKI PEM (what `ferry keygen` writes to `NAME.pub`). */
  publicKey: z.string().check(z.maxLength(1024), z.startsWith('-----BEGIN PUBLIC KEY-----')),
  /** The `id` of the bundle signed. */
  bundleId: z.uuid(),
  /** sha256 (hex) of the exact bytes of the `bundle.json` signed. */
  bundleSha256: hex64,
  /** When it was signed (ISO 8601, UTC). */
  created: z.iso.datetime(),
  /** The Ed25519 signature over {@link signaturePayload}, base64. */
  signature: z.base64(),
});

/** A parsed signature document. */
export type SignatureDocument = z.infer<typeof SignatureDocumentSchema>;

/** The fields a signature binds. */
export type SignedFields = Pick<SignatureDocument, 'role' | 'keyId' | 'bundleId' | 'bundleSha256' | 'created'>;

/**
 * The exact text an Ed25519 signature covers (UTF-8, every field ASCII, each line ending in `\n`):
 *
 * ```
 * application/vnd.ferry.signature.v1+json
 * role preparer
 * key-id <64 hex>
 * bundle-id <uuid>
 * bundle-sha256 <64 hex>
 * created <ISO time>
 * ```
 * The first line keeps a Ferry signature from meaning anything else the same key may sign.
 */
export function signaturePayload(fields: SignedFields): string {
  for (const name of ['role', 'keyId', 'bundleId', 'bundleSha256', 'created'] as const) {
    if (/\s/.test(fields[name])) throw new Error(`signature field ${name} must not contain white space`);
  }
  return (
    `${SIGNATURE_MEDIA_TYPE}\n` +
    `role ${fields.role}\n` +
    `key-id ${fields.keyId}\n` +
    `bundle-id ${fields.bundleId}\n` +
    `bundle-sha256 ${fields.bundleSha256}\n` +
    `created ${fields.created}\n`
  );
}

/** The file name a signature gets in `signatures/`: `preparer-<first 16 hex of the key id>.json`. */
export function signatureFileName(role: SignedFields['role'], keyId: string): string {
  return `${role}-${keyId.slice(0, 16)}.json`;
}
