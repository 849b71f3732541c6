// zod/mini, as bundle.json's schema: `ferry import` checks inventory signatures, and loads no zod classic
import * as z from 'zod/mini';
import './zod-english.js';

/**
 * A detached signature over an inventory (`ferry inventory --sign-key KEY -o FILE` writes `FILE.sig`), so the connected
 * side knows which Ferry key vouched for what the offline side holds. What is signed is not the document but a
 * canonical, domain-separated text built from its fields by {@link inventorySignaturePayload}: the media type, then
 * `key-id`, `inventory-sha256` and `created`, one per line. `inventorySha256` is the sha256 of the inventory's exact
 * bytes. Any other member of the document is unsigned and shown by no reader.
 */
export const INVENTORY_SIGNATURE_SCHEMA_VERSION = 1;

/** The media type of an inventory signature document, also the first line of what is signed. */
export const INVENTORY_SIGNATURE_MEDIA_TYPE = 'application/vnd.ferry.inventory-signature.v1+json';

/** What is appended to an inventory's file name to name its signature (`inventory.json.sig`). */
export const INVENTORY_SIGNATURE_SUFFIX = '.sig';

/** A signature document is a few hundred bytes; anything larger is not read. */
export const MAX_INVENTORY_SIGNATURE_BYTES = 64 * 1024;

const hex64 = z.string().check(z.regex(/^[a-f0-9]{64}$/, 'a sha256 hex string'));

/** An inventory signature document as stored in `FILE.sig`. */
export const InventorySignatureSchema = z.looseObject({
  schemaVersion: z.literal(INVENTORY_SIGNATURE_SCHEMA_VERSION),
  mediaType: z.literal(INVENTORY_SIGNATURE_MEDIA_TYPE),
  algorithm: z.literal('ed25519'),
  /** sha256 (hex) of the raw 32-byte Ed25519 public key. */
  keyId: hex64,
  /** The signer's public key, SPKI PEM (what `ferry keygen` writes to `NAME.pub`). */
  publicKey: z.string().check(z.maxLength(1024), z.startsWith('-----BEGIN PUBLIC KEY-----')),
  /** sha256 (hex) of the exact bytes of the inventory signed. */
  inventorySha256: hex64,
  /** When it was signed (ISO 8601, UTC). */
  created: z.iso.datetime(),
  /** The Ed25519 signature over {@link inventorySignaturePayload}, base64. */
  signature: z.base64(),
});

/** A parsed inventory signature document. */
export type InventorySignatureDocument = z.infer<typeof InventorySignatureSchema>;

/** The fields an inventory signature binds. */
export type InventorySignedFields = Pick<InventorySignatureDocument, 'keyId' | 'inventorySha256' | 'created'>;

/**
 * The exact text an inventory's Ed25519 signature covers (UTF-8, every field ASCII, each line ending in `\n`):
 *
 * ```
 * application/vnd.ferry.inventory-signature.v1+json
 * key-id <64 hex>
 * inventory-sha256 <64 hex>
 * created <ISO time>
 * ```
 * The first line keeps it from meaning anything else the same key signs (a bundle signature starts with another).
 */
export function inventorySignaturePayload(fields: InventorySignedFields): string {
  for (const name of ['keyId', 'inventorySha256', 'created'] as const) {
    if (/\s/.test(fields[name])) throw new Error(`inventory signature field ${name} must not contain white space`);
  }
  return `${INVENTORY_SIGNATURE_MEDIA_TYPE}\nkey-id ${fields.keyId}\ninventory-sha256 ${fields.inventorySha256}\ncreated ${fields.created}\n`;
}
