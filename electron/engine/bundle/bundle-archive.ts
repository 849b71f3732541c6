import type { BigIntStats } from 'node:fs';
import { Readable } from 'node:stream';
import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import { FerryError } from '../errors/ferry-error.js';
import { digestOf } from '../oci/digest.js';
import { findFile, openBundleVolumes } from '../verify/bundle-volumes.js';
import { volumeHoldingPart } from '../verify/part-holders.js';
import { blobPath } from './archive/archive-metadata.js';
import { PartedFile, type PartSpec } from './archive/parted-file.js';
import { entryPath, listTarEntries, TarFormatError, type TarEntry } from './archive/tar-reader.js';
import { inspectBundle } from './inspect-bundle.js';

/** Where one blob's bytes lie in the archive. */
export interface ArchivedBlob {
  digest: string;
  size: number;
  /** Offset of its first byte in the (logical, reassembled) archive. */
  offset: number;
}

/** Options for {@link BundleArchive.open}. */
export interface OpenBundleArchiveOptions {
  signal?: AbortSignal;
  /** Largest blob {@link BundleArchive.readBlob} holds in memory (default 16 MiB). */
  maxInMemory?: number;
  /** The manifest already read and verified (see `openVerifiedBundle`); otherwise `bundle.json` is read and checked here. */
  manifest?: BundleManifest;
  /** Every entry by path, as verification walked this very archive (see `openVerifiedBundle`): the headers are not read again. */
  entries?: ReadonlyMap<string, TarEntry>;
}

const CHUNK = 1024 * 1024;

/**
 * A bundle's archive opened for random access straight from its parts (split or not, on one
 * folder or spread over the volumes of a multi-volume set), with no reassembled copy: an index of
 * every entry built from the tar headers alone, and blobs read as streams or buffers by digest.
 * It trusts the bytes it reads: offline commands get it from `openVerifiedBundle`, which proves the bundle first.
 */
export class BundleArchive {
  private constructor(
    readonly dirs: string[],
    readonly manifest: BundleManifest,
    private readonly file: PartedFile,
    private readonly entries: ReadonlyMap<string, TarEntry>,
    private readonly maxInMemory: number,
  ) {}

  /** Opens the bundle in `dirs` (a bundle folder, or every volume of a set) and indexes its archive. */
  static async open(dirs: string[], options: OpenBundleArchiveOptions = {}): Promise<BundleArchive> {
    const volumes = await openBundleVolumes(dirs);
    const manifest = options.manifest ?? (await inspectBundle(volumes[0]!.dir)).manifest;
    const specs: PartSpec[] = [];
    let start = 0;
    for (const part of manifest.archive.parts) {
      let path: string | undefined;
      for (const volume of volumes) {
        const found = await findFile(volume, part.name);
        if (found?.ok && found.size === part.size) {
          path = found.path;
          break;
        }
      }
      if (!path) {
        const absent = volumes.every((v) => !v.names.has(part.name));
        const holder = absent ? await volumeHoldingPart(volumes, part.name) : undefined;
        throw new FerryError(
          'damaged',
          absent
            ? `Archive part ${part.name} (${part.size} bytes) is missing from ${volumes.map((v) => v.dir).join(', ')}${holder ? `: it is on ${holder}, which was not given` : ''}.`
            : `Archive part ${part.name} (${part.size} bytes) has the wrong size in ${volumes.map((v) => v.dir).join(', ')}.`,
          { subject: part.name, hint: absent ? 'other-volume' : 'repair' },
        );
      }
      specs.push({ path, start, size: part.size });
      start += part.size;
    }
    const file = await PartedFile.openForRead(specs);
    if (options.entries) return new BundleArchive(volumes.map((v) => v.dir), manifest, file, options.entries, options.maxInMemory ?? 16 * 1024 * 1024);
    const entries = new Map<string, TarEntry>();
    try {
      for await (const entry of listTarEntries(file, { signal: options.signal })) entries.set(entryPath(entry.name), entry);
    } catch (error) {
      await file.close();
      if (error instanceof TarFormatError) {
        throw new FerryError('damaged', `The archive of ${volumes[0]!.dir} cannot be read at offset ${error.offset}: ${error.message}.`, { subject: volumes[0]!.dir, hint: 'repair', cause: error });
      }
      throw error;
    }
    return new BundleArchive(
      volumes.map((v) => v.dir),
      manifest,
      file,
      entries,
      options.maxInMemory ?? 16 * 1024 * 1024,
    );
  }

  /** The archive entry of a blob, or undefined when the archive does not hold it. */
  blob(digest: string): ArchivedBlob | undefined {
    const entry = this.entries.get(blobPath(digest));
    return entry && entry.type === 'file' ? { digest, size: entry.size, offset: entry.dataOffset } : undefined;
  }

  /** Whether the archive holds this blob. */
  has(digest: string): boolean {
    return this.blob(digest) !== undefined;
  }

  /** A whole small entry (`index.json`, `manifest.json`, a manifest blob) as a buffer. */
  async readEntry(name: string): Promise<Buffer> {
    const entry = this.entries.get(name);
    if (!entry) throw new FerryError('damaged', `The archive has no ${name}.`, { subject: name });
    return this.readRange(entry.dataOffset, entry.size, name);
  }

  /** A whole blob as a buffer (manifests, configs); refused beyond `maxInMemory`. */
  async readBlob(digest: string): Promise<Buffer> {
    const blob = this.requireBlob(digest);
    return this.readRange(blob.offset, blob.size, digest);
  }

  /**
   * A whole blob as a buffer, checked against its digest (a manifest read after verification: the media may have
   * changed since); a mismatch is a `damaged` error naming the blob.
   */
  async readCheckedBlob(digest: string): Promise<Buffer> {
    const bytes = await this.readBlob(digest);
    if (digestOf(bytes) !== digest) throw new FerryError('damaged', `Blob ${digest} in the archive of ${this.dirs.join(', ')} does not match its digest.`, { subject: digest, hint: 'repair' });
    return bytes;
  }

  /** A blob, or the byte range `[start, end)` of it, as a stream read straight from the parts. */
  openBlob(digest: string, range: { start?: number; end?: number; signal?: AbortSignal } = {}): Readable {
    const blob = this.requireBlob(digest);
    const start = range.start ?? 0;
    const end = Math.min(range.end ?? blob.size, blob.size);
    if (start < 0 || start > end) throw new FerryError('bad-usage', `Range ${start}-${end} is outside ${digest} (${blob.size} bytes).`, { subject: digest });
    return this.streamRange(blob.offset + start, blob.offset + end, digest, range.signal);
  }

  /**
   * Reads up to `length` bytes of a blob from `position` (within the blob) into `target`, straight from the parts, for a
   * caller that reuses its buffers; the count read (fewer only at the blob's end, or where the archive ends early).
   */
  async readBlobInto(digest: string, target: Buffer, position: number, length: number): Promise<number> {
    const blob = this.requireBlob(digest);
    if (position < 0 || position > blob.size || length < 0 || length > target.length) throw new FerryError('bad-usage', `Read of ${length} bytes at ${position} is outside ${digest} (${blob.size} bytes).`, { subject: digest });
    const want = Math.min(length, blob.size - position);
    return want === 0 ? 0 : this.file.read(target, blob.offset + position, want);
  }

  /** The status (`fstat`, bigint times) of each part file a blob's bytes lie in: serving tells from it whether they changed. */
  statBlobFiles(digest: string): Promise<BigIntStats[]> {
    const blob = this.requireBlob(digest);
    return this.file.statRange(blob.offset, blob.size);
  }

  /** A whole archive entry (a plain file `files/<name>`) as a stream read straight from the parts. */
  openEntry(name: string, options: { signal?: AbortSignal } = {}): Readable {
    const entry = this.entries.get(name);
    if (!entry || entry.type !== 'file') throw new FerryError('damaged', `The archive has no ${name}.`, { subject: name });
    return this.streamRange(entry.dataOffset, entry.dataOffset + entry.size, name, options.signal);
  }

  private streamRange(from: number, stop: number, digest: string, signal: AbortSignal | undefined): Readable {
    const file = this.file;
    let position = from;
    return new Readable({
      highWaterMark: CHUNK,
      signal,
      read(): void {
        const length = Math.min(CHUNK, stop - position);
        if (length <= 0) {
          this.push(null);
          return;
        }
        const buffer = Buffer.allocUnsafe(length);
        file.read(buffer, position, length).then(
          (n) => {
            if (n === 0) {
              this.destroy(new FerryError('damaged', `The archive ends inside blob ${digest}.`, { subject: digest }));
              return;
            }
            position += n;
            this.push(n === length ? buffer : buffer.subarray(0, n));
          },
          (error: unknown) => this.destroy(error as Error),
        );
      },
    });
  }

  /** Closes the part files. */
  async close(): Promise<void> {
    await this.file.close();
  }

  private requireBlob(digest: string): ArchivedBlob {
    const blob = this.blob(digest);
    if (!blob) throw new FerryError('not-found', `The bundle does not hold blob ${digest}.`, { subject: digest });
    return blob;
  }

  private async readRange(offset: number, size: number, what: string): Promise<Buffer> {
    if (size > this.maxInMemory) throw new FerryError('bad-bundle', `${what} is ${size} bytes, too large to read into memory.`, { subject: what });
    const buffer = Buffer.allocUnsafe(size);
    const n = await this.file.read(buffer, offset, size);
    if (n < size) throw new FerryError('damaged', `The archive ends inside ${what}.`, { subject: what });
    return buffer;
  }
}

