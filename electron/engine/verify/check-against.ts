import type { BundleManifest, ChartRecord, OmittedBlob } from '../../../shared/bundle-manifest.js';
import { escapeControl, formatBytes } from '../../../shared/format.js';
import type { AgainstReport, MissingBaseBlob } from '../../../shared/verify-report.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { mapChart } from '../charts/map-chart.js';
import { mapImages } from '../import/plan-import.js';
import { mapRepository, parseImportTarget, parseMapRule, type ImportTarget, type MapRule } from '../import/map-repository.js';
import { RegistryClient, type RegistryClientOptions } from '../registry/registry-client.js';
import { discard } from '../registry/send-with-retries.js';
import { mapLimit } from '../util/map-limit.js';

/** Where to look for what a delta relies on: a target as `ferry import --to` takes it, with its `--map` rules. */
export interface AgainstTarget {
  /** As given (`registry.local:5000/mirror`). */
  text: string;
  target: ImportTarget;
  rules: MapRule[];
}

/** Parses `--against HOST[:PORT][/PREFIX]` and its `--map SRC=DST` rules (bad-usage when they are not). */
export function parseAgainstTarget(text: string, mapRules: readonly string[] = []): AgainstTarget {
  const target = parseImportTarget(text);
  return { text, target, rules: mapRules.map((r) => parseMapRule(r, target)) };
}

/** What {@link checkAgainst} needs. */
export interface CheckAgainstOptions {
  manifest: BundleManifest;
  against: AgainstTarget;
  /** Blob digest → the images (references) that need it (from the verified archive); unknown: every image's repository is asked. */
  owners?: Map<string, Set<string>>;
  /** Blob digest → the chart it belongs to. */
  chartOwners?: Map<string, ChartRecord>;
  /** Registry access: TLS, insecure hosts, credentials. */
  registry?: RegistryClientOptions;
  /** A client to reuse; otherwise one is made from `registry` (and closed). */
  client?: RegistryClient;
  /** HEAD requests at once (default 8). */
  concurrency?: number;
  /** Told where each blob found was found (the first repository answering `present`): where an import mounts it from. */
  onFound?: (digest: string, repository: string) => void;
}

const DEFAULTS = { concurrency: 8 } as const;

/**
 * Looks for every blob a delta relies on (`delta.omitted`) in the target registry with `HEAD`: first in the repository
 * each image needing it would be imported to (mapped as `ferry import --to` maps it), then in the repository recorded
 * when the delta was made (as recorded, as import maps that path, and under the target's prefix). Every blob found nowhere is listed, naming the
 * images that need it. A registry that cannot be reached ends the check with a `problem`, not an exception.
 */
export async function checkAgainst(options: CheckAgainstOptions, controls: JobControls = {}): Promise<AgainstReport> {
  const { manifest, against } = options;
  const { signal } = controls;
  const omitted = manifest.delta?.omitted ?? [];
  const report: AgainstReport = { ok: true, target: against.text, checked: 0, present: 0, missing: [] };
  if (omitted.length === 0) return report;
  const { registry, prefix } = against.target;
  const imported = new Map(mapImages(manifest, against.target, against.rules).map((m) => [m.source, m.repository]));
  const everyImage = [...new Set(imported.values())];
  const sourceRegistries = [...new Set(manifest.images.map((i) => i.registry))];
  const candidates = (blob: OmittedBlob): { repositories: string[]; images: string[] } => {
    const images = [...(options.owners?.get(blob.digest) ?? [])].sort();
    const chart = options.chartOwners?.get(blob.digest);
    const repositories = images.map((i) => imported.get(i)).filter((r): r is string => r !== undefined);
    if (chart) repositories.push(mapChart(chart, against.target, against.rules).repository);
    if (blob.repository !== undefined) {
      repositories.push(blob.repository);
      // a source path (a delta against an old bundle) lands where import maps it
      for (const source of sourceRegistries) repositories.push(mapRepository(source, blob.repository, against.target, against.rules).repository);
      if (prefix !== '' && !blob.repository.startsWith(`${prefix}/`)) repositories.push(`${prefix}/${blob.repository}`);
    }
    if (repositories.length === 0) repositories.push(...everyImage);
    return { repositories: [...new Set(repositories)], images: chart && images.length === 0 ? [`chart ${chart.name} ${chart.version}`] : images };
  };
  const client = options.client ?? new RegistryClient(options.registry ?? {});
  try {
    await mapLimit(omitted, options.concurrency ?? DEFAULTS.concurrency, async (blob) => {
      // the first registry that cannot be reached ends the check: the rest would fail the same way
      if (report.problem) return;
      signal?.throwIfAborted();
      const { repositories, images } = candidates(blob);
      const refused: string[] = [];
      try {
        for (const repository of repositories) {
          const status = await headBlob(client, registry, repository, blob, signal);
          if (status === 'present') {
            report.present++;
            report.checked++;
            options.onFound?.(blob.digest, repository);
            return;
          }
          if (status !== 'absent') refused.push(`${repository} (${status})`);
        }
      } catch (error) {
        if (signal?.aborted) throw error;
        report.problem ??= `${registry} could not be asked for the blobs this delta relies on: ${escapeControl((error as Error).message)}`;
        return;
      }
      report.checked++;
      report.missing.push(missingBlob(blob, images, repositories, registry, refused));
    });
  } finally {
    if (!options.client) await client.close();
  }
  report.missing.sort((a, b) => a.digest.localeCompare(b.digest));
  report.ok = report.missing.length === 0 && report.problem === undefined;
  return report;
}

/** `HEAD /v2/REPO/blobs/DIGEST` with pull access: present (with the recorded size), absent, or why it was refused. */
async function headBlob(client: RegistryClient, registry: string, repository: string, blob: OmittedBlob, signal: AbortSignal | undefined): Promise<'present' | 'absent' | string> {
  const { response } = await client.withHostSlot(registry, signal, () =>
    client.send({
      registry,
      repository,
      method: 'HEAD',
      url: `/v2/${repository}/blobs/${blob.digest}`,
      subject: `${registry}/${repository}@${blob.digest}`,
      action: `looking for blob ${blob.digest} in ${registry}/${repository}`,
      ...(signal ? { signal } : {}),
    }),
  );
  await discard(response);
  const status = response.statusCode;
  if (status === 404) return 'absent';
  if (status === 401 || status === 403) return `HTTP ${status}: not allowed to read it; log in with docker login`;
  if (status !== 200) return `HTTP ${status}`;
  const length = Number(response.headers['content-length']);
  if (response.headers['content-length'] !== undefined && Number.isFinite(length) && length !== blob.size) return `it holds ${length} bytes under this digest, not ${blob.size}`;
  return 'present';
}

function missingBlob(blob: OmittedBlob, images: string[], repositories: string[], registry: string, refused: string[]): MissingBaseBlob {
  const needed = images.length > 0 ? `needed by ${images.slice(0, 3).join(', ')}${images.length > 3 ? ` and ${images.length - 3} more` : ''}` : 'which the delta relies on';
  const where = repositories.map((r) => `${registry}/${r}`).join(', ');
  return {
    digest: blob.digest,
    size: blob.size,
    images,
    repositories,
    message: escapeControl(`Blob ${blob.digest} (${formatBytes(blob.size)}) ${needed} is not in the target: looked in ${where}${refused.length > 0 ? `; refused: ${refused.join(', ')}` : ''}.`),
  };
}

export { againstFailure } from './against-failure.js';
