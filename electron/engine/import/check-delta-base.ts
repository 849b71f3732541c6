import type { BundleManifest, ChartRecord, DeltaBase } from '../../../shared/bundle-manifest.js';
import { formatBytes } from '../../../shared/format.js';
import type { AgainstReport } from '../../../shared/verify-report.js';
import type { BundleArchive } from '../bundle/bundle-archive.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { describeDeltaBase } from '../bundle/describe-delta.js';
import { readArchivedChart } from '../charts/chart-artifact.js';
import { FerryError } from '../errors/ferry-error.js';
import type { RegistryClient } from '../registry/registry-client.js';
import { checkAgainst } from '../verify/check-against.js';
import type { ImportTarget, MapRule } from './map-repository.js';
import type { ImagePushPlan } from './plan-import.js';

/** What {@link locateDeltaBase} needs: the delta, its push plans and the target as `ferry import --to` takes it. */
export interface LocateDeltaBaseOptions {
  archive: BundleArchive;
  plans: readonly ImagePushPlan[];
  target: ImportTarget;
  rules: readonly MapRule[];
  client: RegistryClient;
}

/**
 * Before a delta pushes anything: looks for every blob it relies on (`delta.omitted`) in the target registry, as
 * `ferry verify --against` does (`HEAD` in the repository each image needing it goes to, then the repository recorded
 * when the delta was made, as recorded, as import maps it and under the prefix). Returns where each was found (digest →
 * repository: the push mounts it from there when the image's own repository lacks it). When any is missing — or the
 * registry cannot be asked — throws, listing every missing blob with the images that need it and what to do; then
 * nothing has been pushed.
 */
export async function locateDeltaBase(options: LocateDeltaBaseOptions, controls: JobControls = {}): Promise<Map<string, string>> {
  const { archive, plans, target } = options;
  const manifest = archive.manifest;
  const found = new Map<string, string>();
  if (!manifest.delta || manifest.delta.omitted.length === 0) return found;
  const owners = new Map<string, Set<string>>();
  for (const plan of plans) {
    for (const blob of plan.blobs) {
      if (!blob.held) continue;
      if (!owners.has(blob.digest)) owners.set(blob.digest, new Set());
      owners.get(blob.digest)!.add(plan.mapping.source);
    }
  }
  const chartOwners = new Map<string, ChartRecord>();
  for (const record of manifest.charts ?? []) {
    const chart = await readArchivedChart(archive, record);
    for (const blob of chart.blobs) if (!archive.has(blob.digest)) chartOwners.set(blob.digest, record);
  }
  const text = targetText(target);
  const report = await checkAgainst(
    { manifest, against: { text, target, rules: [...options.rules] }, owners, chartOwners, client: options.client, onFound: (digest, repository) => found.set(digest, repository) },
    controls,
  );
  const failure = deltaBaseFailure(report, manifest);
  if (failure) throw failure;
  return found;
}

/** `HOST[:PORT][/PREFIX]` as messages and `ferry inventory --from` name the target. */
function targetText(target: ImportTarget): string {
  return target.prefix === '' ? target.registry : `${target.registry}/${target.prefix}`;
}

/**
 * The error of a delta whose base the target lacks: every missing blob with the images needing it, then what to do —
 * import the earlier bundle it was made against (named by id), or make the delta again against a fresh inventory.
 */
export function deltaBaseFailure(report: AgainstReport, manifest: BundleManifest): FerryError | undefined {
  if (report.ok) return undefined;
  if (report.problem) return new FerryError('registry-error', `${report.problem.replace(/\.$/, '')}; nothing was pushed.`, { subject: report.target });
  const n = report.missing.length;
  const bytes = report.missing.reduce((sum, b) => sum + b.size, 0);
  const lines = report.missing.map((b) => `  - ${b.message}`);
  return new FerryError(
    'not-found',
    `${report.target} lacks ${n} blob${n === 1 ? '' : 's'} (${formatBytes(bytes)}) this delta relies on; nothing was pushed.\n${lines.join('\n')}\n${deltaBaseAdvice(manifest.delta?.against ?? [], report.target)}`,
    { subject: report.target, hint: 'fresh-inventory' },
  );
}

/** What to do when a delta's base is missing: import the earlier bundle (by id) first, or rebuild the delta against a fresh inventory. */
export function deltaBaseAdvice(against: readonly DeltaBase[], target: string): string {
  const bundles = against.filter((a) => a.kind === 'bundle');
  const earlier =
    bundles.length > 0
      ? `import the earlier bundle${bundles.length === 1 ? '' : 's'} (id ${bundles.map((b) => b.bundleId ?? `with bundle.json sha256 ${b.sha256.slice(0, 16)}…`).join(', id ')}) into ${target} first`
      : `import the earlier bundles into ${target} first (this delta was made against ${against.map(describeDeltaBase).join('; ')})`;
  return `To fix: ${earlier}, or make the delta again against a fresh inventory of ${target}.`;
}
