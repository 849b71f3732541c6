import type { BundleArchive } from '../bundle/bundle-archive.js';
import type { ImportTarget, MapRule } from '../import/map-repository.js';
import { pushBlob } from '../registry/blob-upload.js';
import { manifestExists, pushManifest } from '../registry/push-manifest.js';
import type { RegistryClient } from '../registry/registry-client.js';
import { readArchivedChart } from './chart-artifact.js';
import { mapChart } from './map-chart.js';

/** Where one chart went. */
export interface PushedChart {
  name: string;
  version: string;
  /** `HOST/PREFIX/charts/NAME:VERSION` (`helm pull oci://HOST/PREFIX/charts/NAME --version VERSION`), or where a `--map` rule put it. */
  target: string;
  digest: string;
  /** The `--map` rule that chose the repository, as written. */
  rule?: string;
}

/** The target repository of a chart: `PREFIX/charts/<name>`. */
export function chartRepository(target: ImportTarget, name: string): string {
  return `${target.prefix === '' ? '' : `${target.prefix}/`}charts/${name}`;
}

/**
 * Pushes every chart of the bundle as an OCI artifact, byte for byte: blobs streamed from the archive, then the manifest
 * under its version tag, into `PREFIX/charts/<name>` or where a `--map` rule puts it ({@link mapChart}). A blob a delta
 * relies on (not in the archive) is only found or mounted, from where `heldAt` (digest → repository) says the target holds it.
 */
export async function pushCharts(
  client: RegistryClient,
  archive: BundleArchive,
  target: ImportTarget,
  signal?: AbortSignal,
  rules: readonly MapRule[] = [],
  heldAt: ReadonlyMap<string, string> = new Map(),
): Promise<PushedChart[]> {
  const pushed: PushedChart[] = [];
  const registry = target.registry;
  for (const record of archive.manifest.charts ?? []) {
    signal?.throwIfAborted();
    const chart = await readArchivedChart(archive, record);
    const mapping = mapChart(record, target, rules);
    const repository = mapping.repository;
    for (const blob of chart.blobs) {
      await client.withHostSlot(registry, signal, () =>
        pushBlob(client, {
          registry,
          repository,
          digest: blob.digest,
          size: blob.size,
          ...(archive.has(blob.digest)
            ? { open: (start: number, end: number) => archive.openBlob(blob.digest, { start, end, ...(signal ? { signal } : {}) }) }
            : heldAt.has(blob.digest)
              ? { mountFrom: heldAt.get(blob.digest)! }
              : {}),
          ...(signal ? { signal } : {}),
        }),
      );
    }
    const where = { registry, repository, digest: chart.manifest.digest, ...(signal ? { signal } : {}) };
    if (!(await client.withHostSlot(registry, signal, () => manifestExists(client, { ...where, mediaType: chart.manifest.mediaType })))) {
      await client.withHostSlot(registry, signal, () => pushManifest(client, { ...where, reference: chart.manifest.digest, bytes: chart.manifest.bytes, mediaType: chart.manifest.mediaType }));
    }
    await client.withHostSlot(registry, signal, () => pushManifest(client, { ...where, reference: record.version, bytes: chart.manifest.bytes, mediaType: chart.manifest.mediaType }));
    pushed.push({ name: record.name, version: record.version, target: mapping.target, digest: record.digest, ...(mapping.rule ? { rule: mapping.rule } : {}) });
  }
  return pushed;
}
