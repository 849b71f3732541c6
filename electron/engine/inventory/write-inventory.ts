import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Inventory } from '../../../shared/inventory.js';
import type { OnProgress } from '../../../shared/progress.js';
import { FerryError } from '../errors/ferry-error.js';
import type { SigningKey } from '../trust/key-files.js';
import { shortKeyId } from '../trust/key-id.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { countInventory, serializeInventory, type InventoryCounts } from './inventory-builder.js';
import { inventorySignatureFile, removeInventorySignature, writeInventorySignature } from './inventory-signature.js';

/** An inventory as written. */
export interface WrittenInventory {
  /** The inventory file, as an absolute path. */
  file: string;
  /** sha256 (hex) of its exact bytes (what a delta records and a signature binds). */
  sha256: string;
  counts: InventoryCounts;
  inventory: Inventory;
  /** The detached signature written beside it (`FILE.sig`), with `signKey`. */
  signature?: { file: string; keyId: string };
}

/**
 * Writes an inventory atomically (a temporary name beside it, flushed, renamed): two-space JSON and a newline, so the
 * same content gives the same bytes. With `signKey`, `FILE.sig` is written next; without, an older `FILE.sig` (which
 * signed other bytes) is removed with a warning rather than left to fail every check.
 */
export async function writeInventory(file: string, inventory: Inventory, options: { signKey?: SigningKey; onProgress?: OnProgress } = {}): Promise<WrittenInventory> {
  const path = resolve(file);
  const text = serializeInventory(inventory);
  try {
    await writeFileAtomic(path, text);
  } catch (error) {
    throw new FerryError('io', `Cannot write the inventory ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, { subject: path, cause: error });
  }
  const written: WrittenInventory = { file: path, sha256: createHash('sha256').update(text).digest('hex'), counts: countInventory(inventory), inventory };
  if (options.signKey) {
    written.signature = { file: await writeInventorySignature(path, text, options.signKey), keyId: options.signKey.keyId };
  } else if (await removeInventorySignature(path)) {
    options.onProgress?.({
      kind: 'warning',
      subject: inventorySignatureFile(path),
      message: `Removed ${inventorySignatureFile(path)}: it signed the inventory's earlier content, so the new one is not signed.`,
      hint: 'sign-inventory',
    });
  }
  return written;
}

/** Checks before any long work that an inventory can be written at `file`: its folder exists and `file` is not a folder. */
export async function assertInventoryWritable(file: string): Promise<void> {
  const path = resolve(file);
  try {
    if (!(await stat(dirname(path))).isDirectory()) throw new Error('ENOTDIR');
  } catch {
    throw new FerryError('bad-usage', `Cannot write the inventory ${path}: the folder ${dirname(path)} does not exist.`, { subject: path });
  }
  try {
    if ((await stat(path)).isDirectory()) throw new FerryError('bad-usage', `Cannot write the inventory ${path}: it is a folder; name a file.`, { subject: path });
  } catch (error) {
    if (error instanceof FerryError) throw error;
  }
}

/** One line about a written inventory: `FILE: 3 repositories, 4 tags, 9 blobs (1.2 MB); signed by …`. */
export function describeWrittenInventory(written: WrittenInventory, formatBytes: (n: number) => string): string {
  const c = written.counts;
  return (
    `${written.file}: ${c.repositories} repositor${c.repositories === 1 ? 'y' : 'ies'}, ${c.tags} tag(s), ${c.manifests} manifest(s), ${c.blobs} blob(s) (${formatBytes(c.bytes)}); sha256 ${written.sha256}` +
    (written.signature ? `; signed by key ${shortKeyId(written.signature.keyId)} (${written.signature.file})` : '')
  );
}
