import { digestOf } from '../oci/digest.js';
import { MediaType } from '../oci/media-types.js';
import { tagSchemaTag } from '../referrers/referrer-tags.js';
import type { RepositoryIndex } from './repository-index.js';

/**
 * Adds, to every served repository, the OCI referrers tag schema index `sha256-<hex>` of each subject that has carried
 * OCI referrers — the very bytes `ferry import` pushes to a registry without the referrers API (distribution 2.8): an
 * OCI index listing the referrers' descriptors in carried order. A client without the referrers API (or one that falls
 * back to the tag schema) finds them as it would on that registry. A tag the bundle already carries is left as it is.
 * The made indexes go to `index.madeManifests` (digest → bytes), tagged and typed like carried manifests.
 */
export function addTagSchemaIndexes(index: RepositoryIndex): void {
  const made = (index.madeManifests ??= new Map());
  for (const repo of index.repositories.values()) {
    for (const [subject, manifests] of repo.referrers) {
      const tag = tagSchemaTag(subject);
      if (manifests.length === 0 || repo.tags.has(tag)) continue;
      const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }));
      const digest = digestOf(bytes);
      made.set(digest, bytes);
      index.manifestTypes.set(digest, MediaType.ociIndex);
      repo.tags.set(tag, digest);
      repo.digests.add(digest);
    }
  }
}
