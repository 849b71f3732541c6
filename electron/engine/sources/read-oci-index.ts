import { FerryError } from '../errors/ferry-error.js';
import { parseDigest } from '../oci/digest.js';
import { isManifestMediaType } from '../oci/media-types.js';
import type { EntryStore } from './entry-store.js';
import { readSourceJson, type LocalImage } from './local-source.js';

/** The annotation containerd (and Docker 25+, and Ferry) name an image by in full. */
export const CONTAINERD_NAME = 'io.containerd.image.name';
/** The OCI annotation naming an index entry (a tag, or a full reference). */
export const OCI_REF_NAME = 'org.opencontainers.image.ref.name';

/**
 * The images of an OCI image layout (`index.json`, read strictly and bounded): one per entry of its index, named by
 * its annotations. Undefined when the source has no `index.json`; a malformed one is a `bad-usage` error naming the source.
 */
export async function readOciIndex(store: EntryStore): Promise<LocalImage[] | undefined> {
  const doc = await readSourceJson(store, 'index.json');
  if (doc === undefined) return undefined;
  const bad = (why: string): FerryError => new FerryError('bad-usage', `${store.label}: index.json ${why}; it is not an OCI image layout Ferry reads.`, { subject: store.label });
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw bad('is not a JSON object');
  const manifests = (doc as { manifests?: unknown }).manifests;
  if (!Array.isArray(manifests)) throw bad('has no "manifests" list');
  const images: LocalImage[] = [];
  manifests.forEach((m, i) => {
    const d = m as { mediaType?: unknown; digest?: unknown; size?: unknown; annotations?: unknown } | null;
    if (!d || typeof d !== 'object') throw bad(`manifests[${i}] is not a descriptor`);
    if (typeof d.digest !== 'string' || !parseDigest(d.digest)) throw bad(`manifests[${i}] has no valid digest`);
    if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw bad(`manifests[${i}] has no valid size`);
    if (typeof d.mediaType !== 'string') throw bad(`manifests[${i}] has no media type`);
    // entries that are not images (an artifact, a chart) are not images to carry
    if (!isManifestMediaType(d.mediaType)) return;
    const annotations = d.annotations && typeof d.annotations === 'object' && !Array.isArray(d.annotations) ? (d.annotations as Record<string, unknown>) : {};
    const names = [annotations[CONTAINERD_NAME], annotations[OCI_REF_NAME]].filter((n): n is string => typeof n === 'string' && n !== '');
    images.push({ names, top: { digest: d.digest, mediaType: d.mediaType, size: d.size } });
  });
  return images;
}
