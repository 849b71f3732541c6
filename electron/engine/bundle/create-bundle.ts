import { createHash, randomUUID } from 'node:crypto';
import { BUNDLE_MEDIA_TYPE, BUNDLE_SCHEMA_VERSION, type BundleManifest, type ImageRecord } from '../../../shared/bundle-manifest.js';
import type { OnProgress } from '../../../shared/progress.js';
import { BlobCache, defaultCacheDir } from '../cache/blob-cache.js';
import { FerryError } from '../errors/ferry-error.js';
import { parsePlatform } from '../platform/parse-platform.js';
import { formatPlatform } from '../platform/format-platform.js';
import type { Platform } from '../platform/platform.js';
import { parseReference } from '../reference/parse-reference.js';
import { RegistryClient, type RegistryClientOptions } from '../registry/registry-client.js';
import { ProgressMeter } from '../progress/progress-meter.js';
import { TOOL_VERSION } from '../version.js';
import { blobPath, dockerSaveEntries, dockerSaveFile, ociIndexFile, ociLayoutFile } from './archive/archive-metadata.js';
import { layoutArchive, type LayoutInput, type PlacedEntry } from './archive/archive-layout.js';
import { PartedFile, planParts } from './archive/parted-file.js';
import { encodeTarHeader } from './archive/tar-header.js';
import { TrailingHasher } from './archive/trailing-hasher.js';
import { copyBlob } from './copy-blob.js';
import { ARCHIVE_BASE, BUNDLE_FILE, OutputFolder, SUMS_FILE } from './output-folder.js';
import { planBlobs, type PlannedBlob } from './plan-blobs.js';
import { resolveImage, type ResolvedImage } from './resolve-image.js';
import { mapLimit } from '../util/map-limit.js';
import { formatSha256Sums } from './sha256sums.js';
import { parseSize } from './parse-size.js';

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
  stats: { blobs: number; bytes: number; bytesFromCache: number; bytesFetched: number; seconds: number };
}

interface Settings {
  images: string[];
  outputDir: string;
  platforms: Platform[];
  platformSpecs: string[];
  includeForeignLayers: boolean;
  partSize: number | undefined;
  concurrency: number;
  cacheDir: string | undefined;
  force: boolean;
}

/** Applies defaults and checks every option before any network or disk work. */
function settingsFrom(options: CreateBundleOptions): Settings {
  if (options.images.length === 0) throw new FerryError('bad-usage', 'No images given: name at least one image reference or a list file.');
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new FerryError('bad-usage', `Concurrency must be a whole number from 1 to 64, not ${String(options.concurrency)}.`);
  }
  const platformSpecs = options.platforms ?? [];
  return {
    images: options.images,
    outputDir: options.outputDir,
    platforms: platformSpecs.map(parsePlatform),
    platformSpecs,
    includeForeignLayers: options.includeForeignLayers ?? false,
    partSize: options.split === undefined ? undefined : parseSize(options.split),
    concurrency,
    cacheDir: options.cache === false ? undefined : (options.cacheDir ?? defaultCacheDir()),
    force: options.force ?? false,
  };
}

/**
 * Builds a bundle: resolves every image, then streams every blob once, in parallel, straight
 * into its place in the final archive (OCI layout + docker-save at once), hashing behind the
 * writers, and finally writes `bundle.json` and `SHA256SUMS`. Nothing looks complete until it is.
 */
export async function createBundle(options: CreateBundleOptions, controls: JobControls = {}): Promise<CreateBundleResult> {
  const started = performance.now();
  const settings = settingsFrom(options);
  const refs = settings.images.map((source) => ({ source, ref: parseReference(source) }));
  const { onProgress, signal } = controls;
  const client = options.client ?? new RegistryClient(options.registry);
  try {
    // 1. resolve: every manifest, before any blob byte
    onProgress?.({ kind: 'phase-start', phase: 'resolve', totalItems: refs.length });
    // a few images at a time: each needs a handful of round trips, and order is kept
    const resolved = await mapLimit(refs, Math.min(settings.concurrency, 4), async ({ source, ref }) => {
      signal?.throwIfAborted();
      onProgress?.({ kind: 'item-start', phase: 'resolve', item: source });
      const image = await resolveImage(source, ref, { client, platforms: settings.platforms, signal });
      onProgress?.({ kind: 'item-end', phase: 'resolve', item: source, detail: image.top.digest });
      return image;
    });
    onProgress?.({ kind: 'phase-end', phase: 'resolve' });
    const plan = planBlobs(resolved, settings.includeForeignLayers);
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
    const carried = new Set(plan.blobs.map((b) => b.digest));
    const docker = dockerSaveEntries(resolved, carried);
    const head: LayoutInput<Buffer | PlannedBlob>[] = [
      { name: 'blobs', size: 0, type: 'directory', payload: Buffer.alloc(0) },
      { name: 'blobs/sha256', size: 0, type: 'directory', payload: Buffer.alloc(0) },
      ...([
        ['oci-layout', ociLayoutFile()],
        ['index.json', ociIndexFile(resolved)],
        ['manifest.json', dockerSaveFile(docker.entries)],
      ] as const).map(([name, bytes]) => ({ name, size: bytes.length, type: 'file' as const, payload: bytes })),
    ];
    const layout = layoutArchive<Buffer | PlannedBlob>([
      ...head,
      ...plan.blobs.map((b) => ({ name: blobPath(b.digest), size: b.size, type: 'file' as const, payload: b })),
    ]);

    const folder = await OutputFolder.prepare(settings.outputDir, { force: settings.force });
    try {
      await folder.ensureSpace(layout.totalSize);
      const parts = planParts(layout.totalSize, settings.partSize, (name) => folder.tempPath(name), ARCHIVE_BASE);
      const cache = settings.cacheDir ? await BlobCache.open(settings.cacheDir) : undefined;
      const file = await PartedFile.create(parts);
      const hasher = new TrailingHasher(parts);
      let digests;
      let bytesFromCache = 0;
      try {
        hasher.start(signal);
        const mtime = Math.floor(Date.now() / 1000);

        // headers and small metadata go in at once
        for (const entry of layout.entries) {
          await file.write(encodeTarHeader({ name: entry.name, size: entry.size, type: entry.type, mtime }), entry.headerOffset);
          if (Buffer.isBuffer(entry.payload)) {
            await file.write(entry.payload, entry.dataOffset);
            hasher.complete(entry.headerOffset, entry.end);
          }
        }
        hasher.complete(layout.entries.at(-1)!.end, layout.totalSize);

        // 3. fetch: blobs in archive order, `concurrency` at a time, each straight to its offset
        const blobEntries = layout.entries.filter((e): e is PlacedEntry<PlannedBlob> => !Buffer.isBuffer(e.payload));
        const totalBytes = blobEntries.reduce((n, e) => n + e.size, 0);
        onProgress?.({ kind: 'phase-start', phase: 'fetch', totalBytes, totalItems: blobEntries.length });
        const meter = new ProgressMeter('fetch', totalBytes, onProgress);
        const remaining = plan.perImage.map((p) => p.digests.size);
        const finishBlob = (blob: PlannedBlob): void => {
          for (const i of blob.images) {
            if (--remaining[i]! === 0) onProgress?.({ kind: 'item-end', phase: 'fetch', item: resolved[i]!.source });
          }
        };
        resolved.forEach((image) => onProgress?.({ kind: 'item-start', phase: 'fetch', item: image.source }));
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next < blobEntries.length) {
            signal?.throwIfAborted();
            const entry = blobEntries[next++]!;
            const blob = entry.payload;
            const { cached } = await copyBlob(blob, entry.dataOffset, { client, cache, file, signal, onBytes: (n) => meter.add(n) });
            if (cached) bytesFromCache += blob.size;
            hasher.complete(entry.headerOffset, entry.end);
            onProgress?.({ kind: 'item-end', phase: 'fetch', item: blob.digest, bytes: blob.size, cached });
            finishBlob(blob);
          }
        };
        await Promise.all(Array.from({ length: Math.min(settings.concurrency, blobEntries.length) }, worker));
        meter.finish();
        onProgress?.({ kind: 'phase-end', phase: 'fetch' });

        // 4. the hash trails the writers; only the tail is left now
        onProgress?.({ kind: 'phase-start', phase: 'hash', totalBytes: layout.totalSize });
        digests = await hasher.done();
        onProgress?.({ kind: 'phase-end', phase: 'hash' });
      } finally {
        await hasher.stop();
        await file.close();
      }

      // 5. bundle.json, then SHA256SUMS last: only now does the folder look complete
      const manifest = bundleManifest(resolved, plan.blobs, plan.perImage, docker.listed, settings, {
        parts: parts.map((p, i) => ({ name: p.name, size: p.size, sha256: digests.parts[i]! })),
        size: layout.totalSize,
        sha256: digests.sha256,
      });
      const json = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
      await folder.writeTemp(BUNDLE_FILE, json);
      const sums = formatSha256Sums([
        { sha256: createHash('sha256').update(json).digest('hex'), name: BUNDLE_FILE },
        ...manifest.archive.parts.map((p) => ({ sha256: p.sha256, name: p.name })),
      ]);
      await folder.writeTemp(SUMS_FILE, sums);
      signal?.throwIfAborted();
      await folder.promote([...parts.map((p) => p.name), BUNDLE_FILE, SUMS_FILE]);
      const seconds = (performance.now() - started) / 1000;
      const bytes = plan.blobs.reduce((n, b) => n + b.size, 0);
      return {
        dir: folder.dir,
        manifest,
        stats: { blobs: plan.blobs.length, bytes, bytesFromCache, bytesFetched: bytes - bytesFromCache, seconds },
      };
    } catch (error) {
      await folder.discard();
      throw error;
    }
  } finally {
    if (!options.client) await client.close();
  }
}

function bundleManifest(
  images: ResolvedImage[],
  blobs: PlannedBlob[],
  perImage: ReturnType<typeof planBlobs>['perImage'],
  dockerListed: boolean[],
  settings: Settings,
  archive: { parts: { name: string; size: number; sha256: string }[]; size: number; sha256: string },
): BundleManifest {
  const sizeOf = new Map(blobs.map((b) => [b.digest, b.size]));
  const records: ImageRecord[] = images.map((image, i) => {
    const blobsOfImage = perImage[i]!;
    const record: ImageRecord = {
      source: image.source,
      reference: image.reference,
      registry: image.ref.registry,
      repository: image.ref.repository,
      originalDigest: image.originalDigest,
      digest: image.top.digest,
      mediaType: image.top.mediaType,
      asPublished: image.asPublished,
      manifests: image.manifests.map((m) => ({
        digest: m.digest,
        size: m.bytes.length,
        mediaType: m.mediaType,
        ...(m.platform ? { platform: m.platform } : {}),
      })),
      size: [...blobsOfImage.digests].reduce((n, d) => n + (sizeOf.get(d) ?? 0), 0),
      foreignLayers: blobsOfImage.foreign.map((f) => ({
        digest: f.layer.digest,
        size: f.layer.size,
        mediaType: f.layer.mediaType,
        urls: f.layer.urls ?? [],
        carried: f.carried,
      })),
      dockerLoadable: dockerListed[i]!,
    };
    if (image.ref.tag) record.tag = image.ref.tag;
    return record;
  });
  return {
    schemaVersion: BUNDLE_SCHEMA_VERSION,
    mediaType: BUNDLE_MEDIA_TYPE,
    id: randomUUID(),
    created: new Date().toISOString(),
    tool: { name: 'ferry', version: TOOL_VERSION },
    ...(settings.platforms.length > 0 ? { platforms: settings.platforms.map(formatPlatform) } : {}),
    images: records,
    charts: [],
    files: [],
    blobs: blobs.map((b) => ({ digest: b.digest, size: b.size, mediaType: b.mediaType })),
    archive: { name: ARCHIVE_BASE, format: 'oci-layout+docker-archive', size: archive.size, sha256: archive.sha256, parts: archive.parts },
  };
}
