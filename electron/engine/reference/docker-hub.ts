/** The registry name docker gives Docker Hub in normalized references. */
export const DOCKER_HUB_REGISTRY = 'docker.io';

/** The host that actually serves Docker Hub's registry API. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

/** The Docker Hub namespace that holds official images (`nginx` is `library/nginx`). */
export const OFFICIAL_REPOSITORY_PREFIX = 'library/';

/** Other names people use for Docker Hub, all normalized to `docker.io`. */
const DOCKER_HUB_ALIASES = new Set([DOCKER_HUB_REGISTRY, 'index.docker.io', DOCKER_HUB_API_HOST]);

/** The registry name with Docker Hub's aliases (`index.docker.io`, `registry-1.docker.io`) folded into `docker.io`. */
export function normalizeRegistry(registry: string): string {
  return DOCKER_HUB_ALIASES.has(registry.toLowerCase()) ? DOCKER_HUB_REGISTRY : registry;
}

/** The host to send registry API requests to: `docker.io` becomes `registry-1.docker.io`, others are unchanged. */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB_REGISTRY ? DOCKER_HUB_API_HOST : registry;
}
