import { resolve } from 'node:path';
import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { inspectBundle } from '../bundle/inspect-bundle.js';
import { FerryError } from '../errors/ferry-error.js';
import { ProgressMeter } from '../progress/progress-meter.js';
import { pushBlob, type BlobPushOutcome } from '../registry/blob-upload.js';
import { manifestExists, pushManifest, taggedDigest } from '../registry/push-manifest.js';
import { RegistryClient, type RegistryClientOptions } from '../registry/registry-client.js';
import { mapLimit } from '../util/map-limit.js';
import { pushReferrers } from '../referrers/push-referrers.js';
import { writeBundleFiles, type WrittenFile } from '../files/write-bundle-files.js';
import { mapChart } from '../charts/map-chart.js';
import { pushCharts, type PushedChart } from '../charts/push-charts.js';
import { writeBundleCharts, type WrittenChartFile } from '../charts/write-bundle-charts.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { openBundleVolumes } from '../verify/bundle-volumes.js';
import type { VerifyBundleOptions } from '../verify/verify-bundle.js';
import { openVerifiedBundle } from '../verify/open-verified-bundle.js';
import { TOOL_VERSION } from '../version.js';
import { inventoryOfImport } from '../inventory/import-inventory.js';
import { readExistingInventory, updateInventory } from '../inventory/update-inventory.js';
import type { WrittenInventory } from '../inventory/write-inventory.js';
import type { ImportedImage, ImportReport } from './import-report.js';
import { parseImportTarget, parseMapRule, type ImportTarget, type MapRule } from './map-repository.js';
import { mirrorConfigText, writeMirrorConfig, type MirrorConfigResult, type MirrorConfigText, type MirrorTarget } from './mirror-config.js';
import { mapImages, planImagePush, type ImagePushPlan } from './plan-import.js';
import { locateDeltaBase } from './check-delta-base.js';

/** What to import and where. */
export interface ImportBundleOptions {
  /** The bundle folder, or every volume of a multi-volume set. */
  dirs: string[];
  /** `HOST[:PORT][/PREFIX]`: the target registry and an optional path prefix. */
  to: string;
  /** `SRC=DST` rewrites: a source `registry/path` prefix and its target path (`docker.io/library=HOST/mirror/lib`). */
  map?: string[];
  /** Only map: return the report of where each image would go; verify, connect and push nothing, write nothing. */
  dryRun?: boolean;
  /** Blobs pushed at once (default 4, 1 to 64). */
  concurrency?: number;
  /** Registry access to the target: TLS, insecure hosts, credentials, retries. */
  registry?: RegistryClientOptions;
  /** A client to reuse; otherwise one is made from `registry`. */
  client?: RegistryClient;
  /** Blobs larger than this go up in PATCH chunks of this size (default 32 MiB). */
  chunkSize?: number;
  /** Write the JSON report here (atomically); none when absent. */
  reportFile?: string;
  /** Write containerd `hosts.toml` files (one folder per source registry) and a k3s `registries.yaml` here. */
  mirrorConfigDir?: string;
  /** What the bundle must pass besides integrity before anything is pushed: trusted signatures, approval, policy. */
  checks?: Omit<VerifyBundleOptions, 'dirs'>;
  /** Also write the bundle's plain files (`files/<name>`) into this folder. */
  filesTo?: string;
  /** Also write the bundle's charts as `<name>-<version>.tgz` (+ `.prov`) into this folder. */
  chartsTo?: string;
  /** After a successful import, write or update this inventory with what was put where (an invalid one is refused first). */
  inventory?: string;
}

/** What an import did. */
export interface ImportBundleResult {
  report: ImportReport;
  /** Where the report was written. */
  reportFile?: string;
  mirrorConfig?: MirrorConfigResult;
  /** The containerd hosts.toml and k3s registries.yaml text for this import (also without mirrorConfigDir). */
  mirrorText?: MirrorConfigText;
  /** The plain files written (with `filesTo`). */
  files?: WrittenFile[];
  /** The charts pushed, under `PREFIX/charts/<name>:<version>`. */
  charts?: PushedChart[];
  /** The chart files written (with `chartsTo`). */
  chartFiles?: WrittenChartFile[];
  /** The inventory written or updated (with `inventory`). */
  inventory?: WrittenInventory;
}

interface Settings {
  target: ImportTarget;
  rules: MapRule[];
  concurrency: number;
  checks: Omit<VerifyBundleOptions, 'dirs'>;
}

function settingsFrom(options: ImportBundleOptions): Settings {
  if (options.dirs.length === 0) throw new FerryError('bad-usage', 'No bundle given: name the bundle folder (or every volume of a set).');
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new FerryError('bad-usage', `Concurrency must be a whole number from 1 to 64, not ${String(options.concurrency)}.`);
  }
  const target = parseImportTarget(options.to);
  return { target, rules: (options.map ?? []).map((m) => parseMapRule(m, target)), concurrency, checks: options.checks ?? {} };
}

function emptyImage(m: ReturnType<typeof mapImages>[number]): ImportedImage {
  return {
    source: m.source,
    target: m.target,
    repository: m.repository,
    ...(m.tag !== undefined ? { tag: m.tag } : {}),
    digest: m.digest,
    ...(m.rule !== undefined ? { rule: m.rule } : {}),
    blobs: { uploaded: 0, mounted: 0, existing: 0 },
    manifests: { pushed: 0, existing: 0 },
  };
}

function newReport(manifest: BundleManifest, target: ImportTarget, images: ImportedImage[], dryRun: boolean): ImportReport {
  return {
    tool: { name: 'ferry', version: TOOL_VERSION },
    created: new Date().toISOString(),
    bundleId: manifest.id,
    target: target.prefix === '' ? target.registry : `${target.registry}/${target.prefix}`,
    dryRun,
    images,
    stats: { blobsUploaded: 0, blobsMounted: 0, blobsExisting: 0, bytesUploaded: 0, chunksUploaded: 0, manifestsPushed: 0, manifestsExisting: 0, tagsPushed: 0, tagsExisting: 0, uploadsResumed: 0, seconds: 0 },
  };
}

/**
 * Imports a bundle into a registry on the offline side: verifies it first (a damaged bundle pushes nothing), then
 * streams every blob straight from the parts (no reassembled copy), in parallel, skipping what the target holds (HEAD)
 * and mounting blobs already pushed to another repository; then the manifests byte for byte (children before their
 * index) and the tags last. Rerunning after an interruption uploads only what is missing. A delta first has every blob it
 * relies on looked for in the target ({@link locateDeltaBase}): one missing anywhere pushes nothing (the error lists each
 * with the images needing it and what to do); each found is skipped or cross-repository mounted, never uploaded.
 */
export async function importBundle(options: ImportBundleOptions, controls: JobControls = {}): Promise<ImportBundleResult> {
  const started = performance.now();
  const settings = settingsFrom(options);
  const { onProgress, signal } = controls;
  const { target } = settings;

  if (options.dryRun) {
    const volumes = await openBundleVolumes(options.dirs);
    const { manifest } = await inspectBundle(volumes[0]!.dir);
    const images = mapImages(manifest, target, settings.rules).map(emptyImage);
    const report = newReport(manifest, target, images, true);
    const charts = (manifest.charts ?? []).map((c) => mapChart(c, target, settings.rules));
    if (charts.length > 0) report.charts = charts.map(({ name, version, target: to, digest, rule }) => ({ name, version, target: to, digest, ...(rule ? { rule } : {}) }));
    return { report };
  }

  // an inventory to update must be readable before anything is pushed
  const previousInventory = options.inventory !== undefined ? ((await readExistingInventory(options.inventory)) ?? null) : undefined;
  // everything `ferry verify` checks (and trust and policy when asked): a bundle that fails pushes nothing
  const verified = await openVerifiedBundle({ dirs: options.dirs, ...settings.checks, consequence: 'nothing was pushed' }, controls);
  const archive = await verified.openArchive(signal ? { signal } : {});
  const client = options.client ?? new RegistryClient({ maxConcurrencyPerHost: settings.concurrency, ...options.registry });
  try {
    const mappings = mapImages(archive.manifest, target, settings.rules);
    const plans: ImagePushPlan[] = [];
    for (const mapping of mappings) plans.push(await planImagePush(archive, mapping));
    const images = mappings.map(emptyImage);
    plans.forEach((p, i) => {
      if (p.foreign.length > 0) images[i]!.foreignLayers = p.foreign;
    });
    const report = newReport(archive.manifest, target, images, false);
    const { stats } = report;
    await client.ping(target.registry, signal ? { signal } : {});
    // a delta: every blob it relies on must be in the target already (found where it can be mounted from), else nothing is pushed
    const heldAt = await locateDeltaBase({ archive, plans, target, rules: settings.rules, client }, controls);
    const registry = target.registry;

    // every tag first (HEAD, in parallel): one already at the bundle's digest proves its whole tree is there (a registry
    // accepts an image manifest only once the blobs it names are in the repository), so its blobs and manifests are
    // counted existing with no request of their own; a tag missing or pointing elsewhere is checked fully and repointed
    const tagged = await mapLimit(plans, settings.concurrency, async (plan) => {
      signal?.throwIfAborted();
      const tag = plan.mapping.tag;
      if (tag === undefined) return undefined;
      const top = plan.manifests.at(-1)!;
      const where = { registry, repository: plan.mapping.repository, tag, mediaType: top.mediaType, ...(signal ? { signal } : {}) };
      if ((await client.withHostSlot(registry, signal, () => taggedDigest(client, where))) !== top.digest) return false;
      // a registry may accept a sparse index (distribution's validation.manifests.indexes): its children are looked for
      // by digest; each image manifest found proves its own blobs
      for (const child of plan.manifests.slice(0, -1)) {
        const at = { registry, repository: plan.mapping.repository, digest: child.digest, mediaType: child.mediaType, ...(signal ? { signal } : {}) };
        if (!(await client.withHostSlot(registry, signal, () => manifestExists(client, at)))) return false;
      }
      return true;
    });
    const proven = tagged.map((t) => t === true);
    const provenBlobs = new Set<string>();
    plans.forEach((plan, i) => {
      if (proven[i]) for (const digest of plan.treeBlobs) provenBlobs.add(`${plan.mapping.repository}\n${digest}`);
    });

    // one task per blob and target repository; the first repository to get a digest uploads it, the others mount it
    const tasks: { image: number; repository: string; digest: string; size: number; held?: true }[] = [];
    const seen = new Set<string>();
    plans.forEach((plan, image) => {
      for (const blob of plan.blobs) {
        const key = `${plan.mapping.repository}\n${blob.digest}`;
        if (!seen.has(key)) {
          seen.add(key);
          tasks.push({ image, repository: plan.mapping.repository, ...blob });
        }
      }
    });
    // blobs a delta relies on first: each is found or mounted from where the target holds it, never uploaded
    tasks.sort((a, b) => Number(b.held === true) - Number(a.held === true));
    const totalBytes = tasks.reduce((n, t) => n + t.size, 0);
    onProgress?.({ kind: 'phase-start', phase: 'push', totalBytes, totalItems: plans.length });
    mappings.forEach((m) => onProgress?.({ kind: 'item-start', phase: 'push', item: m.source }));
    const meter = new ProgressMeter('push', totalBytes, onProgress);
    const landed = new Map<string, Promise<string | undefined>>();
    // a blob a tag proves is there: other repositories may mount it from here
    for (const task of tasks) {
      if (!task.held && provenBlobs.has(`${task.repository}\n${task.digest}`) && !landed.has(task.digest)) landed.set(task.digest, Promise.resolve(task.repository));
    }

    await mapLimit(tasks, settings.concurrency, async (task) => {
      signal?.throwIfAborted();
      if (provenBlobs.has(`${task.repository}\n${task.digest}`)) {
        meter.add(task.size);
        images[task.image]!.blobs.existing++;
        stats.blobsExisting++;
        return;
      }
      const first = task.held ? undefined : landed.get(task.digest);
      let mountFrom = task.held ? heldAt.get(task.digest) : undefined;
      let settle: ((repository: string | undefined) => void) | undefined;
      if (first) mountFrom = await first;
      else if (!task.held) landed.set(task.digest, new Promise((resolveLanded) => (settle = resolveLanded)));
      let outcome: BlobPushOutcome;
      let sent = 0;
      try {
        outcome = await client.withHostSlot(target.registry, signal, () =>
          pushBlob(client, {
            registry: target.registry,
            repository: task.repository,
            digest: task.digest,
            size: task.size,
            // a blob the delta relies on has no bytes here: found or mounted, never uploaded
            ...(task.held ? {} : { open: (start: number, end: number) => archive.openBlob(task.digest, { start, end, ...(signal ? { signal } : {}) }) }),
            ...(mountFrom !== undefined ? { mountFrom } : {}),
            ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
            ...(signal ? { signal } : {}),
            onChunk: () => void stats.chunksUploaded++,
            onResume: () => void (stats.uploadsResumed = (stats.uploadsResumed ?? 0) + 1),
            onBytes: (n) => {
              sent += n;
              meter.add(n);
            },
          }),
        );
      } catch (error) {
        settle?.(undefined);
        throw error;
      }
      settle?.(task.repository);
      if (outcome !== 'uploaded') meter.add(task.size - sent);
      const counts = images[task.image]!.blobs;
      if (outcome === 'uploaded') {
        counts.uploaded++;
        stats.blobsUploaded++;
        stats.bytesUploaded += task.size;
      } else if (outcome === 'mounted') {
        counts.mounted++;
        stats.blobsMounted++;
      } else {
        counts.existing++;
        stats.blobsExisting++;
      }
    });
    meter.finish();

    // manifests byte for byte, children before their index, by digest; then every tag, last
    await mapLimit(plans, settings.concurrency, async (plan, i) => {
      if (proven[i]) {
        images[i]!.manifests.existing += plan.manifests.length;
        stats.manifestsExisting += plan.manifests.length;
        return;
      }
      for (const m of plan.manifests) {
        signal?.throwIfAborted();
        const where = { registry, repository: plan.mapping.repository, digest: m.digest, ...(signal ? { signal } : {}) };
        if (await client.withHostSlot(registry, signal, () => manifestExists(client, { ...where, mediaType: m.mediaType }))) {
          images[i]!.manifests.existing++;
          stats.manifestsExisting++;
          continue;
        }
        await client.withHostSlot(registry, signal, () => pushManifest(client, { ...where, reference: m.digest, bytes: m.bytes, mediaType: m.mediaType }));
        images[i]!.manifests.pushed++;
        stats.manifestsPushed++;
      }
    });
    await mapLimit(plans, settings.concurrency, async (plan, i) => {
      signal?.throwIfAborted();
      const top = plan.manifests.at(-1)!;
      if (plan.mapping.tag !== undefined) {
        const tag = plan.mapping.tag;
        const where = { registry, repository: plan.mapping.repository, mediaType: top.mediaType, ...(signal ? { signal } : {}) };
        // a tag already on the right digest (a rerun) is left alone: no PUT, no new tag event on the registry
        if (proven[i]) {
          stats.tagsExisting = (stats.tagsExisting ?? 0) + 1;
        } else {
          await client.withHostSlot(registry, signal, () => pushManifest(client, { ...where, reference: tag, bytes: top.bytes, digest: top.digest }));
          stats.tagsPushed++;
        }
      }
      const record = plan.mapping.record;
      if (record.digest !== record.originalDigest && plan.referrers.some((r) => r.record.subject === record.originalDigest)) {
        const message = `Signatures of ${record.reference}'s published index ${record.originalDigest} are pushed, but the target holds the platform-filtered ${record.digest}: cosign verify against the target will not find them (verifying the bundle with cosign public keys checks them there).`;
        onProgress?.({ kind: 'warning', subject: record.reference, message, hint: 'cosign-key' });
      }
      if (plan.referrers.length > 0) {
        const pushed = await pushReferrers(client, { registry, repository: plan.mapping.repository, referrers: plan.referrers, ...(signal ? { signal } : {}) });
        images[i]!.manifests.pushed += pushed.manifests + pushed.indexes;
        stats.manifestsPushed += pushed.manifests + pushed.indexes;
        stats.tagsPushed += pushed.tags;
      }
      onProgress?.({ kind: 'item-end', phase: 'push', item: plan.mapping.source, detail: images[i]!.target });
    });
    const charts = (archive.manifest.charts ?? []).length > 0 ? await pushCharts(client, archive, target, signal, settings.rules, heldAt) : undefined;
    if (charts) report.charts = charts.map(({ name, version, target: to, digest, rule }) => ({ name, version, target: to, digest, ...(rule ? { rule } : {}) }));
    onProgress?.({ kind: 'phase-end', phase: 'push' });

    // how nodes reach the target: returned as text always, written as files with mirrorConfigDir
    const endpoint = await client.endpoint(registry, signal ? { signal } : {});
    const insecure = (options.registry?.insecureRegistries ?? []).map((h) => h.toLowerCase()).includes(registry);
    const caFile = options.registry?.caFiles?.[0];
    const mirrored = mappings.map((m) => ({ sourceRegistry: m.record.registry, sourceRepository: m.record.repository, targetRepository: m.repository }));
    const mirrorTarget: MirrorTarget = { registry, scheme: endpoint.protocol === 'http:' ? 'http' : 'https', ...(insecure && endpoint.protocol === 'https:' ? { skipVerify: true } : {}), ...(caFile ? { caFile: resolve(caFile) } : {}) };
    const mirrorText = mirrorConfigText(mirrored, mirrorTarget);
    let mirrorConfig: MirrorConfigResult | undefined;
    if (options.mirrorConfigDir !== undefined) {
      mirrorConfig = await writeMirrorConfig(resolve(options.mirrorConfigDir), mirrored, mirrorTarget);
      for (const message of mirrorConfig.warnings) onProgress?.({ kind: 'warning', message });
    }

    const chartFiles = options.chartsTo !== undefined ? await writeBundleCharts(archive, options.chartsTo, signal) : undefined;
    const files = options.filesTo !== undefined ? await writeBundleFiles({ bundle: verified, filesTo: options.filesTo }, controls) : undefined;
    stats.seconds = (performance.now() - started) / 1000;
    report.created = new Date().toISOString();
    let reportFile: string | undefined;
    if (options.reportFile !== undefined) {
      reportFile = resolve(options.reportFile);
      await writeFileAtomic(reportFile, `${JSON.stringify(report, null, 2)}\n`);
    }
    const inventory =
      options.inventory !== undefined
        ? await updateInventory({ file: options.inventory, previous: previousInventory, add: await inventoryOfImport({ registry, plans, ...(charts ? { charts } : {}), archive }), ...(onProgress ? { onProgress } : {}) })
        : undefined;
    return { report, mirrorText, ...(inventory ? { inventory } : {}), ...(reportFile ? { reportFile } : {}), ...(mirrorConfig ? { mirrorConfig } : {}), ...(files ? { files } : {}), ...(charts ? { charts } : {}), ...(chartFiles ? { chartFiles } : {}) };
  } finally {
    await archive.close();
    if (!options.client) await client.close();
  }
}
