import { resolve } from 'node:path';
import type { JobControls } from '../bundle/create-bundle.js';
import { FerryError } from '../errors/ferry-error.js';
import { DEFAULT_CONTAINERD_NAMESPACE } from '../place/containerd-namespace.js';
import { DEFAULT_LIST_PAGE_SIZE, RegistryClient, type RegistryClientOptions } from '../registry/registry-client.js';
import { loadSigningKey } from '../trust/key-files.js';
import { InventoryBuilder } from './inventory-builder.js';
import { addBundleToInventory } from './inventory-from-bundle.js';
import { addContainerdToInventory, type ContainerdSource } from './inventory-from-containerd.js';
import { addRegistryToInventory, parseRegistrySource, type RegistrySource } from './inventory-from-registry.js';
import { assertInventoryWritable, writeInventory, type WrittenInventory } from './write-inventory.js';

/** What to list and where to write it (`ferry inventory`). */
export interface MakeInventoryOptions {
  /** Registries, `HOST[:PORT][/PREFIX]`: the whole catalog, or only the repositories under PREFIX. */
  from?: string[];
  /** Bundles already carried across: their folders (or `bundle.json` files). */
  fromBundles?: string[];
  /** A containerd to list through `ctr` (its content store and images). */
  fromContainerd?: ContainerdSource;
  /** The inventory file to write (atomically; replaced when it exists). */
  output: string;
  /** Sign it with this Ferry key file: a detached `OUTPUT.sig`. */
  signKey?: string;
  /** Registry access: TLS, insecure hosts, credentials, retries. */
  registry?: RegistryClientOptions;
  /** A client to reuse; otherwise one is made from `registry`. */
  client?: RegistryClient;
  /** Repositories listed at once, and requests per registry at once (default 8, 1 to 64). */
  concurrency?: number;
  /** Names asked for per catalog or tag-list page (default 1000). */
  pageSize?: number;
}

/** What {@link makeInventory} wrote and found. */
export interface MakeInventoryResult extends WrittenInventory {
  /** The registries listed, as parsed. */
  registries: RegistrySource[];
}

interface Settings {
  registries: RegistrySource[];
  bundles: string[];
  containerd: ContainerdSource | undefined;
  output: string;
  concurrency: number;
  pageSize: number;
}

/** Applies the defaults of {@link MakeInventoryOptions} and checks them (the one place they live). */
function settingsFrom(options: MakeInventoryOptions): Settings {
  const registries = (options.from ?? []).map(parseRegistrySource);
  const bundles = options.fromBundles ?? [];
  const containerd = options.fromContainerd ? { namespace: DEFAULT_CONTAINERD_NAMESPACE, ...options.fromContainerd } : undefined;
  if (registries.length === 0 && bundles.length === 0 && !containerd) {
    throw new FerryError('bad-usage', 'Nothing to list: give --from HOST[:PORT][/PREFIX] (a registry), --from-bundle DIR (a bundle carried across) or --from-containerd.');
  }
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new FerryError('bad-usage', `Concurrency must be a whole number from 1 to 64, not ${String(options.concurrency)}.`);
  const pageSize = options.pageSize ?? DEFAULT_LIST_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 10_000) throw new FerryError('bad-usage', `The page size must be a whole number from 1 to 10000, not ${String(options.pageSize)}.`);
  return { registries, bundles, containerd, output: resolve(options.output), concurrency, pageSize };
}

/**
 * Lists what the offline side holds — registries (catalog and tags, or a prefix), bundles already carried across,
 * a containerd — into one inventory, written atomically and deterministically (the same content gives the same bytes
 * but for `created`), and signed when asked. The key and the output folder are checked before any listing.
 */
export async function makeInventory(options: MakeInventoryOptions, controls: JobControls = {}): Promise<MakeInventoryResult> {
  const settings = settingsFrom(options);
  const signKey = options.signKey === undefined ? undefined : await loadSigningKey(options.signKey);
  await assertInventoryWritable(settings.output);
  const builder = new InventoryBuilder();
  if (settings.registries.length > 0) {
    const client = options.client ?? new RegistryClient({ maxConcurrencyPerHost: settings.concurrency, ...options.registry });
    try {
      for (const source of settings.registries) {
        await addRegistryToInventory(builder, { source, client, concurrency: settings.concurrency, pageSize: settings.pageSize }, controls);
      }
    } finally {
      if (!options.client) await client.close();
    }
  }
  if (settings.bundles.length > 0) {
    controls.onProgress?.({ kind: 'phase-start', phase: 'resolve', totalItems: settings.bundles.length });
    for (const dir of settings.bundles) await addBundleToInventory(builder, dir, controls);
    controls.onProgress?.({ kind: 'phase-end', phase: 'resolve' });
  }
  if (settings.containerd) await addContainerdToInventory(builder, settings.containerd, controls);
  controls.signal?.throwIfAborted();
  const written = await writeInventory(settings.output, builder.build(), { ...(signKey ? { signKey } : {}), ...(controls.onProgress ? { onProgress: controls.onProgress } : {}) });
  return { ...written, registries: settings.registries };
}
