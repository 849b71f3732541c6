import { tmpdir } from 'node:os';
import { FerryError } from '../errors/ferry-error.js';
import { escapeControl } from '../../../shared/format.js';
import { formatReference } from '../reference/format-reference.js';
import type { ImageReference } from '../reference/image-reference.js';
import { parseReference } from '../reference/parse-reference.js';
import { openDirStore } from './dir-store.js';
import { DockerEngine, dockerEndpoint } from './docker-engine.js';
import type { EntryStore } from './entry-store.js';
import { fullName, localReference, normalName } from './local-reference.js';
import { LocalSource, type LocalImage } from './local-source.js';
import { readDockerArchive } from './read-docker-archive.js';
import { readOciIndex } from './read-oci-index.js';
import { receiveTarStream } from './received-store.js';
import { isImageId, parseSourceName, type LocalSourceName } from './source-name.js';
import { openTarStore } from './tar-store.js';

/** One image taken from a local source: the name it is bundled under and where it lies. */
export interface LocalSourceImage {
  /** The source as given (`docker-archive:app.tar`), kept as the image's `source` in `bundle.json`. */
  source: string;
  /** The name it is bundled under (its own full name, or one under {@link LOCAL_REGISTRY}). */
  ref: ImageReference;
  image: LocalImage;
  from: LocalSource;
}

/** How a local source is opened. */
export interface OpenLocalSourceOptions {
  /** Where a Docker Engine's stream is kept while bundled (a temporary folder inside it); default the system temp folder. */
  stagingDir?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Bytes received from a Docker Engine. */
  onBytes?: (n: number) => void;
}

/**
 * Opens a local source (`docker-archive:`, `oci-archive:`, `oci:`, `docker-daemon:`), indexes it and picks the images
 * it names: the REF or TAG given, else every image it holds. A missing file or one that is not an image archive is
 * `bad-usage`; a REF it does not hold is `not-found` naming what it holds; a Docker Engine that does not answer is
 * `network` naming its socket. The caller closes `source`.
 */
export async function openLocalSource(given: string, options: OpenLocalSourceOptions = {}): Promise<{ source: LocalSource; images: LocalSourceImage[] }> {
  const name = parseSourceName(given);
  if (!name) throw new FerryError('bad-usage', `${given} is not a local source.`, { subject: given });
  const label = escapeControl(given);
  if (name.transport === 'docker-daemon') return openDaemon(name, label, options);
  const store = name.transport === 'oci' ? await openDirStore(name.path, label) : await openTarStore(name.path, label, options.signal);
  let source: LocalSource;
  try {
    source = name.transport === 'docker-archive' ? await readDockerArchive(store) : await ociSource(store, name);
  } catch (error) {
    await store.close();
    throw error;
  }
  try {
    return { source, images: pick(name, source, label) };
  } catch (error) {
    await source.close();
    throw error;
  }
}

async function ociSource(store: EntryStore, name: LocalSourceName): Promise<LocalSource> {
  const images = await readOciIndex(store);
  if (!images) throw new FerryError('bad-usage', `${store.label} is not an OCI image layout: it has no index.json${name.transport === 'oci-archive' ? ' (a docker save archive is docker-archive:PATH)' : ''}.`, { subject: store.label });
  return new LocalSource(store.label, images, store);
}

/** The images a name asks for, each with the reference it is bundled under. */
function pick(name: LocalSourceName, source: LocalSource, label: string): LocalSourceImage[] {
  const { images } = source;
  if (images.length === 0) throw new FerryError('not-found', `${label} holds no image.`, { subject: label });
  const of = (image: LocalImage, ref: ImageReference): LocalSourceImage => ({ source: name.given, ref, image, from: source });
  if (name.ref === undefined) {
    // every image, under each of its names (an unnamed one under the file's name)
    const out: LocalSourceImage[] = [];
    const seen = new Set<string>();
    const unnamed = images.filter((i) => namesOf(i).length === 0).length;
    images.forEach((image, index) => {
      const refs = namesOf(image);
      if (refs.length === 0) refs.push(nameFor(name, image, unnamed > 1 ? `image-${index}` : 'latest'));
      for (const ref of refs) {
        const key = formatReference(ref);
        if (!seen.has(key)) out.push(of(image, ref));
        seen.add(key);
      }
    });
    return out;
  }
  const index = /^@(\d+)$/.exec(name.ref);
  if (index) {
    const image = images[Number(index[1])];
    if (!image) throw new FerryError('not-found', `${label}: the archive holds ${images.length} image(s), numbered @0 to @${images.length - 1}.`, { subject: label });
    return [of(image, namesOf(image)[0] ?? nameFor(name, image, 'latest'))];
  }
  const wanted = normalName(name.ref);
  for (const image of images) {
    if (image.names.some((n) => n === name.ref || normalName(n) === wanted)) {
      return [of(image, fullName(name.ref) ?? namesOf(image)[0] ?? nameFor(name, image, name.ref))];
    }
  }
  // the one image of an archive that names none takes the name given
  if (images.length === 1 && images[0]!.names.length === 0) {
    const ref = fullName(name.ref);
    if (ref) return [of(images[0]!, ref)];
  }
  const held = images.flatMap((i) => i.names);
  throw new FerryError('not-found', `${label}: no image named ${name.ref} in it; it holds ${held.length > 0 ? held.join(', ') : `${images.length} unnamed image(s) (pick one as @N)`}.`, { subject: label });
}

/** The full names an image has in its source. */
function namesOf(image: LocalImage): ImageReference[] {
  return image.names.map(fullName).filter((r): r is ImageReference => r !== undefined);
}

/** A name for an image whose source gives none in full: its tag (an OCI ref.name) under the file's name. */
function nameFor(name: LocalSourceName, image: LocalImage, fallbackTag: string): ImageReference {
  const tag = image.names.find((n) => fullName(n) === undefined);
  return localReference(name.path, tag ?? fallbackTag);
}

async function openDaemon(name: LocalSourceName, label: string, options: OpenLocalSourceOptions): Promise<{ source: LocalSource; images: LocalSourceImage[] }> {
  const engine = new DockerEngine(dockerEndpoint(options.env));
  let store: EntryStore | undefined;
  try {
    const id = encodeURIComponent(name.path);
    const info = (await (await engine.get(`/images/${id}/json`, label, options.signal)).body.json()) as { Id?: unknown; RepoTags?: unknown };
    const response = await engine.get(`/images/${id}/get`, label, options.signal);
    store = await receiveTarStream(response.body, { label, baseDir: options.stagingDir ?? tmpdir(), ...(options.signal ? { signal: options.signal } : {}), ...(options.onBytes ? { onBytes: options.onBytes } : {}) });
    const source = await readDockerArchive(store);
    if (source.images.length !== 1) throw new FerryError('bad-usage', `${label}: the Docker Engine sent ${source.images.length} images for one name.`, { subject: label });
    const image = source.images[0]!;
    const tags = Array.isArray(info.RepoTags) ? info.RepoTags.filter((t): t is string => typeof t === 'string') : [];
    // the name asked for, when it is one (not an image ID); else the image's first tag; else a name under local.invalid from its ID
    const asked = isImageId(name.path) ? undefined : (fullName(name.path) ?? parseReferenceOrUndefined(name.path));
    const ref = asked ?? tags.map(fullName).find((r) => r !== undefined) ?? localReference('docker-daemon', String(info.Id ?? name.path).replace(/^sha256:/, '').slice(0, 12));
    return { source, images: [{ source: name.given, ref, image, from: source }] };
  } catch (error) {
    await store?.close();
    throw error;
  } finally {
    await engine.close();
  }
}


function parseReferenceOrUndefined(text: string): ImageReference | undefined {
  try {
    return parseReference(text);
  } catch {
    return undefined;
  }
}
