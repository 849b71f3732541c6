import { imageBlobs, type BuiltImage } from './image-builder.js';
import { pushBlob, pushManifest, type PushTarget } from './push.js';

/**
 * Pushes a built image: every non-foreign blob (once), each platform manifest by digest (for an
 * index), then the top-level manifest under `tag`. Returns the top-level digest.
 */
export async function pushImage(target: PushTarget, repo: string, tag: string, image: BuiltImage): Promise<string> {
  for (const blob of imageBlobs(image).values()) {
    if (!blob.foreign) await pushBlob(target, repo, blob.bytes);
  }
  if (image.isIndex) {
    for (const p of image.platforms) await pushManifest(target, repo, p.manifest.digest, p.manifest.bytes, p.manifest.mediaType);
  }
  return pushManifest(target, repo, tag, image.manifest.bytes, image.manifest.mediaType);
}
