import { formatPlatform } from '../platform/format-platform.js';
import { platformMatches } from '../platform/match-platform.js';
import { parsePlatform } from '../platform/parse-platform.js';
import { parseReference } from '../reference/parse-reference.js';
import type { RegistryClient } from '../registry/registry-client.js';
import { isForeignLayer, resolveImage } from './resolve-image.js';

/** What the app shows for one image before it is bundled. */
export interface ImageDescription {
  /** The reference in full (`docker.io/library/nginx:latest`). */
  reference: string;
  /** Digest of what the registry publishes under it (index or manifest). */
  digest: string;
  mediaType: string;
  /** Every platform published (`linux/amd64`, `windows/amd64:10.0.20348.2340`). */
  platforms: string[];
  /** Bytes of the distinct configs and layers of every platform (foreign layers excluded: they are not carried by default). */
  compressedSize: number;
  /** Bytes of the Windows foreign layers, carried only with `includeForeignLayers`. */
  foreignSize: number;
}

/**
 * Resolves one reference the way `createBundle` will (same parser, same resolution, every platform)
 * and sums what it would carry: the app's live row for an image.
 */
export async function describeImage(source: string, client: RegistryClient, signal?: AbortSignal): Promise<ImageDescription> {
  const ref = parseReference(source);
  const resolved = await resolveImage(source, ref, { client, platforms: [], ...(signal ? { signal } : {}) });
  const blobs = new Map<string, { size: number; foreign: boolean }>();
  for (const m of resolved.manifests) {
    blobs.set(m.config.digest, { size: m.config.size, foreign: false });
    for (const layer of m.layers) blobs.set(layer.digest, { size: layer.size, foreign: isForeignLayer(layer) });
  }
  let compressedSize = 0;
  let foreignSize = 0;
  for (const b of blobs.values()) {
    if (b.foreign) foreignSize += b.size;
    else compressedSize += b.size;
  }
  const platforms = [...new Set(resolved.manifests.flatMap((m) => (m.platform ? [formatPlatform(m.platform)] : [])))];
  return { reference: resolved.reference, digest: resolved.originalDigest, mediaType: resolved.originalMediaType, platforms, compressedSize, foreignSize };
}

/**
 * For each image (the platforms it publishes) and the platforms wanted for it, the wanted ones it
 * lacks, by the same matching `createBundle` uses (`linux/arm64` ≡ `linux/arm64/v8`, a Windows
 * build matches by prefix). Throws FerryError('bad-platform') for a wanted platform that does not parse.
 */
export function missingPlatforms(rows: { wanted: string[]; available: string[] }[]): string[][] {
  return rows.map(({ wanted, available }) => {
    const have = available.map(parsePlatform);
    return wanted.filter((w) => {
      const want = parsePlatform(w);
      return !have.some((h) => platformMatches(want, h));
    });
  });
}
