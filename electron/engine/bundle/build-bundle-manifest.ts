import { randomUUID } from 'node:crypto';
import {
  BUNDLE_MEDIA_TYPE,
  BUNDLE_SCHEMA_VERSION,
  type ArchivePart,
  type BundleManifest,
  type DeltaRecord,
  type ImageRecord,
} from '../../../shared/bundle-manifest.js';
import { formatPlatform } from '../platform/format-platform.js';
import type { Platform } from '../platform/platform.js';
import { TOOL_VERSION } from '../version.js';
import { ARCHIVE_BASE } from './output-folder.js';
import type { BlobPlan, PlannedBlob } from './plan-blobs.js';
import type { ResolvedImage } from './resolve-image.js';

/** The archive as written: its size, sha256 and parts. */
export interface WrittenArchive {
  parts: ArchivePart[];
  size: number;
  sha256: string;
}

/** What a delta bundle adds to `bundle.json` (`ferry bundle --have`). */
export interface ManifestDelta {
  /** The blobs in the archive (the plan's blobs minus those omitted). */
  carried: PlannedBlob[];
  /** `bundle.json`'s `delta`, when anything is omitted. */
  record?: DeltaRecord;
}

/**
 * Builds `bundle.json`: what a reviewer reads about every image, blob and archive file. An image's size is what it
 * needs in all, whether carried or held offline; `blobs` lists what the archive holds (`delta.carried`).
 */
export function buildBundleManifest(
  images: ResolvedImage[],
  plan: BlobPlan,
  dockerListed: boolean[],
  platforms: Platform[],
  archive: WrittenArchive,
  delta?: ManifestDelta,
): BundleManifest {
  const { blobs, perImage } = plan;
  const carried = delta?.carried ?? blobs;
  const sizeOf = new Map(blobs.map((b) => [b.digest, b.size]));
  const records: ImageRecord[] = images.map((image, i) => {
    const blobsOfImage = perImage[i]!;
    const record: ImageRecord = {
      source: image.source,
      reference: image.reference,
      registry: image.ref.registry,
      repository: image.ref.repository,
      originalDigest: image.originalDigest,
      digest: image.top.digest,
      mediaType: image.top.mediaType,
      asPublished: image.asPublished,
      manifests: image.manifests.map((m) => ({
        digest: m.digest,
        size: m.bytes.length,
        mediaType: m.mediaType,
        ...(m.platform ? { platform: m.platform } : {}),
      })),
      size: [...blobsOfImage.digests].reduce((n, d) => n + (sizeOf.get(d) ?? 0), 0),
      foreignLayers: blobsOfImage.foreign.map((f) => ({
        digest: f.layer.digest,
        size: f.layer.size,
        mediaType: f.layer.mediaType,
        urls: f.layer.urls ?? [],
        carried: f.carried,
      })),
      dockerLoadable: dockerListed[i]!,
    };
    if (image.ref.tag) record.tag = image.ref.tag;
    if (image.referrers) record.referrers = image.referrers.map((r) => r.record);
    if (image.original) record.originalManifest = { digest: image.original.digest, size: image.original.bytes.length, mediaType: image.original.mediaType };
    // the platforms asked for that it lacks: carried without them, so a reviewer sees which nodes cannot run it
    if (image.missingPlatforms && image.missingPlatforms.length > 0) record.missingPlatforms = image.missingPlatforms;
    if (image.requestedPlatforms) record.requestedPlatforms = image.requestedPlatforms;
    return record;
  });
  return {
    schemaVersion: BUNDLE_SCHEMA_VERSION,
    mediaType: BUNDLE_MEDIA_TYPE,
    id: randomUUID(),
    created: new Date().toISOString(),
    tool: { name: 'ferry', version: TOOL_VERSION },
    ...(platforms.length > 0 ? { platforms: platforms.map(formatPlatform) } : {}),
    images: records,
    charts: [],
    files: [],
    blobs: carried.map((b) => ({ digest: b.digest, size: b.size, mediaType: b.mediaType })),
    archive: { name: ARCHIVE_BASE, format: 'oci-layout+docker-archive', size: archive.size, sha256: archive.sha256, parts: archive.parts },
    ...(delta?.record ? { delta: delta.record } : {}),
  };
}
