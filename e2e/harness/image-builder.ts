import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { sha256Digest } from './digest.js';
import { MediaTypes } from './media-types.js';

const gzip = promisify(gzipCallback);

/** A platform as the harness describes it (`os.version` spelled osVersion, like the engine's Platform). */
export interface ImagePlatform {
  os: string;
  architecture: string;
  variant?: string;
  osVersion?: string;
}

/** Any content-addressed blob with its bytes. */
export interface BuiltBlob {
  digest: string;
  size: number;
  bytes: Buffer;
}

/** A compressed tar layer (gzip unless `compression` says zstd): `digest`/`size` of the compressed bytes, `diffID` of the uncompressed tar. */
export interface Layer extends BuiltBlob {
  diffID: string;
  uncompressedSize: number;
  /** 'zstd' for a zstd layer (`tar+zstd`); absent for gzip. */
  compression?: 'zstd';
  /** Set for foreign (non-distributable) layers: where clients download them; never pushed. */
  urls?: string[];
}

/** What a manifest needs to know about a blob (a Layer or ImageConfig fits; so does a bare digest/size). */
export interface BlobRef {
  digest: string;
  size: number;
  /** Foreign layers only. */
  urls?: string[];
  /** Layers only: 'zstd' for a zstd layer; absent for gzip. */
  compression?: 'zstd';
}

/** An image config blob. */
export interface ImageConfig extends BuiltBlob {
  platform: ImagePlatform;
  diffIDs: string[];
  json: Record<string, unknown>;
}

/** A content descriptor as it appears in manifests and indexes. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  platform?: DescriptorPlatform;
  annotations?: Record<string, string>;
}

/** The `platform` object of an index / manifest list entry. */
export interface DescriptorPlatform {
  architecture: string;
  os: string;
  'os.version'?: string;
  variant?: string;
}

/** A serialized manifest, index or manifest list. */
export interface BuiltManifest extends BuiltBlob {
  mediaType: string;
  json: Record<string, unknown>;
}

/** One entry of an index / manifest list. */
export interface IndexEntry {
  manifest: BuiltManifest;
  platform: ImagePlatform;
}

/** Serializes JSON the way the harness stores it (3-space indent, like docker). */
function toBytes(json: unknown): Buffer {
  return Buffer.from(JSON.stringify(json, null, 3));
}

/** Fixed timestamp for reproducible tars and configs. */
const EPOCH = new Date('2024-01-01T00:00:00Z');

/** Options for {@link makeTar} / {@link makeLayer}. */
export interface LayerOptions {
  /** gzip level (default 6; 0 stores, which is still valid gzip). */
  level?: number;
  /** mtime of every entry (default 2024-01-01). */
  mtime?: Date;
}

/** Builds an uncompressed tar, reproducibly: sorted paths, parent dirs added, uid/gid 0, fixed mtime. */
export async function makeTar(files: Record<string, string | Buffer>, options: LayerOptions = {}): Promise<Buffer> {
  const mtime = options.mtime ?? EPOCH;
  const pack = tarPack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk) => {
    chunks.push(chunk as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const dirs = new Set<string>();
  const paths = Object.keys(files).map((p) => p.replace(/^\/+/, '')).sort();
  for (const path of paths) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const entries = [...[...dirs].map((d) => ({ name: `${d}/`, dir: true })), ...paths.map((p) => ({ name: p, dir: false }))];
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.dir) {
      pack.entry({ name: entry.name, type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime });
    } else {
      const content = files[entry.name] ?? files[`/${entry.name}`] ?? '';
      const data = typeof content === 'string' ? Buffer.from(content) : content;
      pack.entry({ name: entry.name, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime, size: data.length }, data);
    }
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Gzips an uncompressed tar into a {@link Layer}. */
export async function layerFromTar(tar: Buffer, options: LayerOptions = {}): Promise<Layer> {
  const bytes = await gzip(tar, { level: options.level ?? 6 });
  return { digest: sha256Digest(bytes), size: bytes.length, bytes, diffID: sha256Digest(tar), uncompressedSize: tar.length };
}

/**
 * Compresses an uncompressed tar with zstd into a {@link Layer} (`tar+zstd`, the same diffID as its
 * gzip twin). Node 20's zlib has no zstd, so this runs the `zstd` CLI (Debian package `zstd`,
 * scripts/install-test-tools.sh); the output is reproducible for a given zstd version and level.
 */
export async function zstdLayerFromTar(tar: Buffer, options: { level?: number } = {}): Promise<Layer> {
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const child = execFile('zstd', ['-q', '-c', `-${options.level ?? 3}`], { encoding: 'buffer', maxBuffer: 1 << 30 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`zstdLayerFromTar: zstd failed (is the zstd CLI installed? scripts/install-test-tools.sh): ${error.message} ${stderr.toString()}`));
      else resolve(stdout);
    });
    child.stdin!.end(tar);
  });
  return { digest: sha256Digest(bytes), size: bytes.length, bytes, diffID: sha256Digest(tar), uncompressedSize: tar.length, compression: 'zstd' };
}

/** Builds a reproducible gzip'd tar layer from `path → content`. */
export async function makeLayer(files: Record<string, string | Buffer>, options: LayerOptions = {}): Promise<Layer> {
  return layerFromTar(await makeTar(files, options), options);
}

/** Marks a layer as foreign: manifests then list it with the foreign media type and `urls: [baseUrl/digest]`. */
export function asForeignLayer(layer: Layer, baseUrl: string): Layer {
  return { ...layer, urls: [`${baseUrl.replace(/\/+$/, '')}/${layer.digest}`] };
}

/** Options for {@link makeConfig}. */
export interface ConfigOptions {
  cmd?: string[];
  env?: string[];
  created?: string;
}

/** Builds a valid OCI/Docker image config JSON for a platform and its layers' diffIDs. */
export function makeConfig(platform: ImagePlatform, diffIDs: string[], options: ConfigOptions = {}): ImageConfig {
  const created = options.created ?? EPOCH.toISOString();
  const json: Record<string, unknown> = {
    created,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.osVersion ? { 'os.version': platform.osVersion } : {}),
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {
      Env: options.env ?? (platform.os === 'windows' ? [] : ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']),
      Cmd: options.cmd ?? (platform.os === 'windows' ? ['cmd', '/S', '/C', 'echo ferry'] : ['/bin/sh', '-c', 'echo ferry']),
    },
    rootfs: { type: 'layers', diff_ids: diffIDs },
    history: diffIDs.map((_, i) => ({ created, created_by: `ferry test layer ${i}` })),
  };
  const bytes = toBytes(json);
  return { digest: sha256Digest(bytes), size: bytes.length, bytes, platform, diffIDs, json };
}

/** The `platform` object for an index / manifest list entry. */
export function descriptorPlatform(platform: ImagePlatform): DescriptorPlatform {
  return {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.osVersion ? { 'os.version': platform.osVersion } : {}),
    ...(platform.variant ? { variant: platform.variant } : {}),
  };
}

/** A layer's descriptor in an OCI or Docker manifest (foreign layers get the foreign type and urls). */
function layerDescriptor(layer: BlobRef, flavour: 'oci' | 'docker'): Descriptor {
  // zstd has no Docker media type: Docker manifests with zstd layers use the OCI one, as buildkit writes them
  const mediaType = layer.urls
    ? flavour === 'oci' ? MediaTypes.ociForeignLayerGzip : MediaTypes.dockerForeignLayerGzip
    : layer.compression === 'zstd' ? MediaTypes.ociLayerZstd
    : flavour === 'oci' ? MediaTypes.ociLayerGzip : MediaTypes.dockerLayerGzip;
  return { mediaType, digest: layer.digest, size: layer.size, ...(layer.urls ? { urls: layer.urls } : {}) };
}

/** Wraps a manifest/index JSON into a {@link BuiltManifest}. */
function built(mediaType: string, json: Record<string, unknown>): BuiltManifest {
  const bytes = toBytes(json);
  return { mediaType, digest: sha256Digest(bytes), size: bytes.length, bytes, json };
}

/** Builds an OCI image manifest (`application/vnd.oci.image.manifest.v1+json`). */
export function makeOciManifest(config: BlobRef, layers: BlobRef[], annotations?: Record<string, string>): BuiltManifest {
  return built(MediaTypes.ociManifest, {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: config.digest, size: config.size },
    layers: layers.map((l) => layerDescriptor(l, 'oci')),
    ...(annotations ? { annotations } : {}),
  });
}

/** Builds a Docker v2 schema 2 manifest (`application/vnd.docker.distribution.manifest.v2+json`). */
export function makeDockerManifest(config: BlobRef, layers: BlobRef[]): BuiltManifest {
  return built(MediaTypes.dockerManifest, {
    schemaVersion: 2,
    mediaType: MediaTypes.dockerManifest,
    config: { mediaType: MediaTypes.dockerConfig, digest: config.digest, size: config.size },
    layers: layers.map((l) => layerDescriptor(l, 'docker')),
  });
}

/** An index/list entry descriptor. */
function entryDescriptor(entry: IndexEntry): Descriptor {
  return {
    mediaType: entry.manifest.mediaType,
    digest: entry.manifest.digest,
    size: entry.manifest.size,
    platform: descriptorPlatform(entry.platform),
  };
}

/** Builds an OCI image index (`application/vnd.oci.image.index.v1+json`). */
export function makeOciIndex(entries: IndexEntry[], annotations?: Record<string, string>): BuiltManifest {
  return built(MediaTypes.ociIndex, {
    schemaVersion: 2,
    mediaType: MediaTypes.ociIndex,
    manifests: entries.map(entryDescriptor),
    ...(annotations ? { annotations } : {}),
  });
}

/** Builds a Docker manifest list (`application/vnd.docker.distribution.manifest.list.v2+json`). */
export function makeDockerManifestList(entries: IndexEntry[]): BuiltManifest {
  return built(MediaTypes.dockerManifestList, {
    schemaVersion: 2,
    mediaType: MediaTypes.dockerManifestList,
    manifests: entries.map(entryDescriptor),
  });
}

/** Formats a platform as `os/arch[/variant][:osVersion]`. */
export function platformString(platform: ImagePlatform): string {
  return `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}${platform.osVersion ? `:${platform.osVersion}` : ''}`;
}

/** One platform's image: its manifest, config and layers. */
export interface PlatformImage {
  platform: ImagePlatform;
  manifest: BuiltManifest;
  config: ImageConfig;
  layers: Layer[];
}

/** A whole image: the top-level manifest (single manifest or index/list) and every platform below it. */
export interface BuiltImage {
  /** What the tag points to. */
  manifest: BuiltManifest;
  /** True for an OCI index / Docker manifest list. */
  isIndex: boolean;
  /** One entry per platform (a single-manifest image has one, whose manifest is the top manifest). */
  platforms: PlatformImage[];
}

/** Builds one platform's config + manifest in OCI or Docker flavour. */
export function buildPlatformImage(
  flavour: 'oci' | 'docker',
  platform: ImagePlatform,
  layers: Layer[],
  configOptions: ConfigOptions = {},
): PlatformImage {
  const config = makeConfig(platform, layers.map((l) => l.diffID), configOptions);
  const manifest = flavour === 'oci' ? makeOciManifest(config, layers) : makeDockerManifest(config, layers);
  return { platform, manifest, config, layers };
}

/** Builds a single-manifest image. */
export function buildSingleImage(flavour: 'oci' | 'docker', platform: ImagePlatform, layers: Layer[], configOptions: ConfigOptions = {}): BuiltImage {
  const part = buildPlatformImage(flavour, platform, layers, configOptions);
  return { manifest: part.manifest, isIndex: false, platforms: [part] };
}

/** Builds a multi-platform image: an OCI index ('oci') or a Docker manifest list ('docker'). */
export function buildMultiImage(flavour: 'oci' | 'docker', parts: Array<{ platform: ImagePlatform; layers: Layer[]; configOptions?: ConfigOptions }>): BuiltImage {
  const platforms = parts.map((p) => buildPlatformImage(flavour, p.platform, p.layers, p.configOptions));
  const entries = platforms.map((p) => ({ manifest: p.manifest, platform: p.platform }));
  const manifest = flavour === 'oci' ? makeOciIndex(entries) : makeDockerManifestList(entries);
  return { manifest, isIndex: true, platforms };
}

/** Every distinct blob of an image (configs and layers, foreign layers included), by digest. */
export function imageBlobs(image: BuiltImage): Map<string, BuiltBlob & { foreign: boolean }> {
  const blobs = new Map<string, BuiltBlob & { foreign: boolean }>();
  for (const p of image.platforms) {
    blobs.set(p.config.digest, { digest: p.config.digest, size: p.config.size, bytes: p.config.bytes, foreign: false });
    for (const l of p.layers) blobs.set(l.digest, { digest: l.digest, size: l.size, bytes: l.bytes, foreign: Boolean(l.urls) });
  }
  return blobs;
}
