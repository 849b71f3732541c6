import type { Descriptor } from '../../oci/descriptor.js';
import { MediaType } from '../../oci/media-types.js';
import type { Platform } from '../../platform/platform.js';
import { familiarName } from '../../reference/familiar-name.js';
import { formatReference } from '../../reference/format-reference.js';
import type { PlannedBlob } from '../plan-blobs.js';
import { FILES_DIR, plainFilePath } from '../../files/plain-file-path.js';
import type { PlannedFile } from '../../files/plan-files.js';
import type { CarriedImageManifest, ResolvedImage } from '../resolve-image.js';

/** What `index.json` says of an image: its reference, its top manifest and the platform a filter picked, if one. */
export type IndexedImage = Pick<ResolvedImage, 'ref' | 'top' | 'topPlatform'>;

/** What docker-save's `manifest.json` needs of an image: its reference and each image manifest's config, layers and platform. */
export type DockerSaveImage = Pick<ResolvedImage, 'ref'> & { manifests: Pick<CarriedImageManifest, 'config' | 'layers' | 'platform'>[] };
import { layoutArchive, type ArchiveLayout } from './archive-layout.js';

/** Path of a blob inside the archive. */
export function blobPath(digest: string): string {
  return `blobs/sha256/${digest.slice('sha256:'.length)}`;
}

/** The `oci-layout` file. */
export function ociLayoutFile(): Buffer {
  return Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' }));
}

/**
 * The OCI `index.json`: one descriptor per reference, annotated as containerd's exporter does
 * (`io.containerd.image.name` = full reference, `org.opencontainers.image.ref.name` = the tag).
 */
export function ociIndexFile(images: IndexedImage[]): Buffer {
  const seen = new Set<string>();
  const manifests: Descriptor[] = [];
  for (const image of images) {
    const name = formatReference(image.ref);
    if (seen.has(name)) continue;
    seen.add(name);
    const annotations: Record<string, string> = { 'io.containerd.image.name': name };
    if (image.ref.tag) annotations['org.opencontainers.image.ref.name'] = image.ref.tag;
    const desc: Descriptor = { mediaType: image.top.mediaType, digest: image.top.digest, size: image.top.bytes.length, annotations };
    if (image.topPlatform) desc.platform = toDescriptorPlatform(image.topPlatform);
    manifests.push(desc);
  }
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }, null, 2));
}

/** One entry of docker-save's `manifest.json`. */
export interface DockerSaveEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

/**
 * docker-save's `manifest.json`: for each image one platform's config and layers (linux/amd64
 * when carried, else linux/arm64, else the first), so `docker load` and `docker-archive:` readers
 * find it. Images with a layer not carried (foreign layers left out) are not listed.
 *
 * Entries are keyed by manifest (config and layers), not by config: two images with the same
 * config but other layer blobs (zstd and gzip twins, a layer re-gzipped by a mirror) get an entry
 * each, as `ctr images export` writes them; images with the same config and layers share one.
 */
export function dockerSaveEntries(images: DockerSaveImage[], carried: Set<string>): { entries: DockerSaveEntry[]; listed: boolean[] } {
  const entries: DockerSaveEntry[] = [];
  const byManifest = new Map<string, DockerSaveEntry>();
  const listed = images.map((image) => {
    const chosen = pickDockerManifest(image.manifests);
    if (!chosen) return false;
    const paths = [chosen.config, ...chosen.layers].map((d) => d.digest);
    if (!paths.every((d) => carried.has(d))) return false;
    const tag = image.ref.tag ? familiarName({ ...image.ref, digest: undefined }) : undefined;
    const key = paths.join(' ');
    const existing = byManifest.get(key);
    if (existing) {
      if (tag && !existing.RepoTags.includes(tag)) existing.RepoTags.push(tag);
      return true;
    }
    const entry = { Config: blobPath(chosen.config.digest), RepoTags: tag ? [tag] : [], Layers: chosen.layers.map((l) => blobPath(l.digest)) };
    byManifest.set(key, entry);
    entries.push(entry);
    return true;
  });
  return { entries, listed };
}

/** The bytes of docker-save's `manifest.json`. */
export function dockerSaveFile(entries: DockerSaveEntry[]): Buffer {
  return Buffer.from(JSON.stringify(entries, null, 2));
}

function pickDockerManifest<M extends Pick<CarriedImageManifest, 'config' | 'platform'>>(manifests: M[]): M | undefined {
  const images = manifests.filter((m) => m.config.mediaType !== 'application/vnd.oci.empty.v1+json');
  const is = (os: string, arch: string) => (m: M) => m.platform?.os === os && m.platform.architecture === arch;
  return images.find(is('linux', 'amd64')) ?? images.find(is('linux', 'arm64')) ?? images.find((m) => m.platform?.os !== 'unknown');
}

function toDescriptorPlatform(p: Platform): NonNullable<Descriptor['platform']> {
  const out: NonNullable<Descriptor['platform']> = { architecture: p.architecture, os: p.os };
  if (p.osVersion) out['os.version'] = p.osVersion;
  if (p.variant) out.variant = p.variant;
  return out;
}

/**
 * The bundle archive's layout: the directories, `oci-layout`, `index.json` and `manifest.json`
 * first (readers can index the archive from its first kilobytes), then every blob once, in plan
 * order (manifests and configs before layers).
 */
export function layoutBundleArchive(images: ResolvedImage[], blobs: PlannedBlob[], docker: DockerSaveEntry[], plainFiles: PlannedFile[] = []): ArchiveLayout<Buffer | PlannedBlob | PlannedFile> {
  const files: [string, Buffer][] = [
    ['oci-layout', ociLayoutFile()],
    ['index.json', ociIndexFile(images)],
    ['manifest.json', dockerSaveFile(docker)],
  ];
  return layoutArchive<Buffer | PlannedBlob | PlannedFile>([
    { name: 'blobs', size: 0, type: 'directory', payload: Buffer.alloc(0) },
    { name: 'blobs/sha256', size: 0, type: 'directory', payload: Buffer.alloc(0) },
    ...files.map(([name, bytes]) => ({ name, size: bytes.length, type: 'file' as const, payload: bytes })),
    ...blobs.map((b) => ({ name: blobPath(b.digest), size: b.size, type: 'file' as const, payload: b })),
    // plain files (`ferry bundle --file`) last, like blobs; image readers ignore them
    ...(plainFiles.length > 0 ? [{ name: FILES_DIR, size: 0, type: 'directory' as const, payload: Buffer.alloc(0) }] : []),
    ...plainFiles.map((f) => ({ name: plainFilePath(f.name), size: f.size, type: 'file' as const, payload: f })),
  ]);
}
