import { dirname } from 'node:path';
import type { BundleManifest, ImageRecord } from '../../../shared/bundle-manifest.js';
import type { DiffSide } from '../../../shared/diff-report.js';
import { escapeControl, formatPlatformRecord } from '../../../shared/format.js';
import type { Inventory } from '../../../shared/inventory.js';
import { BundleArchive } from '../bundle/bundle-archive.js';
import { inspectBundle, isBundlePath } from '../bundle/inspect-bundle.js';
import { FerryError, isAbortError } from '../errors/ferry-error.js';
import { readInventory } from '../inventory/read-inventory.js';
import { walkImage, type ReadManifest } from '../inventory/walk-image.js';

/** One image of a side, named as that side names it. */
export interface SideImage {
  /** `registry/path` (an inventory repository without a registry: `path`). */
  repository: string;
  /** The repository path without the registry (an inventory of a registry: with the import's prefix). */
  path: string;
  /** `:tag`, or `@digest` for an image pinned by digest only. */
  suffix: string;
  digest: string;
  /** Platforms carried; null when the side does not record them. */
  platforms: string[] | null;
  /** Every blob the image needs (digest → size), manifests included; null when the side does not say. */
  blobs: Map<string, number> | null;
}

/** A side of a diff, read and reduced to what the comparison needs. */
export interface DiffSideData {
  summary: DiffSide;
  images: SideImage[];
  /** Everything the side holds or puts offline (digest → size; undefined when only the digest is known). */
  held: Map<string, number | undefined>;
  /** What the side itself carries (a delta's blobs relied on are not carried). */
  carried: Map<string, number>;
  /** Signature, attestation and SBOM tags of an inventory, not listed as images. */
  referrerTags: number;
  warnings: string[];
}

/** How a side is read. */
export interface ReadDiffSideOptions {
  /** `OLD` or `NEW`: named in messages. */
  role: string;
  /** Learn which blobs each image uses (reads the bundle's manifests from its archive); only NEW needs it. */
  imageBlobs: boolean;
  signal?: AbortSignal;
}

/** A cosign-style tag (`sha256-<hex>`, `.sig`, `.att`, `.sbom`): a signature or attestation, not an image. */
const REFERRER_TAG = /^sha256-[a-f0-9]{64}(?:\.[A-Za-z0-9_-]+)?$/;

/**
 * Reads one side of a diff: a bundle folder or its `bundle.json` (through {@link inspectBundle}, the checked reader),
 * or any other file as an inventory (through {@link readInventory}, which refuses a hostile one). Throws `not-found`
 * when the path does not exist, and the readers' errors otherwise, each prefixed with the side's role.
 */
export async function readDiffSide(path: string, options: ReadDiffSideOptions): Promise<DiffSideData> {
  const isBundle = await isBundlePath(path);
  if (isBundle === undefined) {
    throw new FerryError('not-found', `${options.role} ${escapeControl(path)} does not exist; give a bundle folder (or its bundle.json) or an inventory file.`, { subject: path });
  }
  try {
    return isBundle ? await readBundleSide(path, options) : await readInventorySide(path);
  } catch (error) {
    if (error instanceof FerryError && !isAbortError(error)) {
      throw new FerryError(error.code, `${options.role}: ${error.message}`, { subject: error.subject ?? path, cause: error });
    }
    throw error;
  }
}

/** The platforms an image record carries, in its order, each once; null when none is recorded. */
function platformsOf(image: ImageRecord): string[] | null {
  const platforms = [...new Set(image.manifests.flatMap((m) => (m.platform ? [formatPlatformRecord(m.platform)] : [])).filter((p) => p !== 'unknown/unknown'))];
  return platforms.length > 0 ? platforms : null;
}

async function readBundleSide(path: string, options: ReadDiffSideOptions): Promise<DiffSideData> {
  const inspection = await inspectBundle(path);
  const { manifest } = inspection;
  const omitted = manifest.delta?.omitted ?? [];
  const carried = new Map(manifest.blobs.map((b) => [b.digest, b.size]));
  const held = new Map<string, number | undefined>([...omitted.map((o) => [o.digest, o.size] as const), ...carried]);
  const warnings: string[] = [];
  const blobsOf = options.imageBlobs ? await readImageBlobs(dirname(inspection.path), manifest, options, warnings) : undefined;
  const images = manifest.images.map((image, i): SideImage => ({
    repository: `${image.registry}/${image.repository}`,
    path: image.repository,
    suffix: image.tag !== undefined ? `:${image.tag}` : `@${image.originalDigest}`,
    digest: image.digest,
    platforms: platformsOf(image),
    blobs: blobsOf?.[i] ?? null,
  }));
  const summary: DiffSide = {
    path,
    kind: 'bundle',
    sha256: inspection.bundleSha256,
    bundleId: manifest.id,
    created: manifest.created,
    images: images.length,
    blobs: carried.size,
    bytes: sum(carried.values()),
    platformsKnown: true,
    ...(manifest.delta ? { delta: { blobsReliedOn: omitted.length, bytesReliedOn: sum(omitted.map((o) => o.size)) } } : {}),
  };
  return { summary, images, held, carried, referrerTags: 0, warnings };
}

/**
 * Every blob each image of a bundle needs — its manifests (top, platform manifests, the published index when carried,
 * referrers), and the configs and layers they list — read from the archive, each manifest checked against its digest.
 * Sizes are the bundle's records (carried or relied on), so an image's total is its `size`. An image whose manifests
 * cannot be read gets undefined, with a warning; an archive that cannot be opened (a `bundle.json` alone), all of them.
 */
async function readImageBlobs(dir: string, manifest: BundleManifest, options: ReadDiffSideOptions, warnings: string[]): Promise<(Map<string, number> | undefined)[]> {
  const { signal } = options;
  const sizeOf = new Map<string, number>([...(manifest.delta?.omitted ?? []), ...manifest.blobs].map((b) => [b.digest, b.size]));
  let archive: BundleArchive;
  try {
    archive = await BundleArchive.open([dir], { manifest, ...(signal ? { signal } : {}) });
  } catch (error) {
    if (isAbortError(error) || signal?.aborted) throw error;
    warnings.push(`The archive of ${options.role} ${dir} cannot be read (${(error as Error).message}); which blobs each image uses is unknown, so its new bytes are not given (the blobs added still are, from bundle.json).`);
    return manifest.images.map(() => undefined);
  }
  try {
    const read: ReadManifest = async (digest, mediaType) => {
      if (!archive.has(digest)) return undefined;
      return { mediaType, bytes: await archive.readCheckedBlob(digest) };
    };
    const result: (Map<string, number> | undefined)[] = [];
    for (const image of manifest.images) {
      signal?.throwIfAborted();
      try {
        const digests = new Set<string>([image.digest, ...image.manifests.map((m) => m.digest)]);
        if (image.originalManifest) digests.add(image.originalManifest.digest);
        const walk = async (digest: string, mediaType: string): Promise<void> => {
          const top = await read(digest, mediaType);
          if (!top) throw new FerryError('damaged', `the archive lacks manifest ${digest}`, { subject: digest });
          const walked = await walkImage({ digest, ...top }, read, image.reference);
          for (const d of [...walked.manifests, ...walked.blobs.keys()]) digests.add(d);
        };
        await walk(image.digest, image.mediaType);
        for (const referrer of image.referrers ?? []) {
          digests.add(referrer.digest);
          await walk(referrer.digest, referrer.mediaType);
        }
        for (const layer of image.foreignLayers) if (layer.carried) digests.add(layer.digest);
        const blobs = new Map<string, number>();
        for (const d of digests) {
          const size = sizeOf.get(d);
          if (size !== undefined) blobs.set(d, size);
        }
        result.push(blobs);
      } catch (error) {
        if (isAbortError(error) || signal?.aborted) throw error;
        warnings.push(`The manifests of ${image.reference} in ${options.role} cannot be read from its archive (${(error as Error).message}); its new bytes are not given.`);
        result.push(undefined);
      }
    }
    return result;
  } finally {
    await archive.close();
  }
}

async function readInventorySide(path: string): Promise<DiffSideData> {
  const reading = await readInventory(path);
  const { inventory } = reading;
  const images: SideImage[] = [];
  let referrerTags = 0;
  for (const repo of inventory.repositories) {
    const repository = repo.registry === undefined ? repo.name : `${repo.registry}/${repo.name}`;
    for (const [tag, digest] of Object.entries(repo.tags)) {
      if (REFERRER_TAG.test(tag)) referrerTags++;
      else images.push({ repository, path: repo.name, suffix: `:${tag}`, digest, platforms: null, blobs: null });
    }
  }
  const carried = new Map(inventory.blobs.map((b) => [b.digest, b.size]));
  const held = new Map<string, number | undefined>(manifestsOf(inventory).map((d) => [d, undefined]));
  for (const [digest, size] of carried) held.set(digest, size);
  const summary: DiffSide = {
    path,
    kind: 'inventory',
    sha256: reading.sha256,
    created: inventory.created,
    images: images.length,
    blobs: carried.size,
    bytes: sum(carried.values()),
    platformsKnown: false,
  };
  return { summary, images, held, carried, referrerTags, warnings: [] };
}

/** Every manifest digest an inventory lists (an inventory records no manifest sizes). */
function manifestsOf(inventory: Inventory): string[] {
  return inventory.repositories.flatMap((r) => r.manifests);
}

function sum(values: Iterable<number>): number {
  let n = 0;
  for (const v of values) n += v;
  return n;
}
