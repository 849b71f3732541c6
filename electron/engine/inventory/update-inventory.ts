import { resolve } from 'node:path';
import type { OnProgress } from '../../../shared/progress.js';
import { FerryError } from '../errors/ferry-error.js';
import { loadSigningKey } from '../trust/key-files.js';
import { InventoryBuilder } from './inventory-builder.js';
import { readInventory, type InventoryReading } from './read-inventory.js';
import { assertInventoryWritable, writeInventory, type WrittenInventory } from './write-inventory.js';

/** What to record and where. */
export interface UpdateInventoryOptions {
  /** The inventory file: created when absent, else read (as hostile input) and merged with what is added. */
  file: string;
  /** What was just put offline (an import's target repositories, a containerd's new images). */
  add: InventoryBuilder;
  /** The file as read before the work began ({@link readExistingInventory}); read now when not given. `null`: there was none. */
  previous?: InventoryReading | null;
  /** Sign the result with this Ferry key file (`FILE.sig`); without, an outdated `FILE.sig` is removed. */
  signKey?: string;
  onProgress?: OnProgress;
}

/**
 * Reads the inventory at `file` when there is one (undefined when there is none): an existing file that is not a valid
 * inventory is refused here, so a caller can check it before any work. Also checks that the file can be written.
 */
export async function readExistingInventory(file: string): Promise<InventoryReading | undefined> {
  await assertInventoryWritable(file);
  try {
    return await readInventory(file);
  } catch (error) {
    if (error instanceof FerryError && error.code === 'not-found') return undefined;
    if (error instanceof FerryError) throw new FerryError(error.code, `${error.message.replace(/\.$/, '')}; it is not updated (move it away to start a new one).`, { subject: file });
    throw error;
  }
}

/**
 * Writes or updates an inventory after work that put content offline (`ferry import --inventory`, the app's "Save
 * inventory for the next transfer"): the old file's content (read with `readInventory`) plus what `add` records — its
 * tags replace the old ones of the same name — written atomically and deterministically.
 */
export async function updateInventory(options: UpdateInventoryOptions): Promise<WrittenInventory> {
  const file = resolve(options.file);
  const signKey = options.signKey === undefined ? undefined : await loadSigningKey(options.signKey);
  const previous = options.previous === undefined ? await readExistingInventory(file) : (options.previous ?? undefined);
  const merged = new InventoryBuilder();
  if (previous) merged.merge(previous.inventory);
  merged.merge(options.add.build());
  return writeInventory(file, merged.build(), { ...(signKey ? { signKey } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
}
