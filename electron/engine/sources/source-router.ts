import type { Readable } from 'node:stream';
import { FerryError } from '../errors/ferry-error.js';
import { formatReference, repositoryName } from '../reference/format-reference.js';
import type { ImageReference } from '../reference/image-reference.js';
import type { BlobDescriptor, FetchedManifest, RegistryClient } from '../registry/registry-client.js';
import type { ImageSourceClient } from './image-source-client.js';
import type { LocalSource } from './local-source.js';
import type { LocalSourceImage } from './open-local-source.js';

/**
 * The one {@link ImageSourceClient} a bundle build reads through: an image taken from a local source is served from
 * it (its manifest by the name it is bundled under, manifests and blobs by digest from whichever local source holds
 * them), everything else from the registry client. Every local read is verified like a registry's.
 */
export class SourceRouter implements ImageSourceClient {
  readonly #byName = new Map<string, LocalSourceImage>();
  readonly #byRepository = new Map<string, Set<LocalSource>>();
  readonly #sources: LocalSource[];

  constructor(
    private readonly remote: RegistryClient,
    locals: LocalSourceImage[],
  ) {
    for (const local of locals) {
      this.#byName.set(formatReference(local.ref), local);
      const repo = repositoryName(local.ref);
      this.#byRepository.set(repo, (this.#byRepository.get(repo) ?? new Set()).add(local.from));
    }
    this.#sources = [...new Set(locals.map((l) => l.from))];
  }

  /** A manifest: a local image's top by its name, a local document by digest, else the registry's. */
  async getManifest(ref: ImageReference, opts: { signal?: AbortSignal } = {}): Promise<FetchedManifest> {
    if (ref.digest === undefined) {
      const local = this.#byName.get(formatReference(ref));
      if (!local) return this.remote.getManifest(ref, opts);
      const { top } = local.image;
      const fetched = await local.from.manifest(top.digest, top.mediaType);
      if (fetched.bytes.length !== top.size) {
        throw new FerryError('size-mismatch', `${local.from.label}: manifest ${top.digest} is ${fetched.bytes.length} bytes, but its index says ${top.size}.`, { subject: local.from.label });
      }
      return fetched;
    }
    for (const source of this.#byRepository.get(repositoryName(ref)) ?? []) {
      if (await source.hasBlob(ref.digest)) return source.manifest(ref.digest);
    }
    return this.remote.getManifest(ref, opts);
  }

  /** A blob from the first local source holding its digest (content-addressed: any copy is the same bytes), else the registry. */
  async openBlob(registry: string, repository: string, desc: BlobDescriptor, opts: { signal?: AbortSignal } = {}): Promise<Readable> {
    for (const source of this.#sources) {
      if (await source.hasBlob(desc.digest)) return source.openBlob(desc);
    }
    return this.remote.openBlob(registry, repository, desc, opts);
  }

  /** Foreign layers always come from their URLs. */
  openForeignBlob(desc: BlobDescriptor, opts: { signal?: AbortSignal } = {}): Promise<Readable> {
    return this.remote.openForeignBlob(desc, opts);
  }
}
