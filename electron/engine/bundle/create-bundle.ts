import { createHash } from 'node:crypto';
import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import type { OnProgress } from '../../../shared/progress.js';
import { escapeControl } from '../../../shared/format.js';
import { BlobCache, defaultCacheDir } from '../cache/blob-cache.js';
import { FerryError } from '../errors/ferry-error.js';
import { formatPlatform } from '../platform/format-platform.js';
import { parsePlatform } from '../platform/parse-platform.js';
import type { Platform } from '../platform/platform.js';
import { ProgressMeter } from '../progress/progress-meter.js';
import { formatReference } from '../reference/format-reference.js';
import { RegistryClient, type RegistryClientOptions } from '../registry/registry-client.js';
import { mapLimit } from '../util/map-limit.js';
import { dockerSaveEntries, layoutBundleArchive } from './archive/archive-metadata.js';
import { collidingTagAdvice, collidingTags } from './archive/colliding-tags.js';
import { planParts } from './archive/parted-file.js';
import { buildBundleManifest } from './build-bundle-manifest.js';
import { ARCHIVE_BASE, BUNDLE_FILE, OutputFolder, SUMS_FILE } from './output-folder.js';
import { parseSize } from './parse-size.js';
import { planBlobs } from './plan-blobs.js';
import { planDelta } from './plan-delta.js';
import { readHoldings } from './read-holdings.js';
import { resolveImage, type ResolvedImage } from './resolve-image.js';
import { openBundleSources, sourceKey } from '../sources/bundle-sources.js';
import { findReferrers } from '../referrers/find-referrers.js';
import { formatSha256Sums } from './sha256sums.js';
import { writeArchive } from './write-archive.js';
import { checkFileNames, discardStagedFiles, planFiles, type PlannedFile } from '../files/plan-files.js';
import { parseChartSource } from '../charts/parse-chart-source.js';
import type { ResolvedChart } from '../charts/resolve-chart.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkParityCount, checkParityFits, writeParityParts } from './write-parity.js';
import { loadSigningKey } from '../trust/key-files.js';
import { makeSignatureDocument, writeSignatureDocument, type WrittenSignature } from '../trust/sign-bundle.js';

/** What to bundle and where. */
export interface CreateBundleOptions {
  /**
   * Image references as users write them (`nginx:1.27`, `registry.local:5000/team/app@sha256:…`), and local sources
   * (`docker-archive:PATH[:REF]`, `oci-archive:PATH[:TAG]`, `oci:DIR[:TAG]`, `docker-daemon:REF`).
   */
  images: string[];
  /** The bundle folder; created if missing; refused if it already holds a bundle unless `force`. */
  outputDir: string;
  /**
   * Platform filters (`linux/amd64`, `windows/amd64:ltsc2022`): each image carries whichever of these it publishes, and
   * one publishing none of them is a `platform-not-found` error; one lacking some is carried without them, warned about
   * and recorded (`missingPlatforms`). None: every platform, digests kept.
   */
  platforms?: string[];
  /** Every platform asked for (`platforms`, or an image's own) is required of every image: lacking any one is an error. */
  allPlatformsRequired?: boolean;
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
  allPlatformsRequired: boolean;
}

/** The warning for an image carried without some platforms asked for: what it lacks, what it has, and what that means. */
export function missingPlatformsWarning(image: ResolvedImage): string {
  const missing = image.missingPlatforms ?? [];
  const have = (image.publishedPlatforms ?? []).map(formatPlatform);
  const one = missing.length === 1;
  return escapeControl(
    `Image "${image.reference}" has no ${missing.join(', ')} (it has ${have.join(', ') || 'no platform information'}): ` +
      `it is carried without ${one ? 'it' : 'them'}, so nodes of ${one ? 'that platform' : 'those platforms'} cannot run it.`,
  );
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
    allPlatformsRequired: options.allPlatformsRequired ?? false,
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
  // references parsed (bad ones refused) before anything is opened; local sources are keyed by their name as given
  const keys = new Set(settings.images.map(sourceKey));
  const ownPlatforms = new Map<string, { platforms: Platform[]; spec: string }>();
  for (const { image, platforms } of options.imagePlatforms ?? []) {
    const key = sourceKey(image);
    const spec = [...platforms].sort().join(',');
    const earlier = ownPlatforms.get(key);
    if (earlier && earlier.spec !== spec) throw new FerryError('bad-usage', `Image ${image} is given two platform lists (${earlier.spec} and ${spec}).`, { subject: image });
    if (!keys.has(key)) throw new FerryError('bad-usage', `Platforms are given for ${image}, which is not among the images to bundle.`, { subject: image });
    ownPlatforms.set(key, { platforms: platforms.map(parsePlatform), spec });
  }
  // the per-host limit follows the bundle's concurrency unless the caller set one
  // local sources (docker-archive:, oci-archive:, oci:, docker-daemon:) opened and indexed before any network work; the
  // same image named twice (`nginx` and `docker.io/library/nginx:latest`) is carried once
  const sources = await openBundleSources(settings.images, { ...(settings.cacheDir ? { stagingDir: join(settings.cacheDir, 'staging') } : {}), ...(signal ? { signal } : {}) });
  const refs = sources.images;
  const client = options.client ?? new RegistryClient({ maxConcurrencyPerHost: settings.concurrency, ...options.registry });
  // what images are read through: local sources first, then the registries
  const reader = sources.router(client);
  let plainFiles: PlannedFile[] = [];
  let cache: BlobCache | undefined;
  try {
    // the cache serves blobs, configs and manifests fetched by digest (each verified again when used); tags are always asked
    cache = settings.cacheDir ? await BlobCache.open(settings.cacheDir) : undefined;
    // 1. resolve: every manifest, before any blob byte
    onProgress?.({ kind: 'phase-start', phase: 'resolve', totalItems: refs.length + (options.charts ?? []).length });
    // as many images at a time as blobs: each is a few small round trips (latency, not bytes), bounded by the host slots; order is kept
    const resolved = await mapLimit(refs, settings.concurrency, async ({ source, ref, key, local }) => {
      signal?.throwIfAborted();
      onProgress?.({ kind: 'item-start', phase: 'resolve', item: source });
      const own = ownPlatforms.get(key)?.platforms;
      const image = await resolveImage(source, ref, { client: reader, platforms: own ?? settings.platforms, allPlatformsRequired: settings.allPlatformsRequired, signal, ...(cache && !local ? { cache } : {}) });
      if (own) image.requestedPlatforms = [...new Set(own.map(formatPlatform))];
      if (image.missingPlatforms) onProgress?.({ kind: 'warning', subject: image.reference, message: missingPlatformsWarning(image) });
      // referrers are found through a registry's API and tags: a local source has neither
      if (settings.referrers && !local) {
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
    // the chart code and the YAML parser it needs load only for a bundle that carries charts (not at every start-up)
    const chartCode = options.charts?.length ? await import('../charts/resolve-charts.js') : undefined;
    const charts: ResolvedChart[] = chartCode ? await chartCode.resolveCharts(options.charts!, { client, ...(options.chartAuth ? { auth: options.chartAuth } : {}), tls: options.registry ?? {}, ...(signal ? { signal } : {}), ...(onProgress ? { onProgress } : {}) }) : [];
    onProgress?.({ kind: 'phase-end', phase: 'resolve' });
    const plan = planBlobs(resolved, settings.includeForeignLayers);
    chartCode?.addChartBlobs(plan, charts);
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
          message: `Foreign layer ${f.layer.digest} of ${image.reference} is not carried; nodes will fetch it from ${f.layer.urls?.[0] ?? 'its URL'}.`,
          hint: 'include-foreign-layers',
        });
      }
    }
    // index.json names an image by its tag alone (containerd's convention): say how to reach each when tags collide
    for (const collision of collidingTags(resolved.map((image) => ({ name: formatReference(image.ref), tag: image.ref.tag })))) {
      onProgress?.({ kind: 'warning', message: collidingTagAdvice(collision) });
    }

    // 2. lay out the archive: every offset known before the first byte
    const docker = dockerSaveEntries(resolved, carriedDigests);
    const layout = layoutBundleArchive(resolved, carried, docker.entries, plainFiles);
    checkParityFits(planParts(layout.totalSize, settings.partSize, (name) => name, ARCHIVE_BASE).length, settings.parity);

    const folder = await OutputFolder.prepare(settings.outputDir, { force: settings.force });
    try {
      await folder.ensureSpace(layout.totalSize + settings.parity * Math.min(layout.totalSize, settings.partSize ?? layout.totalSize));
      const parts = planParts(layout.totalSize, settings.partSize, (name) => folder.tempPath(name), ARCHIVE_BASE);

      // 3. fetch: blobs in archive order, each straight to its offset, hashed right behind
      const totalBytes = carried.reduce((n, b) => n + b.size, 0) + plainFiles.reduce((n, f) => n + f.size, 0);
      onProgress?.({ kind: 'phase-start', phase: 'fetch', totalBytes, totalItems: carried.length });
      resolved.forEach((image) => onProgress?.({ kind: 'item-start', phase: 'fetch', item: image.source }));
      const meter = new ProgressMeter('fetch', totalBytes, onProgress);
      const remaining = plan.perImage.map((p) => [...p.digests].filter((d) => carriedDigests.has(d)).length);
      const { digests, bytesFromCache, fileSha256 } = await writeArchive({
        layout,
        parts,
        client: reader,
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
        onProgress?.({ kind: 'warning', message: `The archive is one part, so each of the ${settings.parity} parity part(s) is a full-size coded copy of it.`, hint: 'split' });
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
      // a manifest Ferry built (a legacy docker save holds none) is said so, with the config digest that identifies the image
      refs.forEach((r, i) => {
        if (r.local?.image.built) manifest.images[i]!.builtManifest = { configDigest: r.local.image.built.configDigest };
      });
      manifest.charts = chartCode ? charts.map(chartCode.chartRecord) : [];
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
    await cache?.close();
    await discardStagedFiles(plainFiles);
    await sources.close();
    if (!options.client) await client.close();
  }
}
