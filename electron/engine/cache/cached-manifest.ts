import { formatReference } from '../reference/format-reference.js';
import type { ImageReference } from '../reference/image-reference.js';
import type { FetchedManifest } from '../registry/registry-client.js';
import { MAX_MANIFEST_BYTES } from '../registry/registry-client.js';
import { verifyManifest } from '../registry/verify-manifest.js';
import type { ImageSourceClient } from '../sources/image-source-client.js';
import type { BlobCache } from './blob-cache.js';

/**
 * A manifest through the cache when `ref` pins a digest (content-addressed: the same bytes for ever): a cached copy is
 * verified again as the registry's would be (digest, JSON, supported type, no schema 1) and a damaged one dropped;
 * otherwise it is fetched and kept. By tag it is always asked of the registry: tags move.
 *
 * Only a manifest whose media type its own JSON gives (what a cached copy's type is read from) is kept, so a cached
 * copy answers with the type the registry did. `size`, when known (an index entry's), must match too.
 */
export async function getManifestThroughCache(
  client: ImageSourceClient,
  cache: BlobCache | undefined,
  ref: ImageReference,
  options: { size?: number; signal?: AbortSignal } = {},
): Promise<FetchedManifest> {
  const { signal } = options;
  if (!cache || ref.digest === undefined) return client.getManifest(ref, { signal });
  const subject = formatReference(ref);
  const cached = await cache.readVerified(ref.digest, options.size, MAX_MANIFEST_BYTES);
  if (cached) {
    const fromCache = asManifest(cached, ref, subject);
    if (fromCache) return fromCache;
    await cache.remove(ref.digest);
  }
  const fetched = await client.getManifest(ref, { signal });
  if (fetched.digest === ref.digest && asManifest(fetched.bytes, ref, subject)?.mediaType === fetched.mediaType) await cache.put(fetched.digest, fetched.bytes);
  return fetched;
}

function asManifest(bytes: Buffer, ref: ImageReference, subject: string): FetchedManifest | undefined {
  try {
    return verifyManifest({ bytes, contentType: undefined, headerDigest: undefined, expectedDigest: ref.digest, subject, registry: ref.registry });
  } catch {
    return undefined;
  }
}
