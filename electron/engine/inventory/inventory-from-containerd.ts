import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { escapeControl } from '../../../shared/format.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { FerryError, isAbortError } from '../errors/ferry-error.js';
import { isManifestMediaType } from '../oci/media-types.js';
import { DEFAULT_CONTAINERD_NAMESPACE } from '../place/containerd-namespace.js';
import { parseReference } from '../reference/parse-reference.js';
import { mapLimit } from '../util/map-limit.js';
import type { InventoryBuilder } from './inventory-builder.js';
import { walkImage, type ManifestBytes } from './walk-image.js';

/** Which containerd to list. */
export interface ContainerdSource {
  /** containerd's socket (`ctr --address`; default: ctr's own, `$CONTAINERD_ADDRESS` or `/run/containerd/containerd.sock`). */
  address?: string;
  /** containerd namespace (default `k8s.io`, the one Kubernetes' CRI uses). */
  namespace?: string;
  /** The `ctr` program (default: `ctr` on PATH). */
  ctr?: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** The most a listing, and a manifest, read from ctr may be. */
const MAX_LIST_BYTES = 256 * 1024 * 1024;
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * Lists what a containerd holds into `builder`, through its `ctr` client: `ctr images ls` gives the images (each name
 * read as a reference: `registry` its registry, `name` its repository, its tag → its digest), `ctr content ls` the
 * content store; each image's manifests are read with `ctr content get` (checked against their digests) and walked, and
 * every config and layer the content store holds is recorded with its size, under the images that need it.
 */
export async function addContainerdToInventory(builder: InventoryBuilder, source: ContainerdSource = {}, controls: JobControls = {}): Promise<{ images: number }> {
  const { onProgress, signal } = controls;
  const namespace = source.namespace ?? DEFAULT_CONTAINERD_NAMESPACE;
  const ctr = source.ctr ?? 'ctr';
  const base = [...(source.address ? ['--address', source.address] : []), '--namespace', namespace];
  const where = `containerd (namespace ${namespace}${source.address ? ` at ${source.address}` : ''})`;
  const warn = (message: string, subject?: string): void => onProgress?.({ kind: 'warning', message, ...(subject !== undefined ? { subject } : {}) });

  const images = parseImageList((await runCtr(ctr, [...base, 'images', 'ls'], MAX_LIST_BYTES, where, signal)).toString('utf8'));
  const content = new Set(
    (await runCtr(ctr, [...base, 'content', 'ls', '-q'], MAX_LIST_BYTES, where, signal))
      .toString('utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => DIGEST.test(l)),
  );
  builder.addSource({ kind: 'containerd', namespace });
  onProgress?.({ kind: 'phase-start', phase: 'resolve', totalItems: images.length });
  const manifests = new Map<string, Promise<Buffer>>();
  const read = async (digest: string, mediaType: string): Promise<ManifestBytes | undefined> => {
    if (!content.has(digest)) return undefined;
    let known = manifests.get(digest);
    if (!known) {
      known = runCtr(ctr, [...base, 'content', 'get', digest], MAX_MANIFEST_BYTES, where, signal).then((bytes) => {
        if (`sha256:${createHash('sha256').update(bytes).digest('hex')}` !== digest) throw new FerryError('damaged', `${where} returned content for ${digest} that does not match that digest.`, { subject: digest });
        return bytes;
      });
      manifests.set(digest, known);
    }
    return { mediaType, bytes: await known };
  };
  let recorded = 0;
  await mapLimit(images, 4, async (image) => {
    signal?.throwIfAborted();
    let ref;
    try {
      ref = parseReference(image.name);
    } catch (error) {
      warn(`${where} holds the image "${escapeControl(image.name)}", which is not a reference (${(error as Error).message}); it is left out.`, image.name);
      return;
    }
    onProgress?.({ kind: 'item-start', phase: 'resolve', item: image.name });
    try {
      const top = await read(image.digest, image.mediaType);
      if (!top) {
        warn(`${where} lists ${image.name} at ${image.digest}, but its content store does not hold that manifest; it is left out.`, image.name);
        return;
      }
      const walked = await walkImage({ digest: image.digest, ...top }, read, image.name);
      const key = builder.addRepository({ registry: ref.registry, name: ref.repository });
      builder.addManifest(key, image.digest);
      if (ref.tag !== undefined && ref.digest === undefined) builder.addTag(key, ref.tag, image.digest);
      for (const m of walked.manifests) builder.addManifest(key, m);
      for (const [blob, size] of walked.blobs) if (content.has(blob)) builder.addBlob(blob, size, key);
      recorded++;
    } catch (error) {
      if (isAbortError(error) || signal?.aborted || !(error instanceof FerryError) || error.code !== 'unsupported-manifest') throw error;
      warn(`${image.name} is left out: ${error.message}`, image.name);
    } finally {
      onProgress?.({ kind: 'item-end', phase: 'resolve', item: image.name });
    }
  });
  onProgress?.({ kind: 'phase-end', phase: 'resolve' });
  return { images: recorded };
}

/** One row of `ctr images ls`. */
interface ListedImage {
  name: string;
  mediaType: string;
  digest: string;
}

/** Reads `ctr images ls` (`REF TYPE DIGEST SIZE PLATFORMS LABELS`, aligned with spaces): the rows naming a manifest. */
function parseImageList(text: string): ListedImage[] {
  const images: ListedImage[] = [];
  for (const line of text.split('\n').slice(1)) {
    const [name, mediaType, digest] = line.trim().split(/\s+/);
    if (name && mediaType && digest && DIGEST.test(digest) && isManifestMediaType(mediaType)) images.push({ name, mediaType, digest });
  }
  return images;
}

/** Runs ctr and returns its stdout (at most `max` bytes), or a FerryError naming the command and what ctr said. */
function runCtr(ctr: string, args: string[], max: number, where: string, signal: AbortSignal | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(ctr, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let tooLarge = false;
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        tooLarge = true;
        child.kill('SIGKILL');
      } else chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4096)));
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (signal?.aborted) reject(signal.reason instanceof Error ? signal.reason : error);
      else if (error.code === 'ENOENT') {
        reject(new FerryError('not-found', `${ctr} (containerd's command-line client) was not found${ctr.includes('/') ? '' : ' on PATH'}; install containerd's ctr to list ${where}.`, { subject: ctr }));
      } else reject(new FerryError('io', `Cannot run ${ctr}: ${error.message}.`, { subject: ctr, cause: error }));
    });
    child.once('close', (code) => {
      if (signal?.aborted) return;
      const command = `ctr ${args.join(' ')}`;
      if (tooLarge) reject(new FerryError('io', `${command} printed more than ${max} bytes; Ferry stopped reading.`, { subject: where }));
      else if (code !== 0) reject(new FerryError('io', `${command} failed for ${where} (exit ${code}): ${stderr.trim() || 'no output'}`, { subject: where }));
      else resolve(Buffer.concat(chunks));
    });
  });
}
