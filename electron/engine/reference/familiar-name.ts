import { DOCKER_HUB_REGISTRY, OFFICIAL_REPOSITORY_PREFIX, normalizeRegistry } from './docker-hub.js';
import type { ImageReference } from './image-reference.js';

/**
 * The short form docker shows (`nginx:1.27`, `user/app:1`; other registries unchanged), as docker-save writes in `RepoTags`.
 * Mirrors distribution's `FamiliarString`: Docker Hub's host is dropped, and `library/` too for single-component names.
 */
export function familiarName(ref: ImageReference): string {
  let name: string;
  if (normalizeRegistry(ref.registry) === DOCKER_HUB_REGISTRY) {
    name = ref.repository;
    if (name.startsWith(OFFICIAL_REPOSITORY_PREFIX)) {
      const rest = name.slice(OFFICIAL_REPOSITORY_PREFIX.length);
      if (!rest.includes('/')) name = rest;
    }
  } else {
    name = `${ref.registry}/${ref.repository}`;
  }
  return name + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}
