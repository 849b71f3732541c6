import type { Readable } from 'node:stream';
import { FerryError } from '../errors/ferry-error.js';
import { digestOf, parseDigest } from '../oci/digest.js';
import { MediaType } from '../oci/media-types.js';
import type { BlobDescriptor, FetchedManifest } from '../registry/registry-client.js';
import { parseStrictJson } from '../util/parse-strict-json.js';
import { readEntry, type EntryStore } from './entry-store.js';
import { verifyingStream } from './verifying-stream.js';

/** The largest manifest, index or config read from a local source (4 MiB, as from a registry). */
export const MAX_LOCAL_DOCUMENT_BYTES = 4 * 1024 * 1024;

/** One image a local source holds, as its index or `manifest.json` lists it. */
export interface LocalImage {
  /** Its names in the source: `RepoTags`, `io.containerd.image.name`, `org.opencontainers.image.ref.name` (as written). */
  names: string[];
  /** The top document: an index or a manifest. */
  top: { digest: string; mediaType: string; size: number };
  /** The manifest was built by Ferry (a legacy docker-save archive has none); its config digest is the stable identity. */
  built?: { configDigest: string };
}

/** A manifest Ferry built for a legacy docker-save image, and where its config and layers lie. */
export interface BuiltManifest {
  bytes: Buffer;
  /** Entry names of the config and each layer, by digest. */
  blobs: Map<string, string>;
}

/**
 * A local source opened and indexed: the images it holds, their manifests and blobs served from where they lie,
 * every read verified against its digest. What the bundle build reads instead of a registry.
 */
export class LocalSource {
  constructor(
    /** The source as the user named it (`docker-archive:app.tar`). */
    readonly label: string,
    readonly images: LocalImage[],
    private readonly store: EntryStore,
    private readonly built: Map<string, BuiltManifest> = new Map(),
  ) {}

  /** A manifest or index by digest, its bytes verified; the media type is the document's own (or its descriptor's). */
  async manifest(digest: string, mediaType?: string): Promise<FetchedManifest> {
    const built = this.built.get(digest);
    if (built) return { digest, mediaType: MediaType.ociManifest, bytes: built.bytes };
    const entry = await this.store.get(blobPath(digest));
    if (!entry) throw new FerryError('not-found', `${this.label} does not hold the manifest ${digest} its index names.`, { subject: this.label });
    const bytes = await readEntry(this.store, entry, MAX_LOCAL_DOCUMENT_BYTES);
    if (digestOf(bytes) !== digest) throw new FerryError('digest-mismatch', `${this.label}: manifest ${digest} does not match its digest (its bytes hash to ${digestOf(bytes)}).`, { subject: this.label });
    return { digest, mediaType: mediaType ?? documentMediaType(bytes, this.label), bytes };
  }

  /** True when the source holds a blob of this digest. */
  async hasBlob(digest: string): Promise<boolean> {
    return this.built.has(digest) || this.#blobName(digest) !== undefined || (await this.store.get(blobPath(digest))) !== undefined;
  }

  /** A blob's bytes as a stream read straight from the source, failing on a size or digest mismatch. */
  async openBlob(desc: BlobDescriptor): Promise<Readable> {
    if (parseDigest(desc.digest)?.algorithm !== 'sha256') throw new FerryError('unsupported', `${this.label}: blob ${desc.digest} is not a sha256 digest; local sources are read by sha256.`, { subject: this.label });
    const name = this.#blobName(desc.digest) ?? blobPath(desc.digest);
    const entry = await this.store.get(name);
    if (!entry) throw new FerryError('not-found', `${this.label} does not hold the blob ${desc.digest}.`, { subject: this.label });
    if (entry.size !== desc.size) throw new FerryError('size-mismatch', `${this.label}: blob ${desc.digest} is ${entry.size} bytes, but its descriptor says ${desc.size}.`, { subject: this.label });
    return verifyingStream(entry.open(), { digest: desc.digest, size: desc.size }, this.label);
  }

  /** Releases the source's file or temporary folder. */
  async close(): Promise<void> {
    await this.store.close();
  }

  #blobName(digest: string): string | undefined {
    for (const b of this.built.values()) {
      const name = b.blobs.get(digest);
      if (name !== undefined) return name;
    }
    return undefined;
  }
}

/** Where an OCI layout keeps a blob: `blobs/<algorithm>/<hex>`. */
export function blobPath(digest: string): string {
  const parsed = parseDigest(digest);
  return parsed ? `blobs/${parsed.algorithm}/${parsed.hex}` : `blobs/invalid/${digest.replace(/[^a-z0-9]/g, '')}`;
}

/** Reads a small JSON file of a source strictly (no duplicate keys, bounded size); undefined when absent. */
export async function readSourceJson(store: EntryStore, name: string): Promise<unknown> {
  const entry = await store.get(name);
  if (!entry) return undefined;
  const bytes = await readEntry(store, entry, MAX_LOCAL_DOCUMENT_BYTES);
  try {
    return parseStrictJson(bytes);
  } catch (error) {
    throw new FerryError('bad-usage', `${store.label}: ${name} is not valid JSON (${(error as Error).message}); it is not an image archive Ferry reads.`, { subject: store.label });
  }
}

function documentMediaType(bytes: Buffer, label: string): string {
  let doc: unknown;
  try {
    doc = parseStrictJson(bytes);
  } catch (error) {
    throw new FerryError('unsupported-manifest', `${label}: a manifest is not JSON Ferry reads (${(error as Error).message}).`, { subject: label });
  }
  const d = doc as { mediaType?: unknown; manifests?: unknown } | null;
  if (d && typeof d.mediaType === 'string') return d.mediaType;
  return d && Array.isArray(d.manifests) ? MediaType.ociIndex : MediaType.ociManifest;
}
