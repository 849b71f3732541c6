import { createHash } from 'node:crypto';
import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import type { OnProgress } from '../../../shared/progress.js';
import { BlobCache, defaultCacheDir } from '../cache/blob-cache.js';
import { FerryError } from '../errors/ferry-error.js';
import { parsePlatform } from '../platform/parse-platform.js';
import type { Platform } from '../platform/platform.js';
import { ProgressMeter } from '../progress/progress-meter.js';
import { formatReference } from '../reference/format-reference.js';
import type { ImageReference } from '../reference/image-reference.js';
import { parseReference } from '../reference/parse-reference.js';
import { RegistryClient, type RegistryClientOptions } from '../registry/registry-client.js';
import { mapLimit } from '../util/map-limit.js';
import { dockerSaveEntries, layoutBundleArchive } from './archive/archive-metadata.js';
import { planParts } from './archive/parted-file.js';
import { buildBundleManifest } from './build-bundle-manifest.js';
import { ARCHIVE_BASE, BUNDLE_FILE, OutputFolder, SUMS_FILE } from './output-folder.js';
import { parseSize } from './parse-size.js';
import { planBlobs } from './plan-blobs.js';
import { planDelta } from './plan-delta.js';
import { readHoldings } from './read-holdings.js';
import { resolveImage } from './resolve-image.js';
import { findReferrers } from '../referrers/find-referrers.js';
import { formatSha256Sums } from './sha256sums.js';
import { writeArchive } from './write-archive.js';
import { checkFileNames, discardStagedFiles, planFiles, type PlannedFile } from '../files/plan-files.js';
import { parseChartSource } from '../charts/parse-chart-source.js';
import { addChartBlobs, chartRecord, resolveCharts } from '../charts/resolve-charts.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkParityCount, checkParityFits, writeParityParts } from './write-parity.js';
import { loadSigningKey } from '../trust/key-files.js';
import { makeSignatureDocument, writeSignatureDocument, type WrittenSignature } from '../trust/sign-bundle.js';

/** What to bundle and where. */
export interface CreateBundleOptions {
  /** Image references as users write them (`nginx:1.27`, `registry.local:5000/team/app@sha256:…`). */
  images: string[];
  /** The bundle folder; created if missing; refused if it already holds a bundle unless `force`. */
  outputDir: string;
  /** Platform filters (`linux/amd64`, `windows/amd64:ltsc2022`); none: every platform, digests kept. */
  platforms?: string[];
  /** Fetch Windows foreign layers from their URLs and carry them. */
  includeForeignLayers?: boolean;
  /** Split the archive into parts of at most this many bytes (`700MB`, `4GiB`, `fat32`, or a number). */
  split?: string | number;
  /** Write this many Reed–Solomon parity parts (`bundle.tar.p01`…, 1 to 32): any that many lost or damaged parts can be rebuilt (`ferry repair`). */
  parity?: number;
  /** Blobs fetched at once (default 8). */
  concurrency?: number;
  /** Use the local blob cache (default true). */
  cache?: boolean;
  /** Cache folder (default `$XDG_CACHE_HOME/ferry`). */
  cacheDir?: string;
  /** Replace a bundle already in `outputDir`. */
  force?: boolean;
  /** Registry access: TLS, insecure hosts, credentials, retries. */
  registry?: RegistryClientOptions;
  /** A client to reuse (the app keeps one); otherwise one is made from `registry`. */
  client?: RegistryClient;
  /** Plain files to carry beside the images (`files/<name>`): local paths or http(s) URLs (staged in the cache folder, or a temp folder). */
  files?: string[];
  /** Per-image platform filters (the YAML list file's `{ ref, platforms }`): these images keep only these platforms, whatever `platforms` says. */
  imagePlatforms?: { image: string; platforms: string[] }[];
  /** Helm charts: `REPO_URL/NAME@VERSION` (HTTP chart repository) or `oci://HOST/PATH/NAME:VERSION`. */
  charts?: string[];
  /** Basic credentials for HTTP chart repositories (TLS follows `registry.caFiles` and `registry.insecureRegistries`). */
  chartAuth?: { username: string; password: string };
  /** Sign the finished bundle as its preparer with this private key file (`ferry keygen`); read and checked before any network work. */
  signKey?: string;
  /** Also carry each image's cosign signatures, attestations and SBOMs (cosign tags) and its OCI 1.1 referrers. */
  referrers?: boolean;
  /**
   * What the offline side already holds (`--have`): inventory files (`ferry inventory`) and old bundle folders. Blobs
   * held there (same digest and size) are neither fetched nor written; manifests always are. The bundle is then a
   * delta (`bundle.json` `delta`), unless nothing was held.
   */
  have?: string[];
  /** Public keys (`.pub`) every `have` must be signed by (an inventory's signature, an old bundle's preparer); checked before any network work. */
  trustedKeys?: string[];
}

/** Progress and cancellation for a long job. */
export interface JobControls {
  onProgress?: OnProgress;
  signal?: AbortSignal;
}

/** What a finished bundle run reports. */
export interface CreateBundleResult {
  dir: string;
  manifest: BundleManifest;
  /** The preparer signature written into `signatures/`, when `signKey` was given. */
  signature?: WrittenSignature;
  /**
   * `blobs`/`bytes`: what the archive carries; `blobsOmitted`/`bytesOmitted`: what a delta leaves to the offline side
   * (0 for a complete bundle), so the images' full size is `bytes + bytesOmitted`.
   */
  stats: { blobs: number; bytes: number; bytesFromCache: number; bytesFetched: number; seconds: number; blobsOmitted: number; bytesOmitted: number };
}

interface Settings {
  images: string[];
  outputDir: string;
  platforms: Platform[];
  includeForeignLayers: boolean;
  partSize: number | undefined;
  parity: number;
  concurrency: number;
  cacheDir: string | undefined;
  force: boolean;
  referrers: boolean;
  have: string[];
  trustedKeys: string[];
}

/** Applies defaults and checks every option before any network or disk work. */
function settingsFrom(options: CreateBundleOptions): Settings {
  if (options.images.length === 0 && (options.files ?? []).length === 0 && (options.charts ?? []).length === 0) throw new FerryError('bad-usage', 'No images given: name at least one image reference or a list file.');
  // chart and file names are checked before any network work
  (options.charts ?? []).forEach(parseChartSource);
  checkFileNames(options.files ?? []);
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new FerryError('bad-usage', `Concurrency must be a whole number from 1 to 64, not ${String(options.concurrency)}.`);
  }
  const have = options.have ?? [];
  const trustedKeys = options.trustedKeys ?? [];
  if (trustedKeys.length > 0 && have.length === 0) {
    throw new FerryError('bad-usage', 'Trusted keys (--trust) check what --have gives (an inventory or an old bundle); name one with --have.');
  }
  return {
    images: options.images,
    outputDir: options.outputDir,
    platforms: (options.platforms ?? []).map(parsePlatform),
    includeForeignLayers: options.includeForeignLayers ?? false,
    partSize: options.split === undefined ? undefined : parseSize(options.split),
    parity: options.parity === undefined ? 0 : checkParityCount(options.parity),
    concurrency,
    cacheDir: options.cache === false ? undefined : (options.cacheDir ?? defaultCacheDir()),
    force: options.force ?? false,
    referrers: options.referrers ?? false,
    have,
    trustedKeys,
  };
}

/**
 * Builds a bundle: resolves every image, then streams every blob once, in parallel, straight
 * into its place in the final archive (OCI layout + docker-save at once), hashing behind the
 * writers, and finally writes `bundle.json` and `SHA256SUMS`. Nothing looks complete until it is. With `have`, blobs
 * the offline side holds are left out (a delta: see {@link planDelta}).
 */
export async function createBundle(options: CreateBundleOptions, controls: JobControls = {}): Promise<CreateBundleResult> {
  const started = performance.now();
  const settings = settingsFrom(options);
  // a bad signing key fails here, before any network or disk work
  const signingKey = options.signKey === undefined ? undefined : await loadSigningKey(options.signKey);
  const { onProgress, signal } = controls;
  // what the offline side holds: read, validated and (with trusted keys) its signatures checked before any network work
  const holdings = settings.have.length > 0 ? await readHoldings(settings.have, { trustedKeys: settings.trustedKeys, ...(signal ? { signal } : {}) }) : undefined;
  for (const message of holdings?.warnings ?? []) onProgress?.({ kind: 'warning', message });
  // the same image named twice (`nginx` and `docker.io/library/nginx:latest`) is carried once
  const byName = new Map<string, { source: string; ref: ImageReference }>();
  for (const source of settings.images) {
    const ref = parseReference(source);
    if (!byName.has(formatReference(ref))) byName.set(formatReference(ref), { source, ref });
  }
  const refs = [...byName.values()];
  const ownPlatforms = new Map<string, { platforms: Platform[]; spec: string }>();
  for (const { image, platforms } of options.imagePlatforms ?? []) {
    const key = formatReference(parseReference(image));
    const spec = [...platforms].sort().join(',');
    const earlier = ownPlatforms.get(key);
    if (earlier && earlier.spec !== spec) throw new FerryError('bad-usage', `Image ${image} is given two platform lists (${earlier.spec} and ${spec}).`, { subject: image });
    if (!byName.has(key)) throw new FerryError('bad-usage', `Platforms are given for ${image}, which is not among the images to bundle.`, { subject: image });
    ownPlatforms.set(key, { platforms: platforms.map(parsePlatform), spec });
  }
  // the per-host limit follows the bundle's concurrency unless the caller set one
  const client = options.client ?? new RegistryClient({ maxConcurrencyPerHost: settings.concurrency, ...options.registry });
  let plainFiles: PlannedFile[] = [];
  try {
    // 1. resolve: every manifest, before any blob byte
    onProgress?.({ kind: 'phase-start', phase: 'resolve', totalItems: refs.length + (options.charts ?? []).length });
    // a few images at a time: each needs a handful of round trips, and order is kept
    const resolved = await mapLimit(refs, Math.min(settings.concurrency, 4), async ({ source, ref }) => {
      signal?.throwIfAborted();
      onProgress?.({ kind: 'item-start', phase: 'resolve', item: source });
      const image = await resolveImage(source, ref, { client, platforms: ownPlatforms.get(formatReference(ref))?.platforms ?? settings.platforms, signal });
      if (settings.referrers) {
        // the published digest too when platforms were filtered: that is what `cosign sign IMAGE` signed
        const subjects = [...new Set([image.top.digest, image.originalDigest, ...image.indexes.map((d) => d.digest), ...image.manifests.map((m) => m.digest)])];
        image.referrers = await findReferrers(client, ref, subjects, signal);
      } else {
        // the published index is carried only as evidence for carried signatures
        delete image.original;
      }
      onProgress?.({ kind: 'item-end', phase: 'resolve', item: source, detail: image.top.digest });
      return image;
    });
    const charts = await resolveCharts(options.charts ?? [], { client, ...(options.chartAuth ? { auth: options.chartAuth } : {}), tls: options.registry ?? {}, ...(signal ? { signal } : {}), ...(onProgress ? { onProgress } : {}) });
    onProgress?.({ kind: 'phase-end', phase: 'resolve' });
    const plan = planBlobs(resolved, settings.includeForeignLayers);
    addChartBlobs(plan, charts);
    // a delta: blobs the offline side holds are neither fetched nor written (manifests always are)
    const delta = holdings ? planDelta(plan, resolved, holdings) : undefined;
    for (const message of delta?.warnings ?? []) onProgress?.({ kind: 'warning', message });
    const carried = delta?.carried ?? plan.blobs;
    const carriedDigests = new Set(carried.map((b) => b.digest));
    plainFiles = await planFiles(options.files ?? [], { stageDir: settings.cacheDir ? join(settings.cacheDir, 'staging') : tmpdir(), ...(signal ? { signal } : {}) });
    for (const [i, image] of resolved.entries()) {
      for (const f of plan.perImage[i]!.foreign.filter((x) => !x.carried)) {
        onProgress?.({
          kind: 'warning',
          subject: image.reference,
          message: `Foreign layer ${f.layer.digest} of ${image.reference} is not carried; nodes will fetch it from ${f.layer.urls?.[0] ?? 'its URL'} (use --include-foreign-layers to carry it).`,
        });
      }
    }

    // 2. lay out the archive: every offset known before the first byte
    const docker = dockerSaveEntries(resolved, carriedDigests);
    const layout = layoutBundleArchive(resolved, carried, docker.entries, plainFiles);
    checkParityFits(planParts(layout.totalSize, settings.partSize, (name) => name, ARCHIVE_BASE).length, settings.parity);

    const folder = await OutputFolder.prepare(settings.outputDir, { force: settings.force });
    try {
      await folder.ensureSpace(layout.totalSize + settings.parity * Math.min(layout.totalSize, settings.partSize ?? layout.totalSize));
      const parts = planParts(layout.totalSize, settings.partSize, (name) => folder.tempPath(name), ARCHIVE_BASE);
      const cache = settings.cacheDir ? await BlobCache.open(settings.cacheDir) : undefined;

      // 3. fetch: blobs in archive order, each straight to its offset, hashed right behind
      const totalBytes = carried.reduce((n, b) => n + b.size, 0) + plainFiles.reduce((n, f) => n + f.size, 0);
      onProgress?.({ kind: 'phase-start', phase: 'fetch', totalBytes, totalItems: carried.length });
      resolved.forEach((image) => onProgress?.({ kind: 'item-start', phase: 'fetch', item: image.source }));
      const meter = new ProgressMeter('fetch', totalBytes, onProgress);
      const remaining = plan.perImage.map((p) => [...p.digests].filter((d) => carriedDigests.has(d)).length);
      const { digests, bytesFromCache, fileSha256 } = await writeArchive({
        layout,
        parts,
        client,
        cache,
        concurrency: settings.concurrency,
        signal,
        onBytes: (n) => meter.add(n),
        onBlob: (blob) => {
          for (const i of blob.images) {
            if (--remaining[i]! === 0) onProgress?.({ kind: 'item-end', phase: 'fetch', item: resolved[i]!.source });
          }
        },
      });
      meter.finish();
      onProgress?.({ kind: 'phase-end', phase: 'fetch' });
      if (settings.parity > 0 && parts.length === 1) {
        onProgress?.({ kind: 'warning', message: `The archive is one part, so each of the ${settings.parity} parity part(s) is a full-size coded copy of it; use --split for smaller parity.` });
      }
      const parity = settings.parity > 0 ? await writeParityParts({ parts, count: settings.parity, pathOf: (name) => folder.tempPath(name), signal, onProgress }) : undefined;

      // 4. bundle.json, then SHA256SUMS last: only now does the folder look complete
      const manifest = buildBundleManifest(
        resolved,
        plan,
        docker.listed,
        settings.platforms,
        { parts: parts.map((p, i) => ({ name: p.name, size: p.size, sha256: digests.parts[i]! })), size: layout.totalSize, sha256: digests.sha256 },
        { carried, ...(delta?.record ? { record: delta.record } : {}) },
      );
      if (parity) manifest.archive.parity = parity;
      manifest.charts = charts.map(chartRecord);
      manifest.files = plainFiles.map((f) => ({ name: f.name, source: f.source, size: f.size, sha256: fileSha256.get(f.name)! }));
      const json = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
      await folder.writeTemp(BUNDLE_FILE, json);
      const sums = formatSha256Sums([
        { sha256: createHash('sha256').update(json).digest('hex'), name: BUNDLE_FILE },
        ...manifest.archive.parts.map((p) => ({ sha256: p.sha256, name: p.name })),
        ...(manifest.archive.parity?.parts ?? []).map((p) => ({ sha256: p.sha256, name: p.name })),
      ]);
      await folder.writeTemp(SUMS_FILE, sums);
      signal?.throwIfAborted();
      await folder.promote([...parts.map((p) => p.name), ...(parity?.parts ?? []).map((p) => p.name), BUNDLE_FILE, SUMS_FILE]);
      // signatures/ lies outside SHA256SUMS: the preparer signs the finished bundle.json's exact bytes
      const signature = signingKey ? await writeSignatureDocument(folder.dir, makeSignatureDocument(signingKey, 'preparer', manifest.id, json)) : undefined;
      const seconds = (performance.now() - started) / 1000;
      return {
        dir: folder.dir,
        manifest,
        ...(signature ? { signature } : {}),
        stats: {
          blobs: carried.length,
          bytes: totalBytes,
          bytesFromCache,
          bytesFetched: totalBytes - bytesFromCache,
          seconds,
          blobsOmitted: delta?.omitted.length ?? 0,
          bytesOmitted: delta?.bytesOmitted ?? 0,
        },
      };
    } catch (error) {
      await folder.discard();
      throw error;
    }
  } finally {
    await discardStagedFiles(plainFiles);
    if (!options.client) await client.close();
  }
}
