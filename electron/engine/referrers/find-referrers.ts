import type { ReferrerRecord } from '../../../shared/bundle-manifest.js';
import { FerryError } from '../errors/ferry-error.js';
import type { Descriptor } from '../oci/descriptor.js';
import { MediaType } from '../oci/media-types.js';
import { parseManifest } from '../oci/parse-manifest.js';
import type { ImageReference } from '../reference/image-reference.js';
import type { RegistryClient } from '../registry/registry-client.js';
import { readCappedBody } from '../registry/read-capped-body.js';
import { discard } from '../registry/send-with-retries.js';
import { referrerKind } from './referrer-kind.js';
import { cosignTag, COSIGN_SUFFIXES, tagSchemaTag } from './referrer-tags.js';

/** A referrer found on the source registry: its record for bundle.json, its manifest bytes, and the blobs it needs. */
export interface CarriedReferrer {
  record: ReferrerRecord;
  bytes: Buffer;
  /** Config and layers of the referrer manifest (an index referrer carries no blobs of its own here). */
  blobs: Descriptor[];
}

/**
 * Finds what refers to each subject digest in the image's repository: cosign tags
 * (`sha256-<hex>.sig`, `.att`, `.sbom`) and OCI 1.1 referrers (`GET /v2/<name>/referrers/<digest>`, or the
 * referrers tag schema `sha256-<hex>` index when the registry does not offer the API). Each is carried once.
 */
export async function findReferrers(client: RegistryClient, ref: ImageReference, subjects: string[], signal?: AbortSignal): Promise<CarriedReferrer[]> {
  const found = new Map<string, CarriedReferrer>();
  const repo = { registry: ref.registry, repository: ref.repository };
  const fetch = async (reference: { tag?: string; digest?: string }): Promise<{ digest: string; mediaType: string; bytes: Buffer } | undefined> => {
    try {
      return await client.getManifest({ ...repo, ...reference }, signal ? { signal } : {});
    } catch (error) {
      if (error instanceof FerryError && error.code === 'not-found') return undefined;
      throw error;
    }
  };
  const carry = (subject: string, fetched: { digest: string; mediaType: string; bytes: Buffer }, source: ReferrerRecord['source'], tag: string | undefined, hint: string | undefined): void => {
    const key = `${subject} ${fetched.digest} ${tag ?? ''}`;
    if (found.has(key)) return;
    const doc = parseManifest(fetched.bytes, fetched.mediaType, `${ref.registry}/${ref.repository}@${fetched.digest}`);
    const raw = doc.raw as { artifactType?: unknown };
    const artifactType = typeof raw.artifactType === 'string' ? raw.artifactType : hint;
    const blobs = doc.kind === 'manifest' ? [doc.config, ...doc.layers] : [];
    const record: ReferrerRecord = {
      kind: referrerKind(tag, artifactType ?? (doc.kind === 'manifest' ? doc.config.mediaType : undefined), blobs),
      subject,
      digest: fetched.digest,
      mediaType: fetched.mediaType,
      ...(artifactType ? { artifactType } : {}),
      size: fetched.bytes.length,
      ...(tag ? { tag } : {}),
      source,
    };
    found.set(key, { record, bytes: fetched.bytes, blobs });
  };

  for (const subject of subjects) {
    for (const suffix of COSIGN_SUFFIXES) {
      const tag = cosignTag(subject, suffix);
      const fetched = await fetch({ tag });
      if (fetched) carry(subject, fetched, 'tag', tag, undefined);
    }
    const listed = (await referrersApi(client, ref, subject, signal)) ?? (await fetch({ tag: tagSchemaTag(subject) }));
    if (!listed) continue;
    const index = parseManifest(listed.bytes, listed.mediaType || MediaType.ociIndex, `${ref.registry}/${ref.repository} referrers of ${subject}`);
    if (index.kind !== 'index') continue;
    for (const d of index.manifests) {
      const fetched = await fetch({ digest: d.digest });
      if (fetched) carry(subject, fetched, 'referrers-api', undefined, (d as { artifactType?: string }).artifactType);
    }
  }
  return [...found.values()];
}

/** `GET /v2/<name>/referrers/<digest>`: the index, or undefined when the registry does not offer the API. */
export async function referrersApi(client: RegistryClient, ref: ImageReference, subject: string, signal: AbortSignal | undefined): Promise<{ mediaType: string; bytes: Buffer } | undefined> {
  const { response } = await client.send({
    registry: ref.registry,
    repository: ref.repository,
    method: 'GET',
    url: `/v2/${ref.repository}/referrers/${subject}`,
    headers: { accept: MediaType.ociIndex },
    subject: `${ref.registry}/${ref.repository}@${subject}`,
    action: `listing the referrers of ${subject}`,
    ...(signal ? { signal } : {}),
  });
  const type = String(response.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (response.statusCode !== 200 || type !== MediaType.ociIndex) {
    await discard(response);
    return undefined;
  }
  const bytes = await readCappedBody(response, 4 * 1024 * 1024);
  if (!bytes) return undefined;
  return { mediaType: MediaType.ociIndex, bytes };
}
