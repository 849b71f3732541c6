import { FerryError } from '../errors/ferry-error.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isForeignLayer, type ResolvedImage } from './resolve-image.js';

/** Where a blob's bytes come from. */
export type BlobSource =
  | { kind: 'inline'; bytes: Buffer }
  | { kind: 'registry'; registry: string; repository: string }
  | { kind: 'foreign'; urls: string[] };

/** One distinct blob of the bundle. */
export interface PlannedBlob {
  digest: string;
  size: number;
  mediaType: string;
  /** Manifests and configs: small, placed at the head of the archive. */
  head: boolean;
  source: BlobSource;
  /** Indexes (into the image list) of the images that need it. */
  images: number[];
}

/** Per image: its distinct blobs and its foreign layers. */
export interface ImageBlobs {
  digests: Set<string>;
  foreign: { layer: Descriptor; carried: boolean }[];
}

/** The distinct blobs of a bundle, each once, in archive order (head first). */
export interface BlobPlan {
  blobs: PlannedBlob[];
  perImage: ImageBlobs[];
}

/** Collects every blob the resolved images need, each once, in the order they go into the archive. */
export function planBlobs(images: ResolvedImage[], includeForeignLayers: boolean): BlobPlan {
  const byDigest = new Map<string, PlannedBlob>();
  const perImage: ImageBlobs[] = images.map(() => ({ digests: new Set<string>(), foreign: [] }));

  const add = (index: number, desc: Pick<Descriptor, 'digest' | 'size' | 'mediaType'>, head: boolean, source: BlobSource): void => {
    const existing = byDigest.get(desc.digest);
    if (existing) {
      if (existing.size !== desc.size) {
        throw new FerryError('size-mismatch', `Blob ${desc.digest} is declared with two sizes (${existing.size} and ${desc.size}).`, {
          subject: desc.digest,
        });
      }
      if (!existing.images.includes(index)) existing.images.push(index);
      // a blob known from bytes already in hand needs no download
      if (source.kind === 'inline' && existing.source.kind !== 'inline') existing.source = source;
    } else {
      byDigest.set(desc.digest, { digest: desc.digest, size: desc.size, mediaType: desc.mediaType, head, source, images: [index] });
    }
    perImage[index]!.digests.add(desc.digest);
  };

  images.forEach((image, index) => {
    const { registry, repository } = image.ref;
    const fromRegistry: BlobSource = { kind: 'registry', registry, repository };
    for (const doc of [image.top, ...image.indexes, ...image.manifests]) {
      add(index, { digest: doc.digest, size: doc.bytes.length, mediaType: doc.mediaType }, true, { kind: 'inline', bytes: doc.bytes });
    }
    for (const m of image.manifests) {
      add(index, m.config, true, m.configBytes ? { kind: 'inline', bytes: m.configBytes } : fromRegistry);
    }
    // the published index when platforms were filtered: evidence for signatures over it, never walked
    if (image.original) add(index, { digest: image.original.digest, size: image.original.bytes.length, mediaType: image.original.mediaType }, true, { kind: 'inline', bytes: image.original.bytes });
    // referrer manifests and their (small) blobs: signatures, attestations, SBOMs
    for (const r of image.referrers ?? []) {
      add(index, { digest: r.record.digest, size: r.bytes.length, mediaType: r.record.mediaType }, true, { kind: 'inline', bytes: r.bytes });
      for (const blob of r.blobs) add(index, blob, true, fromRegistry);
    }
    for (const m of image.manifests) {
      for (const layer of m.layers) {
        if (isForeignLayer(layer)) {
          const seen = perImage[index]!.foreign.some((f) => f.layer.digest === layer.digest);
          if (!seen) perImage[index]!.foreign.push({ layer, carried: includeForeignLayers });
          if (!includeForeignLayers) continue;
          if (!layer.urls?.length) {
            throw new FerryError('not-found', `Foreign layer ${layer.digest} of "${image.reference}" lists no URLs to fetch it from.`, {
              subject: image.reference,
            });
          }
          add(index, layer, false, { kind: 'foreign', urls: layer.urls });
        } else {
          add(index, layer, false, fromRegistry);
        }
      }
    }
  });

  const all = [...byDigest.values()];
  return { blobs: [...all.filter((b) => b.head), ...all.filter((b) => !b.head)], perImage };
}
