import { isForeignLayerMediaType, isManifestMediaType } from '../oci/media-types.js';
import { parseManifest } from '../oci/parse-manifest.js';

/** A manifest's bytes and media type, as read from wherever the image is. */
export interface ManifestBytes {
  mediaType: string;
  bytes: Buffer;
}

/** Reads a child manifest by its descriptor; undefined when the place does not hold it. */
export type ReadManifest = (digest: string, mediaType: string) => Promise<ManifestBytes | undefined>;

/** What an image is made of, as far as its place holds it. */
export interface WalkedImage {
  /** The top manifest and every manifest below it that was found (children of indexes, nested indexes). */
  manifests: string[];
  /** Config and layer blobs with their sizes; foreign (non-distributable) layers left out. */
  blobs: Map<string, number>;
  /** Child manifests an index lists that the place does not hold. */
  missing: string[];
}

/** How deep indexes may nest below the top (an index of indexes is rare; deeper is refused as malformed). */
const MAX_DEPTH = 4;

/**
 * Walks an image from its top manifest: every child manifest of an index (read through `read`), and every image
 * manifest's config and layers, foreign layers left out (a registry does not hold them). Descriptors of an index that
 * are not manifests (an artifact's blob) are skipped; a child the place does not hold is listed in `missing`.
 * Malformed manifests throw (`unsupported-manifest`, naming `subject`).
 */
export async function walkImage(top: { digest: string } & ManifestBytes, read: ReadManifest, subject: string): Promise<WalkedImage> {
  const walked: WalkedImage = { manifests: [], blobs: new Map(), missing: [] };
  const seen = new Set<string>();
  const visit = async (digest: string, manifest: ManifestBytes, depth: number): Promise<void> => {
    seen.add(digest);
    walked.manifests.push(digest);
    const doc = parseManifest(manifest.bytes, manifest.mediaType, subject);
    if (doc.kind === 'manifest') {
      for (const d of [doc.config, ...doc.layers]) if (!isForeignLayerMediaType(d.mediaType)) walked.blobs.set(d.digest, d.size);
      return;
    }
    if (depth >= MAX_DEPTH) return;
    for (const child of doc.manifests) {
      if (seen.has(child.digest) || !isManifestMediaType(child.mediaType)) continue;
      seen.add(child.digest);
      const bytes = await read(child.digest, child.mediaType);
      if (bytes === undefined) walked.missing.push(child.digest);
      else await visit(child.digest, bytes, depth + 1);
    }
  };
  await visit(top.digest, top, 0);
  return walked;
}
