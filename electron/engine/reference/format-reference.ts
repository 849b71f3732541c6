import type { ImageReference } from './image-reference.js';

/** The registry-qualified repository name: `docker.io/library/nginx`, `localhost:5000/team/app`. */
export function repositoryName(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The full form of a reference: `docker.io/library/nginx:1.27`, `host:5000/a/b@sha256:…`, `repo:tag@sha256:…`. */
export function formatReference(ref: ImageReference): string {
  return repositoryName(ref) + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}
