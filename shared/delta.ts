import type { BundleManifest, DeltaBase } from './bundle-manifest.js';

/** Describes one base of a delta in a line: its kind, id or sha256, signer and date. */
export function describeDeltaBase(base: DeltaBase): string {
  const what = base.kind === 'bundle' ? `bundle ${base.bundleId ?? '(no id)'} (bundle.json sha256 ${base.sha256.slice(0, 16)}…)` : `inventory sha256 ${base.sha256.slice(0, 16)}…`;
  return `${what}${base.signer ? `, signed by key ${base.signer.slice(0, 16)}` : ''}${base.created ? `, made ${base.created}` : ''}`;
}

/** What a delta bundle carries and relies on, in numbers (undefined for a complete bundle). */
export interface DeltaNumbers {
  blobsCarried: number;
  bytesCarried: number;
  /** Blobs the offline side holds, left out of the archive. */
  blobsHeld: number;
  bytesHeld: number;
}

/** Counts a bundle's carried and held-offline blobs; undefined for a complete bundle. */
export function deltaNumbers(manifest: Pick<BundleManifest, 'blobs' | 'delta'>): DeltaNumbers | undefined {
  if (!manifest.delta) return undefined;
  return {
    blobsCarried: manifest.blobs.length,
    bytesCarried: manifest.blobs.reduce((n, b) => n + b.size, 0),
    blobsHeld: manifest.delta.omitted.length,
    bytesHeld: manifest.delta.omitted.reduce((n, b) => n + b.size, 0),
  };
}
