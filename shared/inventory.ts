// zod/mini, as bundle.json's schema: `ferry import` reads and updates inventories, and loads no zod classic
import * as z from 'zod/mini';
import './zod-english.js';

/**
 * The schema of an inventory (`ferry inventory -o inventory.json`): what the offline side already holds, so the
 * connected side carries only what it lacks. Small (no blob bytes), deterministic (everything sorted; the same
 * content gives the same bytes, `created` aside) and versioned like `bundle.json`. It is input from the other
 * side of the gap: readers validate it fully, cap its size and never follow a name from it into a file path.
 */
export const INVENTORY_SCHEMA_VERSION = 1;

/** The media type recorded in every inventory. */
export const INVENTORY_MEDIA_TYPE = 'application/vnd.ferry.inventory.v1+json';

/** An inventory larger than this is not read (a registry of tens of thousands of images stays far below). */
export const MAX_INVENTORY_BYTES = 256 * 1024 * 1024;

const digest = z.string().check(z.regex(/^sha256:[a-f0-9]{64}$/, 'a sha256 digest'));
const hex64 = z.string().check(z.regex(/^[a-f0-9]{64}$/, 'a sha256 hex string'));
const size = z.number().check(z.int(), z.nonnegative(), z.lte(2 ** 48));
/** A repository path as the offline side names it (`mirror/library/nginx`); the reference grammar's path. */
const repository = z
  .string()
  .check(z.maxLength(255), z.regex(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/, 'a repository path'));
const tag = z.string().check(z.regex(/^\w[\w.-]{0,127}$/, 'a tag'));

/** Where an inventory's facts came from. */
export const InventorySourceSchema = z.discriminatedUnion('kind', [
  /** A registry (and the repositories under `prefix`, when given). */
  z.looseObject({ kind: z.literal('registry'), registry: z.string().check(z.maxLength(300)), prefix: z.optional(z.string().check(z.maxLength(255))) }),
  /** A bundle already carried across (its `bundle.json`). */
  z.looseObject({ kind: z.literal('bundle'), bundleId: z.string().check(z.uuid()), bundleSha256: hex64 }),
  /** A containerd content store. */
  z.looseObject({ kind: z.literal('containerd'), namespace: z.string().check(z.maxLength(255)) }),
]);

/** One repository held offline: its tags and the manifests it holds. */
export const InventoryRepositorySchema = z.looseObject({
  /**
   * The registry holding it, `HOST[:PORT]` (`name` is the path there): the listed registry for a registry source, the
   * image reference's registry for a bundle or containerd source; absent when unknown.
   */
  registry: z.optional(z.string().check(z.maxLength(300))),
  name: repository,
  /** Tag → manifest digest. */
  tags: z.record(tag, digest),
  /** Every manifest digest (tagged or not, platform manifests of an index included). */
  manifests: z.array(digest),
});

/** One blob held offline, with the repositories (indices into `repositories`) that hold it. */
export const InventoryBlobSchema = z.looseObject({
  digest,
  size,
  repositories: z.array(z.number().check(z.int(), z.nonnegative())),
});

/** A whole inventory. */
export const InventorySchema = z.looseObject({
  schemaVersion: z.literal(INVENTORY_SCHEMA_VERSION),
  mediaType: z.literal(INVENTORY_MEDIA_TYPE),
  created: z.string().check(z.maxLength(64)),
  tool: z.looseObject({ name: z.string().check(z.maxLength(64)), version: z.string().check(z.maxLength(64)) }),
  sources: z.array(InventorySourceSchema),
  repositories: z.array(InventoryRepositorySchema),
  blobs: z.array(InventoryBlobSchema),
});

/** A parsed inventory. */
export type Inventory = z.infer<typeof InventorySchema>;
/** One repository of an inventory. */
export type InventoryRepository = z.infer<typeof InventoryRepositorySchema>;
/** One blob of an inventory. */
export type InventoryBlob = z.infer<typeof InventoryBlobSchema>;
/** One source of an inventory. */
export type InventorySource = z.infer<typeof InventorySourceSchema>;
