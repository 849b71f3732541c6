import { INVENTORY_MEDIA_TYPE, INVENTORY_SCHEMA_VERSION, type Inventory, type InventorySource } from '../../../shared/inventory.js';
import { TOOL_VERSION } from '../version.js';

/** A repository as an inventory names it: `registry` (`HOST[:PORT]`, absent when unknown) and its path. */
export interface RepositoryName {
  registry?: string;
  name: string;
}

interface RepositoryFacts extends RepositoryName {
  tags: Map<string, string>;
  manifests: Set<string>;
}

/** A tag as the reference grammar allows it (an inventory refuses any other). */
const TAG = /^\w[\w.-]{0,127}$/;

/**
 * Collects what the offline side holds — sources, repositories with their tags and manifests, blobs with their sizes
 * and the repositories holding them — from any number of sources, and builds the inventory deterministically: the same
 * facts, in any order, give the same document (`created` aside). Later facts win over earlier ones for a tag (what an
 * import just put there) and a blob's size.
 */
export class InventoryBuilder {
  readonly #sources = new Map<string, InventorySource>();
  readonly #repositories = new Map<string, RepositoryFacts>();
  readonly #blobs = new Map<string, { size: number; repositories: Set<string> }>();

  /** Records where facts came from (the same source twice is kept once). */
  addSource(source: InventorySource): void {
    this.#sources.set(canonicalJson(source), source);
  }

  /** Records a repository (with no tag or manifest yet); returns its key for the other calls. */
  addRepository(repository: RepositoryName): string {
    const key = repositoryKey(repository);
    if (!this.#repositories.has(key)) {
      this.#repositories.set(key, { ...(repository.registry !== undefined ? { registry: repository.registry } : {}), name: repository.name, tags: new Map(), manifests: new Set() });
    }
    return key;
  }

  /** Records a manifest the repository holds. */
  addManifest(repository: string, digest: string): void {
    this.#repository(repository).manifests.add(digest);
  }

  /** Records a tag of the repository (and its manifest); a tag outside the reference grammar is ignored, and false returned. */
  addTag(repository: string, tag: string, digest: string): boolean {
    if (!TAG.test(tag)) return false;
    const facts = this.#repository(repository);
    facts.tags.set(tag, digest);
    facts.manifests.add(digest);
    return true;
  }

  /** Records a blob (config or layer) and, when known, a repository holding it. */
  addBlob(digest: string, size: number, repository?: string): void {
    let blob = this.#blobs.get(digest);
    if (!blob) this.#blobs.set(digest, (blob = { size, repositories: new Set() }));
    else blob.size = size;
    if (repository !== undefined) {
      this.#repository(repository);
      blob.repositories.add(repository);
    }
  }

  /** Adds everything an inventory holds (an earlier inventory being updated, or another builder's result). */
  merge(inventory: Inventory): void {
    for (const source of inventory.sources) this.addSource(source);
    const keys = inventory.repositories.map((repo) => {
      const key = this.addRepository(repo);
      for (const digest of repo.manifests) this.addManifest(key, digest);
      for (const [tag, digest] of Object.entries(repo.tags)) this.addTag(key, tag, digest);
      return key;
    });
    for (const blob of inventory.blobs) {
      this.addBlob(blob.digest, blob.size);
      for (const index of blob.repositories) {
        const key = keys[index];
        if (key !== undefined) this.addBlob(blob.digest, blob.size, key);
      }
    }
  }

  /** How much is recorded so far. */
  get counts(): InventoryCounts {
    let tags = 0;
    let manifests = 0;
    for (const repo of this.#repositories.values()) {
      tags += repo.tags.size;
      manifests += repo.manifests.size;
    }
    let bytes = 0;
    for (const blob of this.#blobs.values()) bytes += blob.size;
    return { sources: this.#sources.size, repositories: this.#repositories.size, tags, manifests, blobs: this.#blobs.size, bytes };
  }

  /**
   * The inventory: sources, repositories (by registry, then name), tags and manifests, blobs (by digest) and each
   * blob's repository indices all sorted, so the same facts always give the same bytes but for `created`.
   */
  build(created: string = new Date().toISOString()): Inventory {
    const keys = [...this.#repositories.keys()].sort(compareText);
    const index = new Map(keys.map((key, i) => [key, i]));
    return {
      schemaVersion: INVENTORY_SCHEMA_VERSION,
      mediaType: INVENTORY_MEDIA_TYPE,
      created,
      tool: { name: 'ferry', version: TOOL_VERSION },
      sources: [...this.#sources.entries()].sort(([a], [b]) => compareText(a, b)).map(([, source]) => source),
      repositories: keys.map((key) => {
        const repo = this.#repositories.get(key)!;
        const tags: Record<string, string> = {};
        for (const tag of [...repo.tags.keys()].sort(compareText)) tags[tag] = repo.tags.get(tag)!;
        return { ...(repo.registry !== undefined ? { registry: repo.registry } : {}), name: repo.name, tags, manifests: [...repo.manifests].sort(compareText) };
      }),
      blobs: [...this.#blobs.keys()].sort(compareText).map((digest) => {
        const blob = this.#blobs.get(digest)!;
        return { digest, size: blob.size, repositories: [...blob.repositories].map((key) => index.get(key)!).sort((a, b) => a - b) };
      }),
    };
  }

  #repository(key: string): RepositoryFacts {
    const facts = this.#repositories.get(key);
    if (!facts) throw new Error(`inventory: repository ${key} was not added first`);
    return facts;
  }
}

/** How much an inventory records. */
export interface InventoryCounts {
  sources: number;
  repositories: number;
  tags: number;
  manifests: number;
  blobs: number;
  /** The blobs' sizes added up. */
  bytes: number;
}

/** Counts what an inventory records. */
export function countInventory(inventory: Inventory): InventoryCounts {
  const builder = new InventoryBuilder();
  builder.merge(inventory);
  return builder.counts;
}

/** The exact text an inventory is written as: two-space JSON and a final newline. */
export function serializeInventory(inventory: Inventory): string {
  return `${JSON.stringify(inventory, null, 2)}\n`;
}

/** The key a repository is known by: `registry/name`, or `name` without a registry (sorts by registry, then name). */
function repositoryKey(repository: RepositoryName): string {
  return `${repository.registry ?? ''}\u0000${repository.name}`;
}

/** Byte order of UTF-16 code units: the same everywhere, unlike `localeCompare`. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** JSON with object keys sorted: one text per value, whatever order its keys were made in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => compareText(a, b)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
