import { randomFillSync } from 'node:crypto';
import { makeConfig, makeOciManifest, makeTar, layerFromTar, type BlobRef, type Layer } from './image-builder.js';
import { pushBlob, pushManifest, type PushTarget } from './push.js';

/** Options for {@link makeRandomLayer}. */
export interface RandomLayerOptions {
  /** gzip level; default 0 (stored blocks: valid gzip, ~10× faster than level 1 on random data). */
  level?: number;
  /** File name inside the tar (default `data/random.bin`). */
  name?: string;
}

/**
 * A layer holding one file of `bytes` incompressible random bytes. Everything is in memory (random data,
 * tar, gzip), so keep layers moderate (≤ 64 MiB); seedBenchImages() splits big totals into many layers.
 */
export async function makeRandomLayer(bytes: number, options: RandomLayerOptions = {}): Promise<Layer> {
  const data = Buffer.allocUnsafe(bytes);
  // randomFillSync refuses more than 2^31-1 bytes per call.
  for (let offset = 0; offset < bytes; offset += 1 << 30) randomFillSync(data, offset, Math.min(1 << 30, bytes - offset));
  const tar = await makeTar({ [options.name ?? 'data/random.bin']: data });
  return layerFromTar(tar, { level: options.level ?? 0 });
}

/** A seeded benchmark image (OCI manifest, linux/amd64). */
export interface BenchImage {
  /** `bench/img-N:latest` (no registry host). */
  ref: string;
  repository: string;
  tag: string;
  digest: string;
  mediaType: string;
  manifestBytes: Buffer;
  config: BlobRef;
  layers: Array<BlobRef & { diffID: string }>;
}

/** Pushes the config and OCI manifest (tag `latest`, linux/amd64, running `cmd`) of an image whose layers are pushed already. */
async function pushBenchImage(
  registry: PushTarget,
  repo: string,
  layers: Array<BlobRef & { diffID: string }>,
  cmd: string[],
  push: { skipExisting?: boolean } = {},
): Promise<BenchImage> {
  const config = makeConfig({ os: 'linux', architecture: 'amd64' }, layers.map((l) => l.diffID), { cmd });
  await pushBlob(registry, repo, config.bytes, push);
  const manifest = makeOciManifest(config, layers);
  await pushManifest(registry, repo, 'latest', manifest.bytes, manifest.mediaType);
  return {
    ref: `${repo}:latest`,
    repository: repo,
    tag: 'latest',
    digest: manifest.digest,
    mediaType: manifest.mediaType,
    manifestBytes: manifest.bytes,
    config: { digest: config.digest, size: config.size },
    layers,
  };
}

/** What {@link seedBenchImages} pushed. */
export interface BenchImages {
  images: BenchImage[];
  /** Sum of the sizes of every distinct blob (layers + configs): what a deduplicating bundle stores. */
  distinctBlobBytes: number;
  /** Sum over images of their blob sizes (shared layers counted once per image). */
  referencedBytes: number;
  /** Digest of the layer every image shares. */
  sharedLayerDigest: string;
  /** Wall time of the seeding, in milliseconds. */
  elapsedMs: number;
}

/** Options for {@link seedBenchImages}. */
export interface SeedBenchOptions {
  /** Number of images (default 4). */
  imageCount?: number;
  /** Upper bound for one layer's size (default 32 MiB). */
  maxLayerBytes?: number;
  /** Layers generated and pushed at once (default 2); memory ≈ 3 × maxLayerBytes × concurrency. */
  concurrency?: number;
  /** Repository prefix (default `bench`). */
  repositoryPrefix?: string;
}

/**
 * Pushes `imageCount` OCI images `bench/img-N:latest` whose distinct blobs total ≥ `totalBytes`: one random
 * layer shared by every image (cross-repository mounted), plus unique random layers dealt round-robin.
 * Layers are generated and pushed `concurrency` at a time, so memory stays bounded whatever the total.
 */
export async function seedBenchImages(registry: PushTarget, totalBytes: number, options: SeedBenchOptions = {}): Promise<BenchImages> {
  const started = Date.now();
  const imageCount = Math.max(1, options.imageCount ?? 4);
  const prefix = options.repositoryPrefix ?? 'bench';
  const layerBytes = Math.min(options.maxLayerBytes ?? 32 * 1024 * 1024, Math.max(64 * 1024, Math.ceil(totalBytes / (imageCount + 1))));
  const layerCount = Math.max(imageCount + 1, Math.ceil(totalBytes / layerBytes));
  const repos = Array.from({ length: imageCount }, (_, i) => `${prefix}/img-${i}`);
  const imageLayers: Array<Array<BlobRef & { diffID: string }>> = repos.map(() => []);

  // The shared layer: pushed once, then mounted into every other repository.
  const shared = await makeRandomLayer(layerBytes, { name: 'data/shared.bin' });
  await pushBlob(registry, repos[0]!, shared.bytes);
  for (const repo of repos.slice(1)) await pushBlob(registry, repo, shared.bytes, { mountFrom: repos[0]! });
  for (const layers of imageLayers) layers.push({ digest: shared.digest, size: shared.size, diffID: shared.diffID });
  let distinctBlobBytes = shared.size;

  // Unique layers, round-robin over the images, `concurrency` in flight.
  const unique = Array.from({ length: layerCount - 1 }, (_, i) => i);
  const results: Array<{ image: number; ref: BlobRef & { diffID: string } }> = [];
  const worker = async (): Promise<void> => {
    for (let i = unique.shift(); i !== undefined; i = unique.shift()) {
      const image = i % imageCount;
      const layer = await makeRandomLayer(layerBytes, { name: `data/layer-${i}.bin` });
      await pushBlob(registry, repos[image]!, layer.bytes, { skipExisting: false });
      results[i] = { image, ref: { digest: layer.digest, size: layer.size, diffID: layer.diffID } };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
  for (const { image, ref } of results) {
    imageLayers[image]!.push(ref);
    distinctBlobBytes += ref.size;
  }

  const images: BenchImage[] = [];
  let referencedBytes = 0;
  for (const [i, repo] of repos.entries()) {
    const layers = imageLayers[i]!;
    const image = await pushBenchImage(registry, repo, layers, ['/bin/true']);
    distinctBlobBytes += image.config.size;
    referencedBytes += image.config.size + layers.reduce((sum, l) => sum + l.size, 0);
    images.push(image);
  }
  return { images, distinctBlobBytes, referencedBytes, sharedLayerDigest: shared.digest, elapsedMs: Date.now() - started };
}

/** Options for {@link seedSmallImages}. */
export interface SeedSmallOptions {
  /** Number of images (default 300). */
  imageCount?: number;
  /** Distinct base layers the images share, like real images built `FROM` a few bases (default 6). */
  baseCount?: number;
  /** Size of each base layer (default 2 MiB). */
  baseBytes?: number;
  /** Own layers per image on top of its base (default 2). */
  layersPerImage?: number;
  /** Typical size of an own layer (default 96 KiB; they vary from ½× to 2× this). */
  layerBytes?: number;
  /** Images pushed at once (default 8). */
  concurrency?: number;
  /** Repository prefix (default `small`): images are `PREFIX/app-N:latest`. */
  repositoryPrefix?: string;
}

/**
 * Pushes many small OCI images (`PREFIX/app-N:latest`): each one of `baseCount` shared base layers (pushed once, then
 * cross-repository mounted, as registries hold real images) plus `layersPerImage` small random layers of its own.
 */
export async function seedSmallImages(registry: PushTarget, options: SeedSmallOptions = {}): Promise<BenchImages> {
  const started = Date.now();
  const imageCount = Math.max(1, options.imageCount ?? 300);
  const baseCount = Math.max(1, Math.min(imageCount, options.baseCount ?? 6));
  const layersPerImage = Math.max(0, options.layersPerImage ?? 2);
  const layerBytes = Math.max(1024, options.layerBytes ?? 96 * 1024);
  const prefix = options.repositoryPrefix ?? 'small';
  const repos = Array.from({ length: imageCount }, (_, i) => `${prefix}/app-${i}`);
  const bases = await Promise.all(Array.from({ length: baseCount }, (_, i) => makeRandomLayer(options.baseBytes ?? 2 * 1024 * 1024, { name: `base/${i}.bin` })));
  // each base pushed into the first repository that uses it (repository i uses base i % baseCount)
  await Promise.all(bases.map((base, i) => pushBlob(registry, repos[i]!, base.bytes)));
  let distinctBlobBytes = bases.reduce((n, b) => n + b.size, 0);
  let referencedBytes = 0;
  const images: BenchImage[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < imageCount; i = next++) {
      const repo = repos[i]!;
      const base = bases[i % baseCount]!;
      if (i >= baseCount) await pushBlob(registry, repo, base.bytes, { mountFrom: repos[i % baseCount]!, skipExisting: false });
      const layers: Array<BlobRef & { diffID: string }> = [{ digest: base.digest, size: base.size, diffID: base.diffID }];
      for (let j = 0; j < layersPerImage; j++) {
        const bytes = Math.round((layerBytes * (1 + ((i * 7 + j * 3) % 7))) / 4);
        const layer = await makeRandomLayer(bytes, { name: `app/${i}-${j}.bin` });
        await pushBlob(registry, repo, layer.bytes, { skipExisting: false });
        layers.push({ digest: layer.digest, size: layer.size, diffID: layer.diffID });
        distinctBlobBytes += layer.size;
      }
      const image = await pushBenchImage(registry, repo, layers, [`/app-${i}`], { skipExisting: false });
      distinctBlobBytes += image.config.size;
      referencedBytes += image.config.size + layers.reduce((sum, l) => sum + l.size, 0);
      images[i] = image;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
  return { images, distinctBlobBytes, referencedBytes, sharedLayerDigest: bases[0]!.digest, elapsedMs: Date.now() - started };
}
