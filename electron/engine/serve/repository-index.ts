import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import type { BundleArchive } from '../bundle/bundle-archive.js';
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
 * a repository whose image references it.
 */
export async function buildRepositoryIndex(manifest: BundleManifest, archive: BundleArchive): Promise<RepositoryIndex> {
  const recordedTypes = new Map(manifest.blobs.map((b) => [b.digest, b.mediaType]));
  const manifestTypes = new Map<string, string>();
  const repositories = new Map<string, ServedRepository>();
  const reachable = new Map<string, Set<string>>();

  const walk = async (digest: string, hint: string | undefined): Promise<Set<string>> => {
    const cached = reachable.get(digest);
    if (cached) return cached;
    const found = new Set<string>();
    reachable.set(digest, found);
    if (!archive.has(digest)) return found;
    found.add(digest);
    const parsed = JSON.parse((await archive.readBlob(digest)).toString('utf8')) as ManifestJson;
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
        for (const d of await walk(child.digest, type)) found.add(d);
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
    for (const d of await walk(image.digest, image.mediaType)) repo.digests.add(d);
    // carried signatures, attestations and SBOMs: cosign tags, and OCI referrers listed by subject
    for (const r of image.referrers ?? []) {
      if (!archive.has(r.digest)) continue;
      for (const d of await walk(r.digest, r.mediaType)) repo.digests.add(d);
      if (r.tag !== undefined) repo.tags.set(r.tag, r.digest);
      if (r.source !== 'referrers-api') continue;
      const listed = repo.referrers.get(r.subject) ?? [];
      if (!listed.some((d) => d.digest === r.digest)) listed.push(referrerDescriptor({ digest: r.digest, mediaType: r.mediaType, bytes: await archive.readBlob(r.digest), record: r }));
      repo.referrers.set(r.subject, listed);
    }
  }
  return { repositories, manifestTypes };
}
