import { normalizeRegistry } from '../reference/docker-hub.js';

/** What a registry pattern may look like: a host (letters, digits, `.`, `-`, `*`) or `[IPv6]`, then an optional `:port` or `:*`. */
const HOST_PATTERN = /^(?:\[[0-9a-fA-F:.*]+\]|[A-Za-z0-9*](?:[A-Za-z0-9.*-]*[A-Za-z0-9*])?)(?::(?:\d{1,5}|\*))?$/;

/** True when `pattern` is a well-formed registry pattern (`registry.corp.example`, `*.corp.example`, `host:5000`). */
export function isHostPattern(pattern: string): boolean {
  return HOST_PATTERN.test(pattern);
}

/**
 * True when a registry (`host[:port]`, as `bundle.json` records it) matches a pattern. Matching is
 * case-insensitive; `*` stands for any run of host characters (`*.corp.example` matches
 * `a.corp.example` and `a.b.corp.example`, not `corp.example`); a pattern without a port matches
 * the host on any port, one with a port only that port. Docker Hub's aliases count as `docker.io`.
 */
export function registryMatches(pattern: string, registry: string): boolean {
  const want = splitHostPort(normalizeRegistry(pattern.toLowerCase()));
  const have = splitHostPort(normalizeRegistry(registry.toLowerCase()));
  if (!globMatches(want.host, have.host)) return false;
  return want.port === undefined || want.port === '*' || want.port === have.port;
}

/** True when `text` matches a glob where `*` stands for any run of characters (and nothing else is special). */
export function globMatches(glob: string, text: string): boolean {
  const source = glob
    .split('*')
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(text);
}

function splitHostPort(registry: string): { host: string; port?: string } {
  const end = registry.startsWith('[') ? registry.indexOf(']') + 1 : 0;
  const colon = registry.indexOf(':', end);
  return colon === -1 ? { host: registry } : { host: registry.slice(0, colon), port: registry.slice(colon + 1) };
}
