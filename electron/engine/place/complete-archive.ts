import { createHash } from 'node:crypto';
import { pipeline as pipelineCallback, Readable } from 'node:stream';
import type { BundleManifest, ImageRecord, OmittedBlob } from '../../../shared/bundle-manifest.js';
import { formatBytes } from '../../../shared/format.js';
import { layoutArchive, type LayoutInput } from '../bundle/archive/archive-layout.js';
import { blobPath, dockerSaveEntries, dockerSaveFile, ociIndexFile, ociLayoutFile, type DockerSaveImage, type IndexedImage } from '../bundle/archive/archive-metadata.js';
import { encodeTarHeader, paddedSize, TAR_END_SPAN } from '../bundle/archive/tar-header.js';
import type { BundleArchive } from '../bundle/bundle-archive.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { describeDeltaBase } from '../bundle/describe-delta.js';
import type { CarriedImageManifest } from '../bundle/resolve-image.js';
import { FerryError } from '../errors/ferry-error.js';
import { FILES_DIR, plainFilePath } from '../files/plain-file-path.js';
import { parseManifest } from '../oci/parse-manifest.js';
import { parseReference } from '../reference/parse-reference.js';
import { createDigestCheckedStream } from '../serve/digest-checked-stream.js';
import { groupBundleDirs } from '../verify/group-bundle-dirs.js';
import { openVerifiedBundle, type VerifiedBundle } from '../verify/open-verified-bundle.js';
import { openReassembledArchive, type ReassembledArchive } from './reassembled-archive.js';

/** The archive a runtime is given: the bundle's own (reassembled), or a delta made complete with its bases' blobs. */
export interface PlacedArchive extends ReassembledArchive {
  /** Its size in bytes, known before the first byte. */
  size: number;
  /** Its sha256 (hex): recorded for a complete bundle; for a delta made complete, known once the stream has ended. */
  sha256(): string;
  /** The bundles whose blobs fill in a delta (empty for a complete bundle). */
  bases: BundleManifest[];
  /** Closes what the stream reads from (also done when the stream ends or fails). */
  close(): Promise<void>;
}

/** True when a bundle is a delta that relies on blobs held offline: its archive alone is not complete. */
export function reliesOnBlobs(manifest: BundleManifest): boolean {
  return (manifest.delta?.omitted.length ?? 0) > 0;
}

/**
 * Verifies the earlier bundles given with `--base` (folders grouped by bundle id: a multi-volume set is one bundle), each
 * as `ferry verify` does; any that fails stops the command with `consequence` holding. Only integrity is asked of a
 * base: it supplies blobs by digest, each checked again as it streams.
 */
export async function openVerifiedBases(dirs: string[], consequence: string, controls: JobControls = {}): Promise<VerifiedBundle[]> {
  if (dirs.length === 0) return [];
  const bases: VerifiedBundle[] = [];
  for (const group of await groupBundleDirs(dirs)) bases.push(await openVerifiedBundle({ dirs: group, consequence: `${consequence} (a base bundle failed verification)` }, controls));
  return bases;
}

/**
 * Opens what to place for a runtime: a complete bundle's archive as it is (checked part by part as it streams), or — a
 * delta — a complete archive streamed from the delta's and the bases' archives ({@link openCompleteArchive}). A delta
 * without bases supplying every blob it relies on is refused before a byte is written.
 */
export async function openPlacedArchive(bundle: VerifiedBundle, bases: readonly VerifiedBundle[], options: { signal?: AbortSignal | undefined; onBytes?: (n: number) => void } = {}): Promise<PlacedArchive> {
  if (reliesOnBlobs(bundle.manifest)) return openCompleteArchive(bundle, bases, options);
  const archive = await openReassembledArchive(bundle, options);
  return { ...archive, size: archive.manifest.archive.size, sha256: () => archive.manifest.archive.sha256, bases: [], close: async () => {} };
}

/** Where one blob of the complete archive is read from. */
interface BlobSource {
  digest: string;
  size: number;
  archive: BundleArchive;
  /** For messages: `the bundle at DIR (id …)`. */
  from: string;
}

type Payload = Buffer | BlobSource | { file: string; sha256: string };

/**
 * A delta made complete: an OCI layout + docker-save tar equal in content to what a full bundle of the same images would
 * hold — every blob once (the delta's, and each blob it relies on from the first base that holds it with the recorded
 * size), `index.json` naming every image, `manifest.json` listing every image now loadable, the delta's plain files —
 * streamed from the archives (no staging copy), with each blob and file checked against its digest as it streams (its
 * last chunk held back until it matches) and the tar's end written only after all of them. Refused, naming every blob
 * and the images needing it, when the bases lack any.
 */
export async function openCompleteArchive(bundle: VerifiedBundle, bases: readonly VerifiedBundle[], options: { signal?: AbortSignal | undefined; onBytes?: (n: number) => void } = {}): Promise<PlacedArchive> {
  const { manifest } = bundle;
  const omitted = manifest.delta?.omitted ?? [];
  if (bases.length === 0) throw noBase(bundle);
  const signal = options.signal;
  const open = { ...(signal ? { signal } : {}) };
  const opened: BundleArchive[] = [];
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => (closed ??= Promise.all(opened.map((a) => a.close())).then(() => undefined));
  try {
    const delta = await bundle.openArchive(open);
    opened.push(delta);
    const baseArchives: { archive: BundleArchive; from: string }[] = [];
    for (const base of bases) {
      const archive = await base.openArchive(open);
      opened.push(archive);
      baseArchives.push({ archive, from: `the bundle at ${base.dirs.join(', ')} (id ${base.manifest.id})` });
    }
    const images = await readImages(delta, manifest);

    // every blob the delta relies on, from the first base holding it with the recorded size
    const supplied: BlobSource[] = [];
    const missing: OmittedBlob[] = [];
    for (const blob of omitted) {
      const holder = baseArchives.find((b) => b.archive.blob(blob.digest)?.size === blob.size);
      if (holder) supplied.push({ digest: blob.digest, size: blob.size, archive: holder.archive, from: holder.from });
      else missing.push(blob);
    }
    if (missing.length > 0) throw basesLack(bundle, bases, missing, images);

    const carried = new Set([...manifest.blobs.map((b) => b.digest), ...supplied.map((b) => b.digest)]);
    const docker = dockerSaveEntries(images.map((i) => i.docker), carried);
    const files: [string, Buffer][] = [
      ['oci-layout', ociLayoutFile()],
      ['index.json', ociIndexFile(images.map((i) => i.index))],
      ['manifest.json', dockerSaveFile(docker.entries)],
    ];
    const own = `the bundle at ${bundle.dirs.join(', ')} (id ${manifest.id})`;
    const blobs: BlobSource[] = [...manifest.blobs.map((b) => ({ digest: b.digest, size: b.size, archive: delta, from: own })), ...supplied];
    const plainFiles = manifest.files ?? [];
    const empty = Buffer.alloc(0);
    const layout = layoutArchive<Payload>([
      { name: 'blobs', size: 0, type: 'directory', payload: empty },
      { name: 'blobs/sha256', size: 0, type: 'directory', payload: empty },
      ...files.map(([name, bytes]): LayoutInput<Payload> => ({ name, size: bytes.length, type: 'file', payload: bytes })),
      ...blobs.map((b): LayoutInput<Payload> => ({ name: blobPath(b.digest), size: b.size, type: 'file', payload: b })),
      ...(plainFiles.length > 0 ? [{ name: FILES_DIR, size: 0, type: 'directory' as const, payload: empty }] : []),
      ...plainFiles.map((f): LayoutInput<Payload> => ({ name: plainFilePath(f.name), size: f.size, type: 'file', payload: { file: f.name, sha256: f.sha256 } })),
    ]);

    const whole = createHash('sha256');
    let sha256: string | undefined;
    const mtime = Math.floor(Date.now() / 1000);
    async function* bytes(): AsyncGenerator<Buffer> {
      const out = (chunk: Buffer): Buffer => {
        whole.update(chunk);
        options.onBytes?.(chunk.length);
        return chunk;
      };
      try {
        for (const entry of layout.entries) {
          yield out(encodeTarHeader({ name: entry.name, size: entry.size, type: entry.type, mtime }));
          if (entry.type === 'directory') continue;
          const payload = entry.payload;
          if (Buffer.isBuffer(payload)) yield out(payload);
          else {
            // checked as it streams: the media may have changed since verification
            const [body, digest, source] =
              'file' in payload
                ? [delta.openEntry(plainFilePath(payload.file), open), `sha256:${payload.sha256}`, own]
                : [payload.archive.openBlob(payload.digest, open), payload.digest, payload.from];
            const checked = createDigestCheckedStream({ digest, size: entry.size, source });
            for await (const chunk of pipelineCallback(body, checked, () => undefined) as AsyncIterable<Buffer>) yield out(chunk);
          }
          const padding = paddedSize(entry.size) - entry.size;
          if (padding > 0) yield out(Buffer.alloc(padding));
        }
        // the end of the archive only once every blob has matched: a reader never sees a complete, wrong archive
        yield out(Buffer.alloc(TAR_END_SPAN));
        sha256 = whole.digest('hex');
      } finally {
        await close();
      }
    }
    return {
      manifest,
      dir: bundle.dirs[0]!,
      stream: Readable.from(bytes(), { objectMode: false, highWaterMark: 1024 * 1024 }),
      size: layout.totalSize,
      sha256: () => {
        if (sha256 === undefined) throw new FerryError('internal', 'The complete archive has not been written yet.');
        return sha256;
      },
      bases: bases.map((b) => b.manifest),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** One image of the delta as index.json and manifest.json describe it, read from the delta's (verified) manifests. */
interface ImageView {
  record: ImageRecord;
  index: IndexedImage;
  docker: DockerSaveImage;
  /** Config and layer digests its image manifests reference. */
  needs: Set<string>;
}

/** Reads every image's manifests from the delta (each checked against its digest again: the media may have changed). */
async function readImages(archive: BundleArchive, manifest: BundleManifest): Promise<ImageView[]> {
  const read = async (digest: string, image: ImageRecord): Promise<Buffer> => {
    const bytes = await archive.readBlob(digest);
    const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (actual !== digest) {
      throw new FerryError('damaged', `Manifest ${digest} of ${image.reference} in the bundle at ${archive.dirs.join(', ')} no longer matches its digest (it hashes to ${actual}): the media changed after verification; nothing was placed.`, {
        subject: digest,
      });
    }
    return bytes;
  };
  const views: ImageView[] = [];
  for (const record of manifest.images) {
    const manifests: Pick<CarriedImageManifest, 'config' | 'layers' | 'platform'>[] = [];
    const needs = new Set<string>();
    const visit = async (digest: string, mediaType: string, depth: number): Promise<Buffer> => {
      const bytes = await read(digest, record);
      const doc = parseManifest(bytes, mediaType, record.reference);
      if (doc.kind === 'index') {
        if (depth > 1) throw new FerryError('unsupported-manifest', `${record.reference} nests indexes more than two deep; Ferry does not place that.`, { subject: record.reference });
        for (const child of doc.manifests) await visit(child.digest, child.mediaType, depth + 1);
      } else {
        const platform = record.manifests.find((m) => m.digest === digest)?.platform;
        manifests.push({ config: doc.config, layers: doc.layers, ...(platform ? { platform } : {}) });
        for (const d of [doc.config, ...doc.layers]) needs.add(d.digest);
      }
      return bytes;
    };
    const topBytes = await visit(record.digest, record.mediaType, 0);
    const ref = parseReference(record.reference);
    const single = !record.asPublished && record.manifests.length === 1 && record.manifests[0]!.digest === record.digest ? record.manifests[0]!.platform : undefined;
    views.push({
      record,
      index: { ref, top: { digest: record.digest, mediaType: record.mediaType, bytes: topBytes }, ...(single ? { topPlatform: single } : {}) },
      docker: { ref, manifests },
      needs,
    });
  }
  return views;
}

/**
 * Which images need each config and layer blob, as the bundle's manifests (read from its archive, each checked against
 * its digest) say: for naming the images a missing blob leaves incomplete.
 */
export async function imagesNeedingBlobs(archive: BundleArchive, manifest: BundleManifest): Promise<Map<string, string[]>> {
  const owners = new Map<string, string[]>();
  for (const view of await readImages(archive, manifest)) {
    for (const digest of view.needs) owners.set(digest, [...(owners.get(digest) ?? []), view.record.reference]);
  }
  return owners;
}

/** The ids (or bundle.json sha256) of the earlier bundles a delta was made against, for "give it with --base". */
export function earlierBundles(manifest: BundleManifest): string {
  const against = manifest.delta?.against ?? [];
  const bundles = against.filter((a) => a.kind === 'bundle');
  if (bundles.length > 0) return `the earlier bundle${bundles.length === 1 ? '' : 's'} it was made against (id ${bundles.map((b) => b.bundleId ?? `with bundle.json sha256 ${b.sha256.slice(0, 16)}…`).join(', id ')})`;
  return `the earlier bundles holding them (it was made against ${against.map(describeDeltaBase).join('; ')})`;
}

function noBase(bundle: VerifiedBundle): FerryError {
  const { manifest } = bundle;
  const omitted = manifest.delta?.omitted ?? [];
  const bytes = omitted.reduce((n, b) => n + b.size, 0);
  return new FerryError(
    'unsupported',
    `${bundle.dirs.join(', ')} is a delta bundle (id ${manifest.id}): its archive lacks ${omitted.length} blob${omitted.length === 1 ? '' : 's'} (${formatBytes(bytes)}) its images need, ` +
      `which the offline side already held when it was made, so it is not a complete archive for a runtime; nothing was placed. ` +
      `A complete archive needs ${earlierBundles(manifest)} too, or an import into a registry that holds them.`,
    { subject: bundle.dirs[0]!, hint: 'base-bundles' },
  );
}

function basesLack(bundle: VerifiedBundle, bases: readonly VerifiedBundle[], missing: OmittedBlob[], images: ImageView[]): FerryError {
  const { manifest } = bundle;
  const lines = missing.map((blob) => {
    const needing = images.filter((i) => i.needs.has(blob.digest)).map((i) => i.record.reference);
    const held = bases.map((b) => ({ id: b.manifest.id, record: b.manifest.blobs.find((r) => r.digest === blob.digest) })).find((b) => b.record);
    const why = held ? `; bundle ${held.id} holds it with ${held.record!.size} bytes, not ${blob.size}` : '';
    return `  - blob ${blob.digest} (${formatBytes(blob.size)}) needed by ${needing.length > 0 ? needing.join(', ') : 'a chart or referrer of the bundle'}${why}`;
  });
  return new FerryError(
    'not-found',
    `The base bundles given (${bases.map((b) => `id ${b.manifest.id}`).join(', ')}) lack ${missing.length} of the ${manifest.delta?.omitted.length ?? 0} blobs delta ${manifest.id} relies on; nothing was placed.\n` +
      `${lines.join('\n')}\nA complete archive needs ${earlierBundles(manifest)} too, or an import into a registry that holds them.`,
    { subject: bundle.dirs[0]!, hint: 'base-bundles' },
  );
}
