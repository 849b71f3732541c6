import { dirname } from 'node:path';
import type { CosignReport } from '../../../shared/verify-report.js';
import { BundleArchive } from '../bundle/bundle-archive.js';
import { inspectBundle } from '../bundle/inspect-bundle.js';
import { summarizeArtifacts, type ArtifactSummary } from './summarize-artifacts.js';
import { loadCosignKeys, verifyCosignSignatures } from './verify-cosign.js';

/** A bundle's carried SBOMs and attestations (by image reference) and, with keys, its cosign verdicts. */
export interface BundleArtifacts {
  artifacts: Map<string, ArtifactSummary[]>;
  cosign?: CosignReport;
}

/**
 * Reads the carried SBOMs and attestations of the bundle in `dir` (folder or its bundle.json) straight from the
 * archive, and checks cosign signatures when keys are given. Undefined when the bundle carries no referrers or its
 * archive cannot be opened (a missing part: `ferry verify` says which); it trusts the bytes, so verify first.
 */
export async function readBundleArtifacts(dir: string, options: { cosignKeys?: string[]; signal?: AbortSignal } = {}): Promise<BundleArtifacts | undefined> {
  const { manifest, path } = await inspectBundle(dir);
  const keys = options.cosignKeys?.length ? await loadCosignKeys(options.cosignKeys) : undefined;
  if (!keys && !manifest.images.some((i) => (i.referrers?.length ?? 0) > 0)) return undefined;
  const archive = await BundleArchive.open([dirname(path)], options.signal ? { signal: options.signal } : {}).catch(() => undefined);
  if (!archive) return undefined;
  try {
    const artifacts = await summarizeArtifacts(manifest, archive);
    return { artifacts, ...(keys ? { cosign: await verifyCosignSignatures(manifest, archive, keys) } : {}) };
  } finally {
    await archive.close();
  }
}
