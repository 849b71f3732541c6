import type { BundleManifest, DeltaBase } from '../../../shared/bundle-manifest.js';
import { describeDeltaBase } from '../../../shared/delta.js';
import { formatBytes } from '../../../shared/format.js';

/**
 * Why a delta alone cannot be loaded, and what to do instead: the one wording inspect, the HTML report and the
 * warnings use.
 */
export const DELTA_NOT_LOADABLE =
  'A delta alone is not loadable by docker load or ctr import: its archive lacks the blobs the offline side already holds. ' +
  'Import it on top of its base: into a registry that holds them, or to an images folder or containerd together with the earlier bundles it was made against.';

/** What a delta bundle carries and relies on, for people. */
export interface DeltaSummary {
  against: DeltaBase[];
  /** One line per base (`bundle 5f0c… (bundle.json sha256 9a1b…), made …`). */
  againstText: string[];
  blobsCarried: number;
  bytesCarried: number;
  blobsOmitted: number;
  bytesOmitted: number;
  /** Images docker load cannot take from this archive alone (`dockerLoadable: false`). */
  notLoadable: string[];
  /** One sentence: "a delta against …: carries X of Y; Z held offline". */
  headline: string;
}

export { describeDeltaBase };

/** Summarizes a bundle's `delta`; undefined for a complete bundle. */
export function describeDelta(manifest: BundleManifest): DeltaSummary | undefined {
  const delta = manifest.delta;
  if (!delta) return undefined;
  const bytesCarried = manifest.blobs.reduce((n, b) => n + b.size, 0);
  const bytesOmitted = delta.omitted.reduce((n, b) => n + b.size, 0);
  const againstText = delta.against.map(describeDeltaBase);
  const n = delta.omitted.length;
  return {
    against: delta.against,
    againstText,
    blobsCarried: manifest.blobs.length,
    bytesCarried,
    blobsOmitted: n,
    bytesOmitted,
    notLoadable: manifest.images.filter((i) => !i.dockerLoadable).map((i) => i.reference),
    headline:
      `A delta against ${againstText.join('; ')}: carries ${formatBytes(bytesCarried)} of ${formatBytes(bytesCarried + bytesOmitted)}; ` +
      `relies on ${n} blob${n === 1 ? '' : 's'} (${formatBytes(bytesOmitted)}) held offline.`,
  };
}
