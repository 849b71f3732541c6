import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import { createHash } from 'node:crypto';
import type { ArchiveView } from './bundle-set.js';
import { FerryError } from '../errors/ferry-error.js';
import { parseStrictJson } from '../util/parse-strict-json.js';
import { isIndexMediaType, isManifestMediaType } from '../oci/media-types.js';
import type { Descriptor } from '../oci/descriptor.js';
import { referrerDescriptor } from '../referrers/push-referrers.js';

/** What one repository of a served bundle holds: its tags and every digest its images reference. */
export interface ServedRepository {
  name: string;
  /** Tag → the image's digest, as carried. */
  tags: Map<string, string>;
  /** Every manifest and blob digest the repository's images reference and the archive holds. */
  digests: Set<string>;
  /** Subject digest → its OCI referrers (descriptors as the referrers API lists them). */
  referrers: Map<string, Descriptor[]>;
}

/** The repositories of a bundle, and the media type of every manifest it carries. */
export interface RepositoryIndex {
  repositories: Map<string, ServedRepository>;
  /** Manifest digest → its media type (what `Content-Type` says). */
  manifestTypes: Map<string, string>;
  /** Manifests the server makes rather than reads from the archive (referrers tag schema indexes): digest → bytes. */
  madeManifests?: Map<string, Buffer>;
}

interface ManifestJson {
  mediaType?: string;
  manifests?: { digest?: string; mediaType?: string }[];
  config?: { digest?: string };
  layers?: { digest?: string }[];
  blobs?: { digest?: string }[];
  subject?: { digest?: string };
}

/**
 * Builds the repositories served from a bundle: one per `bundle.json` image repository (the source
 * path without the registry host), each with its tags and the set of digests reachable from its
 * images (walking every index and manifest read from the archive), so a blob is served only under
 * a repository whose image references it. Every manifest read is checked against its digest and parsed strictly: one
 * that differs, is not JSON or not a manifest fails with a `damaged` error naming the blob, the image and the bundle.
 */
export async function buildRepositoryIndex(manifest: BundleManifest, archive: ArchiveView): Promise<RepositoryIndex> {
  const recordedTypes = new Map(manifest.blobs.map((b) => [b.digest, b.mediaType]));
  const manifestTypes = new Map<string, string>();
  const repositories = new Map<string, ServedRepository>();
  const reachable = new Map<string, Set<string>>();

  const walk = async (digest: string, hint: string | undefined, image: string): Promise<Set<string>> => {
    const cached = reachable.get(digest);
    if (cached) return cached;
    const found = new Set<string>();
    reachable.set(digest, found);
    if (!archive.has(digest)) return found;
    found.add(digest);
    const parsed = await readManifestJson(archive, digest, image);
    const mediaType = recordedTypes.get(digest) ?? parsed.mediaType ?? hint ?? 'application/vnd.oci.image.manifest.v1+json';
    manifestTypes.set(digest, mediaType);
    const children = [parsed.config, ...(parsed.layers ?? []), ...(parsed.blobs ?? [])];
    for (const child of children) if (child?.digest && archive.has(child.digest)) found.add(child.digest);
    if (isIndexMediaType(mediaType) || parsed.manifests) {
      for (const child of parsed.manifests ?? []) {
        if (!child.digest) continue;
        const type = child.mediaType ?? recordedTypes.get(child.digest);
        if (type && !isManifestMediaType(type)) {
          if (archive.has(child.digest)) found.add(child.digest);
          continue;
        }
        for (const d of await walk(child.digest, type, image)) found.add(d);
      }
    }
    return found;
  };

  for (const image of manifest.images) {
    let repo = repositories.get(image.repository);
    if (!repo) {
      repo = { name: image.repository, tags: new Map(), digests: new Set(), referrers: new Map() };
      repositories.set(image.repository, repo);
    }
    if (image.tag) repo.tags.set(image.tag, image.digest);
    for (const d of await walk(image.digest, image.mediaType, image.reference)) repo.digests.add(d);
    // carried signatures, attestations and SBOMs: cosign tags, and OCI referrers listed by subject
    for (const r of image.referrers ?? []) {
      if (!archive.has(r.digest)) continue;
      for (const d of await walk(r.digest, r.mediaType, image.reference)) repo.digests.add(d);
      if (r.tag !== undefined) repo.tags.set(r.tag, r.digest);
      if (r.source !== 'referrers-api') continue;
      const listed = repo.referrers.get(r.subject) ?? [];
      if (!listed.some((d) => d.digest === r.digest)) listed.push(referrerDescriptor({ digest: r.digest, mediaType: r.mediaType, bytes: await archive.readBlob(r.digest), record: r }));
      repo.referrers.set(r.subject, listed);
    }
  }
  return { repositories, manifestTypes };
}

/** One bundle's index, with what tells bundles apart when they tag the same repository:tag differently. */
export interface BundleIndex {
  id: string;
  /** When the bundle was made (`bundle.json` `created`): the newer wins a tag. */
  created: string;
  index: RepositoryIndex;
}

/**
 * Several bundles served as one registry: repositories, digests, referrers and manifest types together; a tag present in
 * two bundles with different digests is resolved by the newer bundle (`created`; the one given later when equal), each
 * such tag described in `conflicts`.
 */
export function mergeRepositoryIndexes(bundles: readonly BundleIndex[]): { index: RepositoryIndex; conflicts: string[] } {
  const time = (b: BundleIndex): number => {
    const t = Date.parse(b.created);
    return Number.isNaN(t) ? 0 : t;
  };
  const ordered = bundles.map((b, i) => ({ b, i })).sort((x, y) => time(x.b) - time(y.b) || x.i - y.i).map((x) => x.b);
  const repositories = new Map<string, ServedRepository>();
  const manifestTypes = new Map<string, string>();
  const tagOwner = new Map<string, BundleIndex>();
  const conflicts: string[] = [];
  for (const bundle of ordered) {
    for (const [digest, type] of bundle.index.manifestTypes) if (!manifestTypes.has(digest)) manifestTypes.set(digest, type);
    for (const [name, repo] of bundle.index.repositories) {
      let merged = repositories.get(name);
      if (!merged) {
        merged = { name, tags: new Map(), digests: new Set(), referrers: new Map() };
        repositories.set(name, merged);
      }
      for (const d of repo.digests) merged.digests.add(d);
      for (const [subject, list] of repo.referrers) {
        const listed = merged.referrers.get(subject) ?? [];
        for (const d of list) if (!listed.some((x) => x.digest === d.digest)) listed.push(d);
        merged.referrers.set(subject, listed);
      }
      for (const [tag, digest] of repo.tags) {
        const key = `${name}:${tag}`;
        const before = merged.tags.get(tag);
        const owner = tagOwner.get(key);
        if (before !== undefined && before !== digest && owner) {
          conflicts.push(`${key} is ${before} in bundle ${owner.id} (made ${owner.created}) and ${digest} in bundle ${bundle.id} (made ${bundle.created}): serving the newer bundle's, ${digest}.`);
        }
        merged.tags.set(tag, digest);
        tagOwner.set(key, bundle);
      }
    }
  }
  return { index: { repositories, manifestTypes }, conflicts };
}

const ARTIFACT_MANIFEST = 'application/vnd.oci.artifact.manifest.v1+json';

/** A manifest blob read whole, checked against its digest and parsed strictly into the fields the index walks. */
async function readManifestJson(archive: ArchiveView, digest: string, image: string): Promise<ManifestJson> {
  const where = `Manifest blob ${digest} of ${image} in ${archive.sourceOf?.(digest) ?? `the bundle at ${archive.dirs.join(', ')}`}`;
  const fail = (why: string, cause?: unknown): FerryError =>
    new FerryError('damaged', `${where} ${why}; it is not served.`, { subject: digest, hint: 'repair', ...(cause === undefined ? {} : { cause }) });
  const bytes = await archive.readBlob(digest);
  const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (digest.startsWith('sha256:') && actual !== digest) throw fail(`does not match its digest (it hashes to ${actual})`);
  let value: unknown;
  try {
    value = parseStrictJson(bytes);
  } catch (error) {
    throw fail(`is not JSON Ferry reads: ${(error as Error).message}`, error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('is not a manifest: it is not a JSON object');
  const doc = value as Record<string, unknown>;
  const optionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';
  const isDescriptor = (d: unknown): boolean =>
    typeof d === 'object' && d !== null && !Array.isArray(d) && optionalString((d as Record<string, unknown>).digest) && optionalString((d as Record<string, unknown>).mediaType);
  if (!optionalString(doc.mediaType)) throw fail('is not a manifest: its "mediaType" is not a string');
  for (const key of ['manifests', 'layers', 'blobs'] as const) {
    const list = doc[key];
    if (list !== undefined && (!Array.isArray(list) || !list.every(isDescriptor))) throw fail(`is not a manifest: its "${key}" is not a list of descriptors`);
  }
  for (const key of ['config', 'subject'] as const) {
    if (doc[key] !== undefined && !isDescriptor(doc[key])) throw fail(`is not a manifest: its "${key}" is not a descriptor`);
  }
  // OCI and Docker v2 manifests and indexes say schemaVersion 2; the (withdrawn) OCI artifact manifest says only its media type
  if (doc.schemaVersion !== 2 && !(doc.schemaVersion === undefined && doc.mediaType === ARTIFACT_MANIFEST)) {
    throw fail(`is not a manifest: its "schemaVersion" is ${JSON.stringify(doc.schemaVersion) ?? 'missing'}, not 2`);
  }
  return doc as ManifestJson;
}
