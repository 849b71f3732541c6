import { createHash } from 'node:crypto';
import { INVENTORY_MEDIA_TYPE, INVENTORY_SCHEMA_VERSION, InventorySchema, MAX_INVENTORY_BYTES, type Inventory } from '../../../shared/inventory.js';
import { escapeControl } from '../../../shared/format.js';
import { FerryError } from '../errors/ferry-error.js';
import { registryProblem } from '../reference/parse-reference.js';
import { parseStrictJson } from '../util/parse-strict-json.js';
import { readRegularFile } from '../util/read-regular-file.js';

/** An inventory as read and checked, with the exact bytes' sha256 (what a delta records and a signature binds). */
export interface InventoryReading {
  path: string;
  inventory: Inventory;
  /** sha256 (hex) of the file's exact bytes. */
  sha256: string;
  bytes: Buffer;
}

/** The most repositories an inventory may list. */
export const MAX_INVENTORY_REPOSITORIES = 100_000;
/** The most blobs an inventory may list. */
export const MAX_INVENTORY_BLOBS = 2_000_000;
/** The most tags, and the most manifests, one repository of an inventory may list. */
export const MAX_INVENTORY_ENTRIES_PER_REPOSITORY = 100_000;
/** The most sources an inventory may list. */
export const MAX_INVENTORY_SOURCES = 1_000;
/** Longest `registry/name` (distribution's NameTotalLengthMax). */
const MAX_NAME_LENGTH = 255;
/** How deep an inventory nests (root → repositories → repository → tags: 4). */
const MAX_DEPTH = 8;
/** A containerd namespace (containerd's identifier grammar). */
const NAMESPACE = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?$/;
/** A repository path prefix (`mirror`, `team/images`): path components of the reference grammar. */
const PATH = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/**
 * Reads an inventory from the offline side as the hostile input it is: a regular file (no link, FIFO or device)
 * of at most {@link MAX_INVENTORY_BYTES}, strict JSON, a known schema version (an unknown one is refused by
 * name), the schema, and consistent in itself ({@link checkInventory}). Throws `bad-bundle`-coded errors naming
 * the file and the first problems. Nothing read from it ever names a file Ferry opens.
 */
export async function readInventory(path: string): Promise<InventoryReading> {
  const bytes = await readRegularFile(path, { maxBytes: MAX_INVENTORY_BYTES, what: `Inventory ${path}` });
  return { path, inventory: parseInventory(bytes, path), sha256: createHash('sha256').update(bytes).digest('hex'), bytes };
}

/** Parses and checks an inventory's bytes (see {@link readInventory}). */
export function parseInventory(bytes: Buffer, path: string): Inventory {
  const fail = (why: string): FerryError => new FerryError('bad-bundle', `Inventory ${escapeControl(path)} ${why}`, { subject: path });
  let json: unknown;
  try {
    json = parseStrictJson(bytes, { maxDepth: MAX_DEPTH });
  } catch (error) {
    throw fail(`is not JSON Ferry reads: ${(error as Error).message}.`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw fail('is not a JSON object, so it is not a Ferry inventory.');
  const raw = json as Record<string, unknown>;
  const version = raw.schemaVersion;
  if (version !== INVENTORY_SCHEMA_VERSION) {
    const said = typeof version === 'number' ? `schema ${version}` : 'no schema version';
    throw fail(`has ${said}; this Ferry reads inventory schema ${INVENTORY_SCHEMA_VERSION}${typeof version === 'number' && version > INVENTORY_SCHEMA_VERSION ? ': use a newer Ferry' : ''}.`);
  }
  if (raw.mediaType !== INVENTORY_MEDIA_TYPE) {
    throw fail(`is not a Ferry inventory: its mediaType is ${typeof raw.mediaType === 'string' ? `"${escapeControl(raw.mediaType.slice(0, 100))}"` : 'missing'}, not ${INVENTORY_MEDIA_TYPE}.`);
  }
  // counts first: a huge list is refused before the schema walks it
  const tooMany = countProblem(raw);
  if (tooMany !== undefined) throw fail(`is too large to be read: ${tooMany}.`);
  const parsed = InventorySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw fail(`is not a valid inventory: ${escapeControl(issue?.path.join('.') || '(root)')}: ${issue?.message ?? 'invalid'}.`);
  }
  const problems = checkInventory(parsed.data);
  if (problems.length > 0) {
    throw fail(`contradicts itself or breaks the rules of names: ${problems.slice(0, 5).join(' ')}${problems.length > 5 ? ` … and ${problems.length - 5} more` : ''}`);
  }
  return parsed.data;
}

/** Why the lists of a raw inventory are longer than Ferry reads, or undefined. */
function countProblem(raw: Record<string, unknown>): string | undefined {
  const length = (value: unknown): number => (Array.isArray(value) ? value.length : 0);
  if (length(raw.repositories) > MAX_INVENTORY_REPOSITORIES) return `${length(raw.repositories)} repositories, more than the ${MAX_INVENTORY_REPOSITORIES} an inventory may list`;
  if (length(raw.blobs) > MAX_INVENTORY_BLOBS) return `${length(raw.blobs)} blobs, more than the ${MAX_INVENTORY_BLOBS} an inventory may list`;
  if (length(raw.sources) > MAX_INVENTORY_SOURCES) return `${length(raw.sources)} sources, more than the ${MAX_INVENTORY_SOURCES} an inventory may list`;
  for (const [i, repo] of (Array.isArray(raw.repositories) ? raw.repositories : []).entries()) {
    const r = (repo ?? {}) as Record<string, unknown>;
    const tags = r.tags !== null && typeof r.tags === 'object' ? Object.keys(r.tags).length : 0;
    if (tags > MAX_INVENTORY_ENTRIES_PER_REPOSITORY) return `repository ${i} lists ${tags} tags, more than ${MAX_INVENTORY_ENTRIES_PER_REPOSITORY}`;
    if (length(r.manifests) > MAX_INVENTORY_ENTRIES_PER_REPOSITORY) return `repository ${i} lists ${length(r.manifests)} manifests, more than ${MAX_INVENTORY_ENTRIES_PER_REPOSITORY}`;
  }
  return undefined;
}

/**
 * What an inventory must also be, as sentences (none: it is fine): no blob, repository, manifest or repository index
 * twice; every repository index in range; every registry `HOST[:PORT]` by the reference grammar and `registry/name`
 * at most 255 characters; every tag's manifest among the repository's manifests; sources well formed; `created` a time.
 */
export function checkInventory(inventory: Inventory): string[] {
  const problems: string[] = [];
  const show = (text: string): string => `"${escapeControl(text.slice(0, 300))}"`;
  if (Number.isNaN(Date.parse(inventory.created))) problems.push(`created ${show(inventory.created)} is not a time.`);
  for (const [i, source] of inventory.sources.entries()) {
    if (source.kind === 'registry') {
      const why = registryProblem(source.registry);
      if (why !== undefined) problems.push(`source ${i}: ${escapeControl(why)}.`);
      if (source.prefix !== undefined && !PATH.test(source.prefix)) problems.push(`source ${i}: prefix ${show(source.prefix)} is not a repository path.`);
    } else if (source.kind === 'containerd' && !NAMESPACE.test(source.namespace)) {
      problems.push(`source ${i}: namespace ${show(source.namespace)} is not a containerd namespace.`);
    }
  }
  const seen = new Set<string>();
  for (const blob of inventory.blobs) {
    if (seen.has(blob.digest)) problems.push(`blobs lists ${blob.digest} twice.`);
    seen.add(blob.digest);
    const indices = new Set<number>();
    for (const r of blob.repositories) {
      if (r >= inventory.repositories.length) problems.push(`blob ${blob.digest} names repository ${r}, but there are ${inventory.repositories.length}.`);
      else if (indices.has(r)) problems.push(`blob ${blob.digest} names repository ${r} twice.`);
      indices.add(r);
    }
  }
  const names = new Set<string>();
  for (const repo of inventory.repositories) {
    const key = repo.registry === undefined ? repo.name : `${repo.registry}/${repo.name}`;
    if (repo.registry !== undefined) {
      const why = registryProblem(repo.registry);
      if (why !== undefined) problems.push(`repository ${show(key)}: ${escapeControl(why)}.`);
    }
    if (key.length > MAX_NAME_LENGTH) problems.push(`repository ${show(key)} is ${key.length} characters long; the limit is ${MAX_NAME_LENGTH}.`);
    if (names.has(key)) problems.push(`repositories lists ${show(key)} twice.`);
    names.add(key);
    const manifests = new Set<string>();
    for (const digest of repo.manifests) {
      if (manifests.has(digest)) problems.push(`repository ${show(key)} lists manifest ${digest} twice.`);
      manifests.add(digest);
    }
    for (const [tag, digest] of Object.entries(repo.tags)) {
      if (!manifests.has(digest)) problems.push(`repository ${show(key)} tags ${show(tag)} as ${digest}, which is not among its manifests.`);
    }
  }
  return problems;
}
