import { dirname } from 'node:path';
import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import { BundleArchive } from '../bundle/bundle-archive.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { inspectBundle } from '../bundle/inspect-bundle.js';
import { chartSourceName } from '../charts/map-chart.js';
import { isAbortError } from '../errors/ferry-error.js';
import { isManifestMediaType, MediaType } from '../oci/media-types.js';
import { registryProblem } from '../reference/parse-reference.js';
import type { VerifiedBundle } from '../verify/open-verified-bundle.js';
import type { InventoryBuilder } from './inventory-builder.js';
import { walkImage, type ReadManifest } from './walk-image.js';

/** How a bundle's content is recorded. */
export interface BundleContentOptions {
  /** Only the images, as `ctr images import` loads them (no referrers, no charts, no blob no image needs). */
  imagesOnly?: boolean;
  /** Hears what could not be learnt (an unreadable archive: blobs recorded without their repositories). */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

const PATH = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/**
 * Records what a bundle puts offline into `builder`, repositories named by source (`registry` = the image's registry,
 * `name` = its repository): each image's tag and manifests, its referrers (cosign tags included) and charts, and every
 * config and layer blob the bundle carries or, for a delta, relies on (`delta.omitted`: the offline side must have had
 * them to import it). With the archive, manifests are read from it (each checked against its digest) to learn which
 * repository holds each blob; without it (only `bundle.json` kept), blobs are recorded without their repositories,
 * unless the bundle has one repository.
 */
export async function addBundleContent(builder: InventoryBuilder, manifest: BundleManifest, archive: BundleArchive | undefined, options: BundleContentOptions = {}): Promise<void> {
  const { signal } = options;
  const held = new Map<string, number>();
  for (const blob of [...manifest.blobs, ...(manifest.delta?.omitted ?? [])]) if (!isManifestMediaType(blob.mediaType)) held.set(blob.digest, blob.size);
  const mediaTypes = new Map(manifest.blobs.map((b) => [b.digest, b.mediaType]));
  const read: ReadManifest | undefined = archive
    ? async (digest, mediaType) => {
        if (!archive.has(digest)) return undefined;
        return { mediaType, bytes: await archive.readCheckedBlob(digest) };
      }
    : undefined;
  const attributed = new Set<string>();
  const keys = new Set<string>();

  /** Records the manifests below `digest` and the blobs they need under `key`; false when that could not be read. */
  const walk = async (key: string, digest: string, mediaType: string, subject: string): Promise<boolean> => {
    if (!read) return false;
    try {
      const top = await read(digest, mediaType);
      if (!top) return false;
      const walked = await walkImage({ digest, ...top }, read, subject);
      for (const m of walked.manifests) builder.addManifest(key, m);
      for (const blob of walked.blobs.keys()) {
        const size = held.get(blob);
        if (size === undefined) continue;
        builder.addBlob(blob, size, key);
        attributed.add(blob);
      }
      return true;
    } catch (error) {
      if (isAbortError(error) || signal?.aborted) throw error;
      options.onWarning?.(`The manifests of ${subject} could not be read from the archive (${(error as Error).message}); its blobs are recorded without their repository.`);
      return false;
    }
  };

  for (const image of manifest.images) {
    signal?.throwIfAborted();
    if (registryProblem(image.registry) !== undefined || !PATH.test(image.repository)) {
      options.onWarning?.(`${image.reference} has a name an inventory cannot hold; it is left out.`);
      continue;
    }
    const key = builder.addRepository({ registry: image.registry, name: image.repository });
    keys.add(key);
    builder.addManifest(key, image.digest);
    if (image.tag !== undefined) builder.addTag(key, image.tag, image.digest);
    if (!(await walk(key, image.digest, image.mediaType, image.reference))) for (const m of image.manifests) builder.addManifest(key, m.digest);
    if (options.imagesOnly) continue;
    for (const referrer of image.referrers ?? []) {
      builder.addManifest(key, referrer.digest);
      if (referrer.tag !== undefined) builder.addTag(key, referrer.tag, referrer.digest);
      await walk(key, referrer.digest, referrer.mediaType, `${image.reference} ${referrer.kind} ${referrer.digest}`);
    }
  }
  if (!options.imagesOnly) {
    for (const chart of manifest.charts ?? []) {
      const source = chartSourceName(chart);
      if (!source || registryProblem(source.registry) !== undefined || !PATH.test(source.repository)) continue;
      const key = builder.addRepository({ registry: source.registry, name: source.repository });
      keys.add(key);
      builder.addManifest(key, chart.digest);
      builder.addTag(key, chart.version, chart.digest);
      await walk(key, chart.digest, mediaTypes.get(chart.digest) ?? MediaType.ociManifest, `chart ${chart.name} ${chart.version}`);
    }
    // what no manifest read placed: in the one repository there is, or in none known
    const only = keys.size === 1 ? [...keys][0] : undefined;
    for (const [digest, size] of held) if (!attributed.has(digest)) builder.addBlob(digest, size, only);
  }
}

/**
 * `--from-bundle DIR`: records a bundle already carried across (its folder, or its `bundle.json` alone), read by the
 * safe reader; source `{kind: 'bundle', bundleId, bundleSha256}`. Its archive, when there, tells which repository
 * holds which blob; when it cannot be read a warning says so and the blobs still count.
 */
export async function addBundleToInventory(builder: InventoryBuilder, target: string, controls: JobControls = {}): Promise<{ bundleId: string; images: number }> {
  const { onProgress, signal } = controls;
  const inspection = await inspectBundle(target);
  const { manifest } = inspection;
  const warn = (message: string): void => onProgress?.({ kind: 'warning', message, subject: target });
  onProgress?.({ kind: 'item-start', phase: 'resolve', item: target });
  let archive: BundleArchive | undefined;
  try {
    archive = await BundleArchive.open([dirname(inspection.path)], { manifest, ...(signal ? { signal } : {}) });
  } catch (error) {
    if (isAbortError(error) || signal?.aborted) throw error;
    warn(`The archive of ${target} cannot be read (${(error as Error).message}); its blobs are recorded from bundle.json, without their repositories.`);
  }
  try {
    builder.addSource({ kind: 'bundle', bundleId: manifest.id, bundleSha256: inspection.bundleSha256 });
    await addBundleContent(builder, manifest, archive, { onWarning: warn, ...(signal ? { signal } : {}) });
  } finally {
    await archive?.close();
  }
  onProgress?.({ kind: 'item-end', phase: 'resolve', item: target, detail: `${manifest.images.length} image(s)` });
  return { bundleId: manifest.id, images: manifest.images.length };
}

/**
 * What `ferry import --to-dir` / `--to-containerd` put into containerd (directly, or through k3s/k0s importing the
 * images folder): the verified bundle's images under their references, source `{kind: 'containerd', namespace}`.
 */
export async function addPlacedBundleToInventory(builder: InventoryBuilder, bundle: VerifiedBundle, namespace: string, controls: JobControls = {}): Promise<void> {
  const { signal } = controls;
  const archive = await bundle.openArchive(signal ? { signal } : {});
  try {
    builder.addSource({ kind: 'containerd', namespace });
    await addBundleContent(builder, bundle.manifest, archive, {
      imagesOnly: true,
      onWarning: (message) => controls.onProgress?.({ kind: 'warning', message }),
      ...(signal ? { signal } : {}),
    });
  } finally {
    await archive.close();
  }
}
