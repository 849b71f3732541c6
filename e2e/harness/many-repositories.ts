import { mapLimit } from '../../electron/engine/util/map-limit.js';
import { buildSingleImage, imageBlobs, makeLayer, type BuiltImage } from './image-builder.js';
import { pushImage } from './push-image.js';
import { pushBlob, pushManifest, type PushTarget } from './push.js';

/** Options for {@link seedManyRepositories}. */
export interface ManyRepositoriesOptions {
  /** Repository path prefix (default `many`): repositories are `PREFIX/r000`, `PREFIX/r001`, … */
  prefix?: string;
  /** The tag every repository gets (default `1`). */
  tag?: string;
  /** Repositories seeded at once (default 8). */
  concurrency?: number;
  /** The image to spread; default one small linux/amd64 OCI image (one tiny layer). */
  image?: BuiltImage;
}

/** What {@link seedManyRepositories} pushed. */
export interface ManyRepositories {
  /** Every repository, in name order (the first is the one the image was uploaded to). */
  repositories: string[];
  tag: string;
  /** The image every repository holds under `tag`. */
  image: BuiltImage;
  /** Wall time of the seeding, in milliseconds. */
  elapsedMs: number;
}

/**
 * A registry of `count` repositories, cheaply: one small image is uploaded once to the first repository, then its
 * blobs are cross-repository mounted into every other one and its manifest PUT under `tag` (an index: its children
 * first, by digest), `concurrency` repositories at once (uploads are what is slow; a mount is one POST). For listing
 * at scale: catalog and tag-list pagination, `ferry inventory` speed.
 */
export async function seedManyRepositories(registry: PushTarget, count: number, options: ManyRepositoriesOptions = {}): Promise<ManyRepositories> {
  const started = Date.now();
  const prefix = options.prefix ?? 'many';
  const tag = options.tag ?? '1';
  const width = Math.max(3, String(count - 1).length);
  const repositories = Array.from({ length: count }, (_, i) => `${prefix}/r${String(i).padStart(width, '0')}`);
  const image =
    options.image ?? buildSingleImage('oci', { os: 'linux', architecture: 'amd64' }, [await makeLayer({ 'etc/os-release': `ID=ferry-many-${prefix}\n` })]);
  const first = repositories[0];
  if (first === undefined) return { repositories, tag, image, elapsedMs: 0 };
  await pushImage(registry, first, tag, image);
  const blobs = [...imageBlobs(image).values()].filter((b) => !b.foreign).map((b) => b.bytes);
  await mapLimit(repositories.slice(1), options.concurrency ?? 8, async (repo) => {
    for (const bytes of blobs) await pushBlob(registry, repo, bytes, { mountFrom: first, skipExisting: false });
    if (image.isIndex) for (const p of image.platforms) await pushManifest(registry, repo, p.manifest.digest, p.manifest.bytes, p.manifest.mediaType);
    await pushManifest(registry, repo, tag, image.manifest.bytes, image.manifest.mediaType);
  });
  return { repositories, tag, image, elapsedMs: Date.now() - started };
}
