import { describeImage, type ImageDescription } from '../bundle/describe-image.js';
import { isForeignLayer, resolveImage } from '../bundle/resolve-image.js';
import { formatPlatform } from '../platform/format-platform.js';
import { formatReference } from '../reference/format-reference.js';
import type { RegistryClient } from '../registry/registry-client.js';
import { openBundleSources } from './bundle-sources.js';
import { isLocalSourceName } from './source-name.js';

/**
 * The app's live row for what the user typed: a registry reference as {@link describeImage} resolves it, or a local
 * source (`docker-archive:`, `oci-archive:`, `oci:`, `docker-daemon:`) opened and resolved the way `createBundle` will.
 * A source holding several images (an archive without REF) is one row: their names, the first one's digest, every
 * platform and the distinct bytes of them all.
 */
export async function describeSource(source: string, client: RegistryClient, signal?: AbortSignal): Promise<ImageDescription> {
  if (!isLocalSourceName(source)) return describeImage(source, client, signal);
  const opened = await openBundleSources([source], signal ? { signal } : {});
  try {
    const router = opened.router(client);
    const blobs = new Map<string, { size: number; foreign: boolean }>();
    const platforms = new Set<string>();
    const names: string[] = [];
    let first: { digest: string; mediaType: string } | undefined;
    for (const image of opened.images) {
      const resolved = await resolveImage(image.source, image.ref, { client: router, platforms: [], ...(signal ? { signal } : {}) });
      names.push(formatReference(image.ref));
      first ??= { digest: resolved.originalDigest, mediaType: resolved.originalMediaType };
      for (const m of resolved.manifests) {
        blobs.set(m.config.digest, { size: m.config.size, foreign: false });
        for (const layer of m.layers) blobs.set(layer.digest, { size: layer.size, foreign: isForeignLayer(layer) });
        if (m.platform) platforms.add(formatPlatform(m.platform));
      }
    }
    let compressedSize = 0;
    let foreignSize = 0;
    for (const b of blobs.values()) {
      if (b.foreign) foreignSize += b.size;
      else compressedSize += b.size;
    }
    return { reference: names.join(', '), digest: first!.digest, mediaType: first!.mediaType, platforms: [...platforms], compressedSize, foreignSize };
  } finally {
    await opened.close();
  }
}
