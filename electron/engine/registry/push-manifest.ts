import { digestOf } from '../oci/digest.js';
import { FerryError } from '../errors/ferry-error.js';
import { checkContentDigest, pushStatusError, type PushStatusContext } from './push-status-error.js';
import { SUPPORTED_MANIFEST_TYPES } from './manifest-media-types.js';
import type { RegistryClient } from './registry-client.js';
import { discard } from './send-with-retries.js';

/** What {@link pushManifest} puts. */
export interface PushManifestOptions {
  registry: string;
  repository: string;
  /** A tag, or the manifest's digest (push by digest). */
  reference: string;
  /** The manifest's exact bytes (sent as they are, so the digest is unchanged). */
  bytes: Buffer;
  mediaType: string;
  /** The digest the bytes must have; checked before sending and against the registry's `Docker-Content-Digest`. */
  digest: string;
  signal?: AbortSignal;
}

/**
 * `PUT /v2/NAME/manifests/REFERENCE` with the manifest's exact bytes and media type. Every blob and child manifest it
 * references must be in the repository first (registries refuse it otherwise).
 */
export async function pushManifest(client: RegistryClient, options: PushManifestOptions): Promise<void> {
  const { registry, repository, reference, bytes, mediaType, digest, signal } = options;
  const subject = `${registry}/${repository}${reference.includes(':') ? '@' : ':'}${reference}`;
  const ctx: PushStatusContext = { registry, repository, what: `manifest ${reference}`, subject };
  if (digestOf(bytes) !== digest) {
    throw new FerryError('digest-mismatch', `The manifest meant for ${subject} does not have digest ${digest}; the bundle is damaged.`, { subject });
  }
  const { response } = await client.send({
    registry,
    repository,
    method: 'PUT',
    url: `/v2/${repository}/manifests/${reference}`,
    headers: { 'content-type': mediaType },
    body: bytes,
    push: true,
    subject,
    action: `pushing manifest ${reference} to ${registry}/${repository}`,
    ...(signal ? { signal } : {}),
  });
  if (response.statusCode !== 201 && response.statusCode !== 200) throw await pushStatusError(client, response, ctx);
  checkContentDigest(response, digest, ctx);
  await discard(response);
}

/** `HEAD /v2/NAME/manifests/DIGEST`: true when the repository already holds that manifest. */
export async function manifestExists(client: RegistryClient, options: { registry: string; repository: string; digest: string; mediaType: string; signal?: AbortSignal }): Promise<boolean> {
  const { registry, repository, digest, mediaType, signal } = options;
  const subject = `${registry}/${repository}@${digest}`;
  const { response } = await client.send({
    registry,
    repository,
    method: 'HEAD',
    url: `/v2/${repository}/manifests/${digest}`,
    headers: { accept: mediaType },
    push: true,
    subject,
    action: `checking manifest ${digest} on ${registry}/${repository}`,
    ...(signal ? { signal } : {}),
  });
  await discard(response);
  if (response.statusCode === 200) return true;
  if (response.statusCode === 404) return false;
  throw await pushStatusError(client, response, { registry, repository, what: `manifest ${digest}`, subject });
}

/**
 * `HEAD /v2/NAME/manifests/TAG`: the digest the registry answers for a tag (`Docker-Content-Digest`), or undefined when
 * the tag does not exist or the registry does not say (then the tag is simply put).
 */
export async function taggedDigest(client: RegistryClient, options: { registry: string; repository: string; tag: string; mediaType: string; signal?: AbortSignal }): Promise<string | undefined> {
  const { registry, repository, tag, mediaType, signal } = options;
  const subject = `${registry}/${repository}:${tag}`;
  const { response } = await client.send({
    registry,
    repository,
    method: 'HEAD',
    url: `/v2/${repository}/manifests/${tag}`,
    // the manifest's own type first: a registry must not convert it to answer
    headers: { accept: [mediaType, ...SUPPORTED_MANIFEST_TYPES.filter((t) => t !== mediaType)].join(', ') },
    push: true,
    subject,
    action: `checking tag ${tag} on ${registry}/${repository}`,
    ...(signal ? { signal } : {}),
  });
  await discard(response);
  if (response.statusCode === 404) return undefined;
  if (response.statusCode !== 200) throw await pushStatusError(client, response, { registry, repository, what: `tag ${tag}`, subject });
  const header = response.headers['docker-content-digest'];
  const digest = Array.isArray(header) ? header[0] : header;
  return typeof digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(digest.trim()) ? digest.trim() : undefined;
}
