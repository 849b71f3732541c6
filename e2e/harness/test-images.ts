import type { BlobServerHandle } from './foreign-server.js';
import {
  asForeignLayer,
  buildMultiImage,
  buildSingleImage,
  imageBlobs,
  layerFromTar,
  makeLayer,
  makeTar,
  zstdLayerFromTar,
  type BuiltImage,
  type ImagePlatform,
  type Layer,
} from './image-builder.js';
import { pushImage } from './push-image.js';
import type { PushTarget } from './push.js';

/** A seeded image plus everything a test needs to assert on it exactly. */
export interface SeededImage extends BuiltImage {
  /** `test/multi:1` (no registry host). */
  ref: string;
  /** `127.0.0.1:PORT/test/multi:1`. */
  fullRef: string;
  repository: string;
  tag: string;
  /** Digest of the top-level manifest/index (same as manifest.digest). */
  digest: string;
  /** Media type of the top-level manifest/index (same as manifest.mediaType). */
  mediaType: string;
  /** Top-level digest plus every platform manifest digest (distinct). */
  manifestDigests: string[];
  /** Distinct config + layer digests, foreign layers included. */
  blobDigests: Set<string>;
  /** Distinct blob digests the registry actually holds (blobDigests minus foreign layers). */
  registryBlobDigests: Set<string>;
  /** Digests of the foreign layers (served by the blob server, not the registry). */
  foreignBlobDigests: Set<string>;
}

/** The standard test images (see {@link seedTestImages}). */
export interface SeededTestImages {
  /** `test/multi:1` — OCI index: linux/amd64, linux/arm64/v8, linux/arm/v7; shared base layer + one own layer each. */
  multi: SeededImage;
  /** `test/shared:1` — OCI manifest linux/amd64: the same base layer as multi + its own layer. */
  shared: SeededImage;
  /** `test/single:1.0` — Docker v2 schema 2 manifest linux/amd64 (docker media types throughout). */
  single: SeededImage;
  /** `test/windows:ltsc` — Docker manifest list: 3 × windows/amd64 (os.version 10.0.17763.5458, 10.0.20348.2340,
   * 10.0.26100.1742) each with a foreign base layer + a normal layer, and linux/amd64. */
  windows: SeededImage;
  /** All four, in the order above. */
  all: SeededImage[];
  /** The base layer shared by multi (all platforms) and shared. */
  baseLayer: Layer;
  /** Bytes of the foreign layers by digest (serve them with startBlobServer). */
  foreignBlobs: Map<string, Buffer>;
  /** Base URL the foreign layers' `urls` point to. */
  foreignBaseUrl: string;
}

/** Options for {@link seedTestImages}. */
export interface SeedTestImagesOptions {
  /** A blob server to serve the foreign layers: its baseUrl is used and the layers are added to its map. */
  blobServer?: BlobServerHandle;
  /** Base URL for foreign layer `urls` (default: blobServer.baseUrl, else http://127.0.0.1:9/foreign — nothing
   * listens there). Must match the registry's allow pattern `^http://127\.0\.0\.1`. */
  foreignBaseUrl?: string;
}

/** Images are reproducible: the same bytes (and digests) every run, for a given foreign base URL. */
async function buildTestImages(foreignBaseUrl: string): Promise<{ images: Record<'multi' | 'shared' | 'single' | 'windows', BuiltImage>; baseLayer: Layer }> {
  const baseLayer = await makeLayer({
    'etc/os-release': 'ID=ferry-base\nNAME="Ferry test base"\n',
    'bin/base.txt': 'shared base layer\n',
  });
  const multiPlatforms: ImagePlatform[] = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
    { os: 'linux', architecture: 'arm', variant: 'v7' },
  ];
  const multi = buildMultiImage(
    'oci',
    await Promise.all(
      multiPlatforms.map(async (platform) => ({
        platform,
        layers: [baseLayer, await makeLayer({ 'app/platform.txt': `multi ${platform.os}/${platform.architecture}/${platform.variant ?? ''}\n` })],
      })),
    ),
  );
  const shared = buildSingleImage('oci', { os: 'linux', architecture: 'amd64' }, [
    baseLayer,
    await makeLayer({ 'app/shared.txt': 'test/shared own layer\n' }),
  ]);
  const single = buildSingleImage('docker', { os: 'linux', architecture: 'amd64' }, [
    await makeLayer({ 'etc/os-release': 'ID=ferry-single\n' }),
    await makeLayer({ 'app/single.txt': 'test/single:1.0\n' }),
  ]);
  const windowsVersions = ['10.0.17763.5458', '10.0.20348.2340', '10.0.26100.1742'];
  const windows = buildMultiImage('docker', [
    ...(await Promise.all(
      windowsVersions.map(async (osVersion) => ({
        platform: { os: 'windows', architecture: 'amd64', osVersion },
        layers: [
          asForeignLayer(await makeLayer({ 'Files/Windows/System32/version.txt': `Windows base ${osVersion}\n` }), foreignBaseUrl),
          await makeLayer({ 'Files/app/app.txt': `windows app for ${osVersion}\n` }),
        ],
      })),
    )),
    {
      platform: { os: 'linux', architecture: 'amd64' },
      layers: [await makeLayer({ 'etc/os-release': 'ID=ferry-windows-linux\n' }), await makeLayer({ 'app/linux.txt': 'linux side of test/windows\n' })],
    },
  ]);
  return { images: { multi, shared, single, windows }, baseLayer };
}

/** Adds ref/digest bookkeeping to a built image. */
function describe(host: string, repository: string, tag: string, image: BuiltImage): SeededImage {
  const blobs = imageBlobs(image);
  const all = [...blobs.values()];
  return {
    ...image,
    ref: `${repository}:${tag}`,
    fullRef: `${host}/${repository}:${tag}`,
    repository,
    tag,
    digest: image.manifest.digest,
    mediaType: image.manifest.mediaType,
    manifestDigests: [...new Set([image.manifest.digest, ...image.platforms.map((p) => p.manifest.digest)])],
    blobDigests: new Set(all.map((b) => b.digest)),
    registryBlobDigests: new Set(all.filter((b) => !b.foreign).map((b) => b.digest)),
    foreignBlobDigests: new Set(all.filter((b) => b.foreign).map((b) => b.digest)),
  };
}

/**
 * Pushes the standard test images (test/multi:1, test/shared:1, test/single:1.0, test/windows:ltsc) to a
 * registry and describes them byte for byte. The registry must allow foreign URLs (startRegistry's
 * default). Works with any auth mode (push.ts answers Basic and Bearer challenges).
 */
export async function seedTestImages(
  registry: PushTarget & { host: string },
  options: SeedTestImagesOptions = {},
): Promise<SeededTestImages> {
  const foreignBaseUrl = options.foreignBaseUrl ?? options.blobServer?.baseUrl ?? 'http://127.0.0.1:9/foreign';
  const { images, baseLayer } = await buildTestImages(foreignBaseUrl);
  const refs = { multi: ['test/multi', '1'], shared: ['test/shared', '1'], single: ['test/single', '1.0'], windows: ['test/windows', 'ltsc'] } as const;
  const seeded = {} as Record<keyof typeof refs, SeededImage>;
  for (const key of Object.keys(refs) as Array<keyof typeof refs>) {
    const [repo, tag] = refs[key];
    try {
      await pushImage(registry, repo, tag, images[key]);
    } catch (err) {
      const hint = key === 'windows' ? ' (foreign layers: was the registry started with allowForeignUrls?)' : '';
      throw new Error(`seedTestImages: pushing ${repo}:${tag} failed${hint}: ${err instanceof Error ? err.message : String(err)}`);
    }
    seeded[key] = describe(registry.host, repo, tag, images[key]);
  }
  const foreignBlobs = new Map<string, Buffer>();
  for (const p of images.windows.platforms) for (const l of p.layers) if (l.urls) foreignBlobs.set(l.digest, l.bytes);
  if (options.blobServer) for (const [d, b] of foreignBlobs) options.blobServer.blobs.set(d, b);
  return { ...seeded, all: [seeded.multi, seeded.shared, seeded.single, seeded.windows], baseLayer, foreignBlobs, foreignBaseUrl };
}

/** Twins: one image (one config) whose layers are compressed three ways (see {@link seedZstdTwins}). */
export interface SeededZstdTwins {
  /** `test/twins:zstd` — OCI manifest linux/amd64, both layers `tar+zstd` (made with the zstd CLI). */
  zstd: SeededImage;
  /** `test/twins:gzip` — the same config, both layers gzip (level 6). */
  gzip: SeededImage;
  /** `mirror/twins:gzip` — the same config, as re-gzipped by a mirror: the first layer the gzip twin's, the second gzip level 1. */
  regzip: SeededImage;
  /** All three, in the order above. */
  all: SeededImage[];
}

/**
 * Pushes three images with the same config and other layer blobs: the same two tars as zstd layers,
 * as gzip layers, and re-gzipped (one layer shared with the gzip twin). What a zstd conversion or a
 * recompressing mirror makes; docker-save's `manifest.json` needs an entry for each (Config alone does not
 * tell them apart). Needs the `zstd` CLI.
 */
export async function seedZstdTwins(registry: PushTarget & { host: string }): Promise<SeededZstdTwins> {
  const filler = (seed: string): string => Array.from({ length: 400 }, (_, i) => `${seed} line ${i} ${(i * 7919) % 1009}\n`).join('');
  const tars = [
    await makeTar({ 'etc/os-release': 'ID=ferry-twins\n', 'usr/share/twins/base.txt': filler('base') }),
    await makeTar({ 'app/twins.txt': 'same tar, three compressions\n', 'app/data.txt': filler('app') }),
  ];
  const gzipLayers = await Promise.all(tars.map((t) => layerFromTar(t)));
  const zstdLayers = await Promise.all(tars.map((t) => zstdLayerFromTar(t)));
  const regzipLayers = [gzipLayers[0]!, await layerFromTar(tars[1]!, { level: 1 })];
  const platform: ImagePlatform = { os: 'linux', architecture: 'amd64' };
  const built = { zstd: buildSingleImage('oci', platform, zstdLayers), gzip: buildSingleImage('oci', platform, gzipLayers), regzip: buildSingleImage('oci', platform, regzipLayers) };
  const configs = new Set(Object.values(built).map((i) => i.platforms[0]!.config.digest));
  const layers = new Set(Object.values(built).flatMap((i) => i.platforms[0]!.layers.map((l) => l.digest)));
  if (configs.size !== 1 || layers.size !== 5) throw new Error(`seedZstdTwins: expected 1 config and 5 layer blobs, got ${configs.size} and ${layers.size}`);
  const refs = { zstd: ['test/twins', 'zstd'], gzip: ['test/twins', 'gzip'], regzip: ['mirror/twins', 'gzip'] } as const;
  const seeded = {} as Record<keyof typeof refs, SeededImage>;
  for (const key of Object.keys(refs) as Array<keyof typeof refs>) {
    const [repo, tag] = refs[key];
    await pushImage(registry, repo, tag, built[key]);
    seeded[key] = describe(registry.host, repo, tag, built[key]);
  }
  return { ...seeded, all: [seeded.zstd, seeded.gzip, seeded.regzip] };
}
