import type { DeltaRecord, OmittedBlob } from '../../../shared/bundle-manifest.js';
import { formatBytes } from '../../../shared/format.js';
import { isManifestMediaType } from '../oci/media-types.js';
import type { BlobPlan, PlannedBlob } from './plan-blobs.js';
import type { OfflineHoldings } from './read-holdings.js';
import type { ResolvedImage } from './resolve-image.js';

/** What a bundle carries and what it leaves to the offline side. */
export interface DeltaPlan {
  /** The blobs to fetch and write, in archive order. */
  carried: PlannedBlob[];
  /** The blobs left out because the offline side holds them, in archive order. */
  omitted: OmittedBlob[];
  /** `bundle.json`'s `delta`; undefined when nothing is left out (the bundle is then complete). */
  record?: DeltaRecord;
  bytesCarried: number;
  bytesOmitted: number;
  /** Things to tell the user (nothing in common with a `--have`, sizes that disagree). */
  warnings: string[];
}

/**
 * Splits a bundle's blobs into carried and omitted: a blob the offline side holds with the same size is left out,
 * except manifests and indexes (a delta always carries every manifest, so it can be reviewed, verified and
 * pushed by digest). Each omitted blob names a repository offline that holds it, preferring one whose path is the
 * image's own repository path (or ends with it, under a prefix).
 */
export function planDelta(plan: BlobPlan, images: readonly ResolvedImage[], holdings: OfflineHoldings): DeltaPlan {
  const documents = new Set(images.flatMap((i) => [i.top.digest, ...i.indexes.map((d) => d.digest), ...i.manifests.map((m) => m.digest), ...(i.original ? [i.original.digest] : []), ...(i.referrers ?? []).map((r) => r.record.digest)]));
  const carried: PlannedBlob[] = [];
  const omitted: OmittedBlob[] = [];
  const warnings: string[] = [];
  let bytesCarried = 0;
  let bytesOmitted = 0;
  for (const blob of plan.blobs) {
    const held = holdings.blobs.get(blob.digest);
    const document = documents.has(blob.digest) || isManifestMediaType(blob.mediaType);
    if (held && !document && held.size !== blob.size) {
      warnings.push(`${held.from} records blob ${blob.digest} as ${held.size} bytes, but the images need ${blob.size}: it is carried.`);
    }
    if (!held || document || held.size !== blob.size) {
      carried.push(blob);
      bytesCarried += blob.size;
      continue;
    }
    const repository = pickRepository(held.repositories, blob.images.map((i) => images[i]!.ref.repository));
    omitted.push({ digest: blob.digest, size: blob.size, mediaType: blob.mediaType, ...(repository !== undefined ? { repository } : {}) });
    bytesOmitted += blob.size;
  }
  const paths = holdings.bases.map((b) => b.path).join(', ');
  if (holdings.bases.length > 0 && omitted.length === 0) {
    warnings.push(`Nothing these images need is held offline according to ${paths}: the bundle carries everything (${formatBytes(bytesCarried)}) and is not a delta.`);
  }
  const record = omitted.length > 0 ? { against: holdings.bases.map((b) => b.base), omitted } : undefined;
  return { carried, omitted, ...(record ? { record } : {}), bytesCarried, bytesOmitted, warnings };
}

/** The repository to record for an omitted blob: the image's own path, else one ending with it, else the first by name. */
function pickRepository(held: ReadonlySet<string>, wanted: readonly string[]): string | undefined {
  if (held.size === 0) return undefined;
  for (const repository of wanted) if (held.has(repository)) return repository;
  const sorted = [...held].sort();
  for (const repository of wanted) {
    const under = sorted.find((r) => r.endsWith(`/${repository}`));
    if (under) return under;
  }
  return sorted[0];
}
