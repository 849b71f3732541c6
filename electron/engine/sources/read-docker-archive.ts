import { createHash } from 'node:crypto';
import { FerryError } from '../errors/ferry-error.js';
import { digestOf, parseDigest } from '../oci/digest.js';
import { MediaType } from '../oci/media-types.js';
import { readEntry, type EntryStore, type StoreEntry } from './entry-store.js';
import { LocalSource, MAX_LOCAL_DOCUMENT_BYTES, readSourceJson, type BuiltManifest, type LocalImage } from './local-source.js';
import { readOciIndex } from './read-oci-index.js';

/** The most images one `manifest.json` may list. */
const MAX_IMAGES = 10_000;

interface SaveEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

/**
 * Reads a `docker save` archive (or the same layout received from a Docker Engine). When it is also an OCI layout
 * (Docker 25+, `ctr images export`, Ferry's own bundle), the OCI index gives the images and every digest is kept, the
 * `RepoTags` of `manifest.json` naming entries the index leaves unnamed. A legacy archive has no manifests: Ferry
 * builds an OCI manifest per image from its config and layers (layers carried as they are; an uncompressed layer's
 * digest is its diff ID, checked as it is read) and marks the image `built`.
 */
export async function readDockerArchive(store: EntryStore): Promise<LocalSource> {
  const doc = await readSourceJson(store, 'manifest.json');
  const oci = (await store.get('oci-layout')) ? await readOciIndex(store) : undefined;
  if (doc === undefined && oci === undefined) throw new FerryError('bad-usage', `${store.label} is not an image archive: it has neither manifest.json (docker save) nor index.json (OCI layout).`, { subject: store.label });
  const entries = doc === undefined ? [] : saveEntries(doc, store.label);
  if (oci) {
    await nameFromRepoTags(oci, entries, store);
    return new LocalSource(store.label, oci, store);
  }
  const built = new Map<string, BuiltManifest>();
  const images: LocalImage[] = [];
  for (const entry of entries) {
    const { manifest, configDigest } = await buildManifest(entry, store);
    const digest = digestOf(manifest.bytes);
    built.set(digest, manifest);
    images.push({ names: entry.RepoTags, top: { digest, mediaType: MediaType.ociManifest, size: manifest.bytes.length }, built: { configDigest } });
  }
  return new LocalSource(store.label, images, store, built);
}

function saveEntries(doc: unknown, label: string): SaveEntry[] {
  const bad = (why: string): FerryError => new FerryError('bad-usage', `${label}: manifest.json ${why}; it is not a docker save archive Ferry reads.`, { subject: label });
  if (!Array.isArray(doc)) throw bad('is not a list');
  if (doc.length > MAX_IMAGES) throw bad(`lists more than ${MAX_IMAGES} images`);
  return doc.map((e, i) => {
    const d = e as { Config?: unknown; RepoTags?: unknown; Layers?: unknown } | null;
    if (!d || typeof d !== 'object') throw bad(`entry ${i} is not an object`);
    if (typeof d.Config !== 'string') throw bad(`entry ${i} has no Config`);
    if (!Array.isArray(d.Layers) || !d.Layers.every((l): l is string => typeof l === 'string')) throw bad(`entry ${i} has no Layers list`);
    const tags = d.RepoTags ?? [];
    if (!Array.isArray(tags) || !tags.every((t): t is string => typeof t === 'string')) throw bad(`entry ${i} has RepoTags that are not names`);
    return { Config: d.Config, RepoTags: tags, Layers: d.Layers };
  });
}

/** Index entries without a name take the RepoTags of the docker-save entry with the same config. */
async function nameFromRepoTags(images: LocalImage[], entries: SaveEntry[], store: EntryStore): Promise<void> {
  const byConfig = new Map(entries.filter((e) => e.RepoTags.length > 0).map((e) => [e.Config.replace(/^blobs\/sha256\//, 'sha256:'), e.RepoTags]));
  for (const image of images) {
    if (image.names.length > 0 || (image.top.mediaType !== MediaType.ociManifest && image.top.mediaType !== MediaType.dockerManifest)) continue;
    const entry = await store.get(`blobs/sha256/${image.top.digest.slice('sha256:'.length)}`);
    if (!entry) continue;
    let manifest: { config?: { digest?: unknown } } = {};
    try {
      manifest = JSON.parse((await readEntry(store, entry, MAX_LOCAL_DOCUMENT_BYTES)).toString('utf8')) as typeof manifest;
    } catch {
      continue;
    }
    const tags = typeof manifest.config?.digest === 'string' ? byConfig.get(manifest.config.digest) : undefined;
    if (tags) image.names.push(...tags);
  }
}

async function buildManifest(entry: SaveEntry, store: EntryStore): Promise<{ manifest: BuiltManifest; configDigest: string }> {
  const label = store.label;
  const configEntry = await store.get(entry.Config);
  if (!configEntry) throw new FerryError('bad-usage', `${label}: manifest.json names the config ${entry.Config}, which the archive does not hold.`, { subject: label });
  const config = await readEntry(store, configEntry, MAX_LOCAL_DOCUMENT_BYTES);
  const configDigest = digestOf(config);
  let diffIds: string[] = [];
  try {
    const parsed = JSON.parse(config.toString('utf8')) as { rootfs?: { diff_ids?: unknown } };
    const ids = parsed.rootfs?.diff_ids;
    if (Array.isArray(ids) && ids.every((d): d is string => typeof d === 'string')) diffIds = ids;
  } catch {
    throw new FerryError('bad-usage', `${label}: the config ${entry.Config} is not JSON; it is not an image archive Ferry reads.`, { subject: label });
  }
  if (diffIds.length !== entry.Layers.length) {
    throw new FerryError('bad-usage', `${label}: the config ${entry.Config} lists ${diffIds.length} layer(s), manifest.json ${entry.Layers.length}; it is not an image archive Ferry reads.`, { subject: label });
  }
  const blobs = new Map<string, string>([[configDigest, entry.Config]]);
  const layers: { mediaType: string; digest: string; size: number }[] = [];
  for (const [i, name] of entry.Layers.entries()) {
    const layer = await store.get(name);
    if (!layer) throw new FerryError('bad-usage', `${label}: manifest.json names the layer ${name}, which the archive does not hold.`, { subject: label });
    const kind = await compressionOf(layer);
    // an uncompressed layer is its own diff ID (checked as it is read); a compressed one is hashed now
    const digest = kind === 'tar' && parseDigest(diffIds[i]!)?.algorithm === 'sha256' ? diffIds[i]! : await hashEntry(layer);
    blobs.set(digest, name);
    layers.push({ mediaType: LAYER_TYPES[kind], digest, size: layer.size });
  }
  const manifest = { schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length }, layers };
  return { manifest: { bytes: Buffer.from(JSON.stringify(manifest)), blobs }, configDigest };
}

const LAYER_TYPES = {
  tar: 'application/vnd.oci.image.layer.v1.tar',
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
} as const;

async function compressionOf(entry: StoreEntry): Promise<keyof typeof LAYER_TYPES> {
  const stream = entry.open();
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of stream) {
      head = Buffer.concat([head, chunk as Buffer]);
      if (head.length >= 4) break;
    }
  } finally {
    stream.destroy();
  }
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'tar';
}

async function hashEntry(entry: StoreEntry): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of entry.open()) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}
