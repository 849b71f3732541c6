import { isIPv6 } from 'node:net';
import { FerryError } from '../errors/ferry-error.js';
import { DOCKER_HUB_REGISTRY, OFFICIAL_REPOSITORY_PREFIX, normalizeRegistry } from './docker-hub.js';
import type { ImageReference } from './image-reference.js';

// The grammar of distribution's `reference` package (reference/regexp.go), split up so errors can say what is wrong.
//   reference        := name [ ":" tag ] [ "@" digest ]
//   name             := [domain '/'] path-component ['/' path-component]*
//   domain           := (domain-name | "[" IPv6address "]") [":" port-number]
//   domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
//   path-component   := /[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*/
//   tag              := /[\w][\w.-]{0,127}/
//   digest           := algorithm ":" hex      (Ferry accepts only sha256 with 64 lowercase hex digits)

/** Longest `registry/repository` distribution accepts (NameTotalLengthMax). */
const MAX_NAME_LENGTH = 255;
/** Longest tag the grammar allows. */
const MAX_TAG_LENGTH = 128;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = new RegExp(`^${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*$`);
const IPV6_CHARS = /^[a-fA-F0-9:]+$/;
const PORT = /^[0-9]+$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const PATH_CHARS = /^[a-z0-9._-]+$/;
const TAG = /^\w[\w.-]*$/;
const TAG_CHARS = /^[\w.-]+$/;
const DIGEST_ALGORITHM = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*$/;
const SHA256_HEX = /^[a-f0-9]{64}$/;
const ANY_HEX = /^[a-fA-F0-9]+$/;
/** A bare image ID, which docker refuses to read as a repository name. */
const IMAGE_ID = /^[a-f0-9]{64}$/;

/**
 * Parses an image reference the way docker does (distribution's `ParseNormalizedNamed` plus `TagNameOnly`).
 * `nginx` is `docker.io/library/nginx:latest`; the first path component names a registry only when it holds
 * `.` or `:` or is `localhost`. Throws FerryError('bad-reference') naming the reference and the reason.
 */
export function parseReference(input: string): ImageReference {
  const text = input.trim();
  const fail = (why: string): FerryError =>
    new FerryError('bad-reference', `invalid image reference "${text}": ${why}`, { subject: text });

  if (text === '') throw fail('the reference is empty');
  if (/\s/.test(text)) throw fail('it must not contain whitespace');
  if (IMAGE_ID.test(text)) throw fail('a 64-character hex string is an image ID, not a repository name');

  let rest = text;
  let digest: string | undefined;
  const at = text.indexOf('@');
  if (at !== -1) {
    rest = text.slice(0, at);
    digest = text.slice(at + 1);
    const why = digestProblem(digest);
    if (why !== undefined) throw fail(why);
  }

  let name = rest;
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    name = rest.slice(0, colon);
    tag = rest.slice(colon + 1);
    const why = tagProblem(tag);
    if (why !== undefined) throw fail(why);
  }
  if (name === '') throw fail('the repository name is missing');

  let registry = DOCKER_HUB_REGISTRY;
  let repository = name;
  const slash = name.indexOf('/');
  if (slash !== -1) {
    const first = name.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      const why = registryProblem(first);
      if (why !== undefined) throw fail(why);
      registry = normalizeRegistry(first);
      repository = name.slice(slash + 1);
    }
  }

  if (repository !== repository.toLowerCase()) throw fail('repository name must be lowercase');
  const why = repositoryProblem(repository);
  if (why !== undefined) throw fail(why);
  if (registry === DOCKER_HUB_REGISTRY && !repository.includes('/')) repository = OFFICIAL_REPOSITORY_PREFIX + repository;

  const fullName = `${registry}/${repository}`;
  if (fullName.length > MAX_NAME_LENGTH) {
    throw fail(`the name "${fullName}" is ${fullName.length} characters long; the limit is ${MAX_NAME_LENGTH}`);
  }

  const ref: ImageReference = { registry, repository };
  if (tag !== undefined) ref.tag = tag;
  else if (digest === undefined) ref.tag = 'latest';
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/**
 * Why a registry (`host[:port]`, a reference's domain) breaks the reference grammar, or undefined when it is
 * fine: what {@link parseReference} checks, for a registry given alone (a bundle's `images[].registry`).
 */
export function registryProblem(registry: string): string | undefined {
  let host: string;
  let port: string | undefined;
  if (registry.startsWith('[')) {
    const close = registry.indexOf(']');
    if (close === -1) return `registry "${registry}" has an unclosed '[' around its IPv6 address`;
    host = registry.slice(0, close + 1);
    const after = registry.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return `registry "${registry}" has unexpected text after its IPv6 address`;
      port = after.slice(1);
    }
    const address = host.slice(1, -1);
    if (!IPV6_CHARS.test(address) || !isIPv6(address)) return `registry host "${host}" is not a valid IPv6 address`;
  } else {
    // an IPv6 address has two colons or more (and net.isIPv6's first call costs milliseconds of regex compiling)
    if (registry.indexOf(':') !== registry.lastIndexOf(':') && (isIPv6(registry) || isIPv6(registry.slice(0, registry.lastIndexOf(':'))))) {
      return `registry "${registry}" looks like an IPv6 address; put it in brackets, e.g. "[::1]:5000"`;
    }
    const colon = registry.indexOf(':');
    host = colon === -1 ? registry : registry.slice(0, colon);
    if (colon !== -1) port = registry.slice(colon + 1);
    if (host === '') return `registry "${registry}" has no host name`;
    if (host.includes(']')) return `registry "${registry}" has a ']' without '['`;
    if (!DOMAIN_NAME.test(host)) {
      return `registry host "${host}" is not a valid host name (dot-separated letters, digits and inner hyphens)`;
    }
  }
  if (port !== undefined) {
    if (port === '') return `registry "${registry}" has an empty port`;
    if (!PORT.test(port)) return `registry port "${port}" is not a number`;
    const value = Number(port);
    if (value < 1 || value > 65535) return `registry port "${port}" is outside 1-65535`;
  }
  return undefined;
}

/** Why a repository path breaks the grammar, or undefined when it is fine. */
function repositoryProblem(repository: string): string | undefined {
  if (repository === '') return 'the repository name is missing';
  for (const component of repository.split('/')) {
    if (component === '') return `repository path "${repository}" has an empty component`;
    if (PATH_COMPONENT.test(component)) continue;
    if (!PATH_CHARS.test(component)) {
      return `repository path component "${component}" may contain only lowercase letters, digits, '.', '_' and '-'`;
    }
    if (/^[._-]|[._-]$/.test(component)) {
      return `repository path component "${component}" must start and end with a letter or digit`;
    }
    return `repository path component "${component}" has an invalid separator (use '.', '_', '__' or dashes between letters and digits)`;
  }
  return undefined;
}

/** Why a tag breaks the grammar, or undefined when it is fine. */
function tagProblem(tag: string): string | undefined {
  if (tag === '') return 'the tag after ":" is empty';
  if (tag.length > MAX_TAG_LENGTH) return `the tag is ${tag.length} characters long; the limit is ${MAX_TAG_LENGTH}`;
  if (TAG.test(tag)) return undefined;
  if (!TAG_CHARS.test(tag)) return `tag "${tag}" may contain only letters, digits, '_', '.' and '-'`;
  return `tag "${tag}" must start with a letter, digit or '_'`;
}

/** Why a digest is not a sha256 digest Ferry accepts, or undefined when it is fine. */
function digestProblem(digest: string): string | undefined {
  if (digest === '') return 'the digest after "@" is empty';
  if (digest.includes('@')) return 'it has more than one "@"';
  const colon = digest.indexOf(':');
  if (colon === -1) return `digest "${digest}" must have the form sha256:<64 hex digits>`;
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (algorithm !== 'sha256') {
    if (!DIGEST_ALGORITHM.test(algorithm)) return `digest "${digest}" must have the form sha256:<64 hex digits>`;
    return `digest algorithm "${algorithm}" is not supported; only sha256 is`;
  }
  if (SHA256_HEX.test(hex)) return undefined;
  if (hex === '') return 'the sha256 digest has no hex digits';
  if (!ANY_HEX.test(hex)) return 'the sha256 digest must be hex digits (0-9, a-f)';
  if (hex.length !== 64) return `the sha256 digest must have 64 hex digits, not ${hex.length}`;
  return 'the sha256 digest must be lowercase hex';
}
