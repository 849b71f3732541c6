import type { BundleManifest, ImageRecord, ReferrerRecord } from '../../../shared/bundle-manifest.js';
import type { BundleArchive } from '../bundle/bundle-archive.js';
import { FerryError } from '../errors/ferry-error.js';
import { isForeignLayerMediaType } from '../oci/media-types.js';
import { parseManifest } from '../oci/parse-manifest.js';
import { mapRepository, type ImportTarget, type MapRule } from './map-repository.js';

/** One image of the bundle and where it goes. */
export interface ImageMapping {
  /** The image's normalized source reference (`docker.io/library/nginx:1.27`). */
  source: string;
  /** The target repository path under the target registry. */
  repository: string;
  tag?: string;
  digest: string;
  /** `HOST/PATH:TAG@DIGEST` (or `HOST/PATH@DIGEST` without a tag). */
  target: string;
  /** The `--map` rule applied, as written. */
  rule?: string;
  record: ImageRecord;
}

/** A manifest to put, with its exact bytes. */
export interface PlannedManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

/** What one image needs in its target repository, in push order. */
export interface ImagePushPlan {
  mapping: ImageMapping;
  /**
   * Config and layer blobs (distinct), foreign layers not carried left out. `held`: a blob a delta bundle relies on
   * (`delta.omitted`): not in the archive, so it must already be in the target or be mounted there, never uploaded.
   */
  blobs: { digest: string; size: number; held?: true }[];
  /** The blobs of the image's own tree (its manifests' configs and layers, not its referrers'): a tag at the digest proves them all. */
  treeBlobs: Set<string>;
  /** Child manifests first, the top manifest or index last. */
  manifests: PlannedManifest[];
  /** Foreign layers the bundle does not carry (the registry must accept their URLs). */
  foreign: string[];
  /** Carried signatures, attestations and SBOMs, pushed after the image (by digest, then their cosign tag). */
  referrers: PlannedReferrer[];
}

/** A referrer manifest to put, with its record from bundle.json. */
export interface PlannedReferrer extends PlannedManifest {
  record: ReferrerRecord;
}

/** Maps every image of a bundle to its target reference (bundle.json only: what a dry run shows). */
export function mapImages(manifest: BundleManifest, target: ImportTarget, rules: readonly MapRule[]): ImageMapping[] {
  return manifest.images.map((record) => {
    const { repository, rule } = mapRepository(record.registry, record.repository, target, rules);
    return {
      source: record.reference,
      repository,
      ...(record.tag !== undefined ? { tag: record.tag } : {}),
      digest: record.digest,
      target: `${target.registry}/${repository}${record.tag !== undefined ? `:${record.tag}` : ''}@${record.digest}`,
      ...(rule ? { rule: rule.text } : {}),
      record,
    };
  });
}

/** Reads each image's manifests from the archive and lists the blobs and manifests to push, children before parents. */
export async function planImagePush(archive: BundleArchive, mapping: ImageMapping): Promise<ImagePushPlan> {
  const blobs = new Map<string, number>();
  // what a delta relies on: blobs referenced but not carried, which the target must hold already
  const omitted = new Map((archive.manifest.delta?.omitted ?? []).map((o) => [o.digest, o.size]));
  const held = new Set<string>();
  const treeBlobs = new Set<string>();
  const addBlob = (digest: string, size: number): boolean => {
    if (archive.has(digest)) blobs.set(digest, size);
    else if (omitted.get(digest) === size) {
      blobs.set(digest, size);
      held.add(digest);
    } else return false;
    return true;
  };
  const manifests: PlannedManifest[] = [];
  const foreign: string[] = [];
  const subject = mapping.source;
  const missing = (digest: string, what: string): FerryError =>
    new FerryError('damaged', `The bundle does not hold ${what} ${digest} of ${subject}.`, { subject: digest, hint: 'repair' });

  const visit = async (digest: string, mediaType: string, depth: number): Promise<void> => {
    if (!archive.has(digest)) throw missing(digest, 'manifest');
    const bytes = await archive.readBlob(digest);
    const doc = parseManifest(bytes, mediaType, subject);
    if (doc.kind === 'index') {
      if (depth > 0) throw new FerryError('unsupported-manifest', `${subject} nests an index inside an index; Ferry does not import that.`, { subject });
      for (const child of doc.manifests) {
        if (!archive.has(child.digest)) throw missing(child.digest, 'manifest');
        if (!manifests.some((m) => m.digest === child.digest)) await visit(child.digest, child.mediaType, depth + 1);
      }
    } else {
      for (const d of [doc.config, ...doc.layers]) {
        if (addBlob(d.digest, d.size)) {
          treeBlobs.add(d.digest);
          continue;
        }
        if (isForeignLayerMediaType(d.mediaType) || (d.urls?.length ?? 0) > 0) foreign.push(d.digest);
        else throw missing(d.digest, 'blob');
      }
    }
    manifests.push({ digest, mediaType, bytes });
  };
  await visit(mapping.digest, mapping.record.mediaType, 0);
  const referrers: PlannedReferrer[] = [];
  for (const record of mapping.record.referrers ?? []) {
    if (!archive.has(record.digest)) throw missing(record.digest, record.kind);
    const bytes = await archive.readBlob(record.digest);
    const doc = parseManifest(bytes, record.mediaType, `${subject} ${record.kind} ${record.digest}`);
    const children = doc.kind === 'manifest' ? [doc.config, ...doc.layers] : [];
    for (const d of children) {
      if (!addBlob(d.digest, d.size)) throw missing(d.digest, 'blob');
    }
    referrers.push({ digest: record.digest, mediaType: record.mediaType, bytes, record });
  }
  return { mapping, blobs: [...blobs].map(([digest, size]) => ({ digest, size, ...(held.has(digest) ? { held: true as const } : {}) })), treeBlobs, manifests, foreign: [...new Set(foreign)], referrers };
}
