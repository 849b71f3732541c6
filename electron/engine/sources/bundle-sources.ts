import { FerryError } from '../errors/ferry-error.js';
import { formatReference } from '../reference/format-reference.js';
import type { ImageReference } from '../reference/image-reference.js';
import { parseReference } from '../reference/parse-reference.js';
import type { RegistryClient } from '../registry/registry-client.js';
import type { LocalSource } from './local-source.js';
import { openLocalSource, type LocalSourceImage, type OpenLocalSourceOptions } from './open-local-source.js';
import { isLocalSourceName } from './source-name.js';
import { SourceRouter } from './source-router.js';

/** One image to bundle: as the user named it, the name it is bundled under, and its local source when it has one. */
export interface BundleSource {
  source: string;
  ref: ImageReference;
  /** What per-image platform lists are matched by: the full reference, or the local source name as given. */
  key: string;
  local?: LocalSourceImage;
}

/** The images of a bundle run, their local sources opened (close them with `close()`). */
export interface OpenedSources {
  images: BundleSource[];
  /** The client bundling reads through: local sources first, then `remote`. */
  router(remote: RegistryClient): SourceRouter;
  close(): Promise<void>;
}

/**
 * Parses what the user gave — registry references and local sources (`docker-archive:`, `oci-archive:`, `oci:`,
 * `docker-daemon:`) — and opens every local source before any network work. The same image named twice is carried
 * once; two different sources naming the same image are refused (`bad-usage`), since `bundle.json` lists each
 * reference once.
 */
export async function openBundleSources(given: string[], options: OpenLocalSourceOptions = {}): Promise<OpenedSources> {
  const opened: LocalSource[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(opened.map((s) => s.close()));
  };
  const byName = new Map<string, BundleSource>();
  try {
    for (const source of given) {
      if (!isLocalSourceName(source)) {
        const ref = parseReference(source);
        const key = formatReference(ref);
        const earlier = byName.get(key);
        if (earlier?.local) throw twice(key, earlier.source, source);
        if (!earlier) byName.set(key, { source, ref, key });
        continue;
      }
      if ([...byName.values()].some((b) => b.source === source)) continue;
      const { source: local, images } = await openLocalSource(source, options);
      opened.push(local);
      for (const image of images) {
        const name = formatReference(image.ref);
        const earlier = byName.get(name);
        if (earlier) throw twice(name, earlier.source, source);
        byName.set(name, { source, ref: image.ref, key: source, local: image });
      }
    }
  } catch (error) {
    await close();
    throw error;
  }
  const images = [...byName.values()];
  const locals = images.flatMap((i) => (i.local ? [i.local] : []));
  return { images, router: (remote) => new SourceRouter(remote, locals), close };
}

/** What an image given is known by before its source is opened: a registry reference's full form, a local source's name as given. */
export function sourceKey(given: string): string {
  return isLocalSourceName(given) ? given : formatReference(parseReference(given));
}

function twice(name: string, first: string, second: string): FerryError {
  return new FerryError('bad-usage', `${name} is named by two sources, ${first} and ${second}; bundle it from one (a bundle lists each image name once).`, { subject: second });
}
