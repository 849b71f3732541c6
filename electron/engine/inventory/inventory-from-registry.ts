import { escapeControl } from '../../../shared/format.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { FerryError } from '../errors/ferry-error.js';
import { parseReference, registryProblem } from '../reference/parse-reference.js';
import type { RegistryClient } from '../registry/registry-client.js';
import { mapLimit } from '../util/map-limit.js';
import type { InventoryBuilder } from './inventory-builder.js';
import { walkImage, type ManifestBytes, type WalkedImage } from './walk-image.js';

/** A registry to list: `HOST[:PORT]` and, optionally, the path prefix whose repositories alone are listed. */
export interface RegistrySource {
  registry: string;
  /** Path prefix without leading or trailing slashes; '' for the whole registry. */
  prefix: string;
}

/** What listing a registry needs besides the source. */
export interface RegistryInventoryOptions {
  source: RegistrySource;
  client: RegistryClient;
  /** Repositories listed at once, and manifests fetched at once per repository. */
  concurrency: number;
  /** Names asked for per catalog or tag-list page. */
  pageSize: number;
}

/** What listing one registry found. */
export interface RegistryInventoryResult {
  repositories: number;
  tags: number;
}

/** Failures of one tag that skip the tag (with a warning) rather than the whole inventory. */
const SKIPPED_TAG_CODES = new Set(['not-found', 'unsupported-manifest', 'manifest-too-large']);
const PATH = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^\w[\w.-]{0,127}$/;

/** Parses `--from HOST[:PORT][/PREFIX]`; `bad-usage` naming what is wrong. */
export function parseRegistrySource(text: string): RegistrySource {
  const trimmed = text.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
  const slash = trimmed.indexOf('/');
  const registry = (slash === -1 ? trimmed : trimmed.slice(0, slash)).toLowerCase();
  const prefix = slash === -1 ? '' : trimmed.slice(slash + 1).replace(/^\/+/, '');
  const fail = (why: string): FerryError => new FerryError('bad-usage', `--from "${escapeControl(text)}": ${why}; write HOST[:PORT][/PREFIX], e.g. registry.local:5000/mirror.`, { subject: text });
  if (registry === '' || !(registry.includes('.') || registry.includes(':') || registry === 'localhost')) throw fail('it does not start with a registry host');
  const why = registryProblem(registry);
  if (why !== undefined) throw fail(why);
  if (prefix !== '') {
    try {
      parseReference(`${registry}/${prefix}`);
    } catch (error) {
      throw fail((error as Error).message.replace(/^invalid image reference "[^"]*": /, ''));
    }
    if (!PATH.test(prefix)) throw fail(`"${escapeControl(prefix)}" is not a repository path`);
  }
  return { registry, prefix };
}

/**
 * Lists what a registry holds into `builder`: the catalog (every page, following `Link`) or only the repositories
 * under the prefix; every tag of each (paginated likewise); each tag's manifest and, for an index, every child
 * manifest, fetched through the registry client (auth, TLS, retries, digests checked); each image's config and layers
 * with their sizes, foreign layers left out. Repositories are listed `concurrency` at once, one token each; a manifest
 * is fetched once however many tags and repositories name it. A tag that vanished or is not an OCI/Docker v2 manifest is
 * skipped with a warning; anything else fails the listing.
 */
export async function addRegistryToInventory(builder: InventoryBuilder, options: RegistryInventoryOptions, controls: JobControls = {}): Promise<RegistryInventoryResult> {
  const { client, concurrency, pageSize } = options;
  const { registry, prefix } = options.source;
  const { onProgress, signal } = controls;
  const warn = (message: string, subject?: string): void => onProgress?.({ kind: 'warning', message, ...(subject !== undefined ? { subject } : {}) });
  const list = { pageSize, ...(signal ? { signal } : {}) };

  let names: string[];
  try {
    names = (await client.listRepositories(registry, list)).filter((name) => prefix === '' || name === prefix || name.startsWith(`${prefix}/`));
  } catch (error) {
    // a registry without a catalog (Docker Hub, some clouds) can still be asked about the one repository named
    if (prefix === '' || !(error instanceof FerryError) || !['not-found', 'unauthorized', 'denied'].includes(error.code)) throw error;
    warn(`${error.message.replace(/\.$/, '')}; only the repository ${registry}/${prefix} itself is listed.`, registry);
    names = [prefix];
  }
  names = [...new Set(names)].sort();
  builder.addSource({ kind: 'registry', registry, ...(prefix !== '' ? { prefix } : {}) });
  onProgress?.({ kind: 'phase-start', phase: 'resolve', totalItems: names.length });

  // content-addressed: a manifest read once serves every repository and tag naming it
  const manifests = new Map<string, Promise<ManifestBytes>>();
  const walks = new Map<string, Promise<WalkedImage>>();
  let tagCount = 0;

  await mapLimit(names, concurrency, async (name) => {
    signal?.throwIfAborted();
    const item = `${registry}/${name}`;
    if (!PATH.test(name) || item.length > 255) {
      warn(`${registry} lists the repository "${escapeControl(name.slice(0, 300))}", whose name breaks the reference grammar; it is left out.`, registry);
      return;
    }
    onProgress?.({ kind: 'item-start', phase: 'resolve', item });
    const key = builder.addRepository({ registry, name });
    const read = async (digest: string): Promise<ManifestBytes | undefined> => {
      let known = manifests.get(digest);
      if (!known) {
        known = client.getManifest({ registry, repository: name, digest }, signal ? { signal } : {}).then((m) => ({ mediaType: m.mediaType, bytes: m.bytes }));
        manifests.set(digest, known);
        known.catch(() => manifests.delete(digest));
      }
      try {
        return await known;
      } catch (error) {
        if (error instanceof FerryError && error.code === 'not-found') return undefined;
        throw error;
      }
    };
    const tags = await client.listTags(registry, name, list);
    let listed = 0;
    await mapLimit(tags, concurrency, async (tag) => {
      signal?.throwIfAborted();
      if (!TAG.test(tag)) {
        warn(`${item} has the tag "${escapeControl(tag.slice(0, 200))}", which breaks the reference grammar; it is left out.`, item);
        return;
      }
      let walked: WalkedImage;
      let digest: string;
      try {
        const top = await client.getManifest({ registry, repository: name, tag }, signal ? { signal } : {});
        digest = top.digest;
        let walk = walks.get(digest);
        if (!walk) {
          if (!manifests.has(digest)) manifests.set(digest, Promise.resolve({ mediaType: top.mediaType, bytes: top.bytes }));
          walk = walkImage(top, read, `${item}:${tag}`);
          walks.set(digest, walk);
          walk.catch(() => walks.delete(digest));
        }
        walked = await walk;
      } catch (error) {
        if (!(error instanceof FerryError) || !SKIPPED_TAG_CODES.has(error.code)) throw error;
        warn(`${item}:${tag} is left out: ${error.message}`, `${item}:${tag}`);
        return;
      }
      for (const missing of walked.missing) warn(`${item}:${tag} is an index listing ${missing}, which ${registry} does not hold; the rest is recorded.`, `${item}:${tag}`);
      builder.addTag(key, tag, digest);
      for (const m of walked.manifests) builder.addManifest(key, m);
      for (const [blob, size] of walked.blobs) builder.addBlob(blob, size, key);
      listed++;
    });
    tagCount += listed;
    onProgress?.({ kind: 'item-end', phase: 'resolve', item, detail: `${listed} tag(s)` });
  });
  onProgress?.({ kind: 'phase-end', phase: 'resolve' });
  return { repositories: names.length, tags: tagCount };
}
