import type { ImageReference } from '../reference/image-reference.js';

/** `registry/repository[:tag][@digest]`, the way error messages name an image. */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
