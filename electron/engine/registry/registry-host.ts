/** Hosts the registry API is reached at, and host-name helpers shared by the registry client. */
import { DOCKER_HUB_REGISTRY, normalizeRegistry, registryApiHost } from '../reference/docker-hub.js';

/** The host[:port] that serves the registry API for a registry as users name it (`docker.io` → `registry-1.docker.io`). */
export function apiHostFor(registry: string): string {
  return registryApiHost(normalizeRegistry(normalizeHost(registry)));
}

/** Lower-cases a `host[:port]` and drops a trailing slash so it can be compared. */
export function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\/+$/, '');
}

/** True for Docker Hub under any of its names. */
export function isDockerHub(registry: string): boolean {
  return normalizeRegistry(normalizeHost(registry)) === DOCKER_HUB_REGISTRY;
}

/** True when the host name of a URL is a loopback name or address (never proxied, like docker). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (/^::ffff:127\./.test(h)) return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
