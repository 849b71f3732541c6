import { FerryError } from '../errors/ferry-error.js';
import type { Descriptor } from '../oci/descriptor.js';
import { digestOf } from '../oci/digest.js';
import { MediaType } from '../oci/media-types.js';
import type { PlannedReferrer } from '../import/plan-import.js';
import { manifestExists, pushManifest } from '../registry/push-manifest.js';
import type { RegistryClient } from '../registry/registry-client.js';
import { referrersApi } from './find-referrers.js';
import { tagSchemaTag } from './referrer-tags.js';

/** Where {@link pushReferrers} puts an image's referrers. */
export interface PushReferrersOptions {
  registry: string;
  repository: string;
  referrers: PlannedReferrer[];
  signal?: AbortSignal;
}

/** What {@link pushReferrers} pushed. */
export interface PushedReferrers {
  manifests: number;
  tags: number;
  /** Referrers tag schema indexes written (targets without the referrers API). */
  indexes: number;
}

/**
 * Pushes carried referrers so the target answers as the source did: every referrer manifest by digest unless the
 * target holds it already (a registry with the referrers API indexes those with a `subject` itself), each cosign
 * tag, and, when the target has no
 * referrers API (distribution 2.8), the referrers tag schema index `sha256-<hex>` of each subject, merged with
 * the one already there. Blobs must be in the repository first.
 */
export async function pushReferrers(client: RegistryClient, options: PushReferrersOptions): Promise<PushedReferrers> {
  const { registry, repository, referrers, signal } = options;
  const done: PushedReferrers = { manifests: 0, tags: 0, indexes: 0 };
  const put = (reference: string, r: { bytes: Buffer; mediaType: string; digest: string }): Promise<void> =>
    client.withHostSlot(registry, signal, () => pushManifest(client, { registry, repository, reference, bytes: r.bytes, mediaType: r.mediaType, digest: r.digest, ...(signal ? { signal } : {}) }));
  const pushed = new Set<string>();
  for (const r of referrers) {
    if (!pushed.has(r.digest)) {
      pushed.add(r.digest);
      const where = { registry, repository, digest: r.digest, mediaType: r.mediaType, ...(signal ? { signal } : {}) };
      if (!(await client.withHostSlot(registry, signal, () => manifestExists(client, where)))) {
        await put(r.digest, r);
        done.manifests++;
      }
    }
    if (r.record.tag !== undefined) {
      await put(r.record.tag, r);
      done.tags++;
    }
  }
  const bySubject = new Map<string, PlannedReferrer[]>();
  for (const r of referrers.filter((x) => x.record.source === 'referrers-api')) bySubject.set(r.record.subject, [...(bySubject.get(r.record.subject) ?? []), r]);
  for (const [subject, list] of bySubject) {
    signal?.throwIfAborted();
    if (await client.withHostSlot(registry, signal, () => referrersApi(client, { registry, repository }, subject, signal))) continue;
    const tag = tagSchemaTag(subject);
    let existing: Descriptor[] = [];
    try {
      const current = await client.getManifest({ registry, repository, tag }, signal ? { signal } : {});
      existing = (JSON.parse(current.bytes.toString('utf8')) as { manifests?: Descriptor[] }).manifests ?? [];
    } catch (error) {
      if (!(error instanceof FerryError && error.code === 'not-found')) throw error;
    }
    const manifests = [...existing];
    for (const r of list) {
      if (manifests.some((d) => d.digest === r.digest)) continue;
      manifests.push(referrerDescriptor(r));
    }
    if (manifests.length === existing.length) continue;
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }));
    await put(tag, { bytes, mediaType: MediaType.ociIndex, digest: digestOf(bytes) });
    done.indexes++;
  }
  return done;
}

/** A referrer's descriptor as the referrers API lists it: media type, digest, size, artifactType and the manifest's annotations. */
export function referrerDescriptor(r: { digest: string; mediaType: string; bytes: Buffer; record: { artifactType?: string } }): Descriptor {
  const doc = JSON.parse(r.bytes.toString('utf8')) as { artifactType?: string; config?: { mediaType?: string }; annotations?: Record<string, string> };
  const artifactType = r.record.artifactType ?? doc.artifactType ?? doc.config?.mediaType;
  return {
    mediaType: r.mediaType,
    digest: r.digest,
    size: r.bytes.length,
    ...(artifactType ? { artifactType } : {}),
    ...(doc.annotations ? { annotations: doc.annotations } : {}),
  };
}
