import { createHash, type Hash } from 'node:crypto';
import { entryPath } from '../bundle/archive/tar-reader.js';
import type { BlobRecord, BundleManifest, FileRecord } from '../../../shared/bundle-manifest.js';
import { FILES_DIR } from '../files/plain-file-path.js';
import { TAR_END_SPAN } from '../bundle/archive/tar-header.js';
import { TarFormatError, TarParser, type TarEntry } from '../bundle/archive/tar-reader.js';
import { isManifestMediaType } from '../oci/media-types.js';
import type { ChunkSink } from './read-files-once.js';
import type { PartRanges } from './part-ranges.js';

/** The metadata files at the head of a bundle archive. */
export const METADATA_FILES = ['oci-layout', 'index.json', 'manifest.json'] as const;
/** One of {@link METADATA_FILES}. */
export type MetadataFile = (typeof METADATA_FILES)[number];

/** Metadata files and manifests larger than these are not held in memory. */
const MAX_METADATA = 16 * 1024 * 1024;
const MAX_DOCUMENT = 4 * 1024 * 1024;
const MAX_DOCUMENTS_TOTAL = 64 * 1024 * 1024;

/** Something wrong with one entry of the archive, before it is worded (owners are known only at the end). */
export interface WalkProblem {
  kind: 'blob-size' | 'blob-digest' | 'blob-unexpected' | 'archive-structure' | 'metadata';
  /** The entry's name in the archive. */
  entry: string;
  blob?: string;
  /** The parts holding the entry's bytes. */
  parts: string[];
  detail: string;
}

/** A metadata file as found in the archive. */
export interface FoundMetadata {
  bytes: Buffer;
  parts: string[];
}

/** What walking the archive found. */
export interface WalkOutcome {
  /** Every entry up to the end-of-archive marker was read; blobs not seen are then truly absent. */
  complete: boolean;
  /** Blobs stored in the archive (whatever their content). */
  present: Set<string>;
  /** Where each blob's bytes lie. */
  blobParts: Map<string, string[]>;
  blobsChecked: number;
  metadata: Map<MetadataFile, FoundMetadata>;
  /** Plain files (`files/<name>`) stored in the archive, by name (whatever their content). */
  filesPresent: Set<string>;
  /** Manifests and indexes (by bundle.json's media type), verified, as bytes. */
  documents: Map<string, Buffer>;
  /** Every entry by its path (as `BundleArchive` indexes them), up to the end-of-archive marker. */
  entries: Map<string, TarEntry>;
  problems: WalkProblem[];
}

interface OpenBlob {
  record: BlobRecord;
  entry: TarEntry;
  hash: Hash;
  keep?: Buffer[];
}

/**
 * Walks the archive as its bytes stream past, once, across the data parts in order: every blob's
 * size and sha256 against bundle.json, every entry accounted for, the metadata files and the
 * manifests kept (small, capped) for the structure checks. A malformed header ends the walk as an
 * `archive-structure` problem; the bytes keep streaming for the part hashes.
 */
export class ArchiveWalk implements ChunkSink {
  private readonly parser: TarParser;
  private readonly blobs: Map<string, BlobRecord>;
  private readonly outcome: WalkOutcome = {
    complete: false,
    present: new Set(),
    blobParts: new Map(),
    blobsChecked: 0,
    filesPresent: new Set(),
    metadata: new Map(),
    documents: new Map(),
    entries: new Map(),
    problems: [],
  };
  private stopped = false;
  private open: OpenBlob | undefined;
  private openFile: { record: FileRecord; entry: TarEntry; hash: Hash } | undefined;
  private readonly fileRecords: Map<string, FileRecord>;
  private meta: { name: MetadataFile; chunks: Buffer[]; parts: string[] } | undefined;
  private documentBytes = 0;

  constructor(
    private readonly manifest: BundleManifest,
    private readonly ranges: PartRanges,
    /** Told about what is left unchecked for want of memory (it is not a fault of the bundle). */
    private readonly warn: (message: string) => void = () => {},
  ) {
    this.blobs = new Map(manifest.blobs.map((b) => [b.digest, b]));
    this.fileRecords = new Map((manifest.files ?? []).map((f) => [f.name, f]));
    this.parser = new TarParser({
      entry: (e) => this.onEntry(e),
      data: (_e, chunk) => this.onData(chunk),
      entryEnd: () => this.onEntryEnd(),
    });
  }

  /** The next bytes of the archive. */
  chunk(bytes: Buffer): void {
    if (this.stopped) return;
    try {
      this.parser.push(bytes);
    } catch (error) {
      if (!(error instanceof TarFormatError)) throw error;
      this.stop(error.offset, error.message);
    }
  }

  /** Reading stopped early: the rest of the archive cannot be walked. */
  fail(message: string): void {
    if (this.stopped) return;
    this.stop(this.parser.offset, `reading stopped at byte ${this.parser.offset} (${message})`);
  }

  /** Ends the walk and says what it found. */
  finish(): WalkOutcome {
    if (!this.stopped) {
      try {
        this.parser.finish();
        const end = this.parser.end!;
        if (end + TAR_END_SPAN < this.manifest.archive.size) {
          this.stop(end, `an end-of-archive marker (a zero block) comes at byte ${end}, ${this.manifest.archive.size - end - TAR_END_SPAN} bytes before the archive's end: a header was zeroed`);
        } else {
          this.outcome.complete = true;
        }
      } catch (error) {
        if (!(error instanceof TarFormatError)) throw error;
        this.stop(error.offset, error.message);
      }
    }
    return this.outcome;
  }

  private stop(offset: number, detail: string): void {
    this.stopped = true;
    this.open = undefined;
    this.openFile = undefined;
    this.meta = undefined;
    const unread = this.manifest.blobs.filter((b) => !this.outcome.present.has(b.digest)).length;
    this.outcome.problems.push({
      kind: 'archive-structure',
      entry: '',
      parts: this.ranges.namesOf(Math.min(offset, Math.max(0, this.manifest.archive.size - 1))),
      detail: `${detail}${unread > 0 ? `; ${unread} blob(s) after it were not checked` : ''}`,
    });
  }

  private onEntry(e: TarEntry): void {
    const name = entryPath(e.name);
    this.outcome.entries.set(name, e);
    const parts = this.ranges.namesOf(e.headerOffset, Math.max(e.dataOffset + e.size, e.headerOffset + 1));
    const problem = (kind: WalkProblem['kind'], detail: string, blob?: string): void => {
      this.outcome.problems.push({ kind, entry: name, parts, detail, ...(blob ? { blob } : {}) });
    };
    const blobMatch = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
    if (blobMatch) {
      const digest = `sha256:${blobMatch[1]}`;
      if (e.type !== 'file') return problem('archive-structure', `${name} is a ${e.type}, not a file`, digest);
      if (this.outcome.present.has(digest)) return problem('archive-structure', `${name} is stored twice`, digest);
      const record = this.blobs.get(digest);
      if (!record) return problem('blob-unexpected', `the archive holds blob ${digest}, which bundle.json does not list`, digest);
      this.outcome.present.add(digest);
      this.outcome.blobParts.set(digest, this.ranges.namesOf(e.dataOffset, e.dataOffset + e.size));
      if (e.size !== record.size) problem('blob-size', `the archive holds ${e.size} bytes for it; bundle.json records ${record.size}`, digest);
      const document = isManifestMediaType(record.mediaType);
      const keep = document && e.size <= MAX_DOCUMENT && this.documentBytes + e.size <= MAX_DOCUMENTS_TOTAL;
      if (keep) this.documentBytes += e.size;
      else if (document) this.warn(`Manifest ${digest} (${e.size} bytes) is verified by its digest but not parsed: manifests are held in memory only up to ${MAX_DOCUMENT} bytes each, ${MAX_DOCUMENTS_TOTAL} in all.`);
      this.open = { record, entry: e, hash: createHash('sha256'), ...(keep ? { keep: [] } : {}) };
      return;
    }
    if ((METADATA_FILES as readonly string[]).includes(name)) {
      const file = name as MetadataFile;
      if (e.type !== 'file') return problem('archive-structure', `${name} is a ${e.type}, not a file`);
      if (this.outcome.metadata.has(file)) return problem('archive-structure', `${name} is stored twice`);
      if (e.size > MAX_METADATA) return problem('metadata', `${name} is ${e.size} bytes, too large to check`);
      this.meta = { name: file, chunks: [], parts };
      return;
    }
    if (e.type === 'directory' && (name === 'blobs' || name === 'blobs/sha256' || (name === FILES_DIR && this.fileRecords.size > 0))) return;
    const fileName = name.startsWith(`${FILES_DIR}/`) ? name.slice(FILES_DIR.length + 1) : undefined;
    const fileRecord = fileName === undefined ? undefined : this.fileRecords.get(fileName);
    if (fileRecord) {
      if (e.type !== 'file') return problem('archive-structure', `${name} is a ${e.type}, not a file`);
      if (this.outcome.filesPresent.has(fileRecord.name)) return problem('archive-structure', `${name} is stored twice`);
      this.outcome.filesPresent.add(fileRecord.name);
      if (e.size !== fileRecord.size) problem('blob-size', `the archive holds ${e.size} bytes for file ${fileRecord.name}; bundle.json records ${fileRecord.size}`);
      this.openFile = { record: fileRecord, entry: e, hash: createHash('sha256') };
      return;
    }
    problem('blob-unexpected', `the archive holds ${e.type === 'file' ? '' : `a ${e.type} `}${name || '(an entry without a name)'}, which is not part of a bundle`);
  }

  private onData(chunk: Buffer): void {
    if (this.openFile) {
      this.openFile.hash.update(chunk);
    } else if (this.open) {
      this.open.hash.update(chunk);
      this.open.keep?.push(Buffer.from(chunk));
    } else if (this.meta) {
      this.meta.chunks.push(Buffer.from(chunk));
    }
  }

  private onEntryEnd(): void {
    const open = this.open;
    const meta = this.meta;
    const openFile = this.openFile;
    this.openFile = undefined;
    if (openFile) {
      const actual = openFile.hash.digest('hex');
      if (actual !== openFile.record.sha256 && openFile.entry.size === openFile.record.size) {
        const at = this.ranges.namesOf(openFile.entry.dataOffset, Math.max(openFile.entry.dataOffset + openFile.entry.size, openFile.entry.dataOffset + 1));
        this.outcome.problems.push({ kind: 'blob-digest', entry: openFile.entry.name, parts: at, detail: `file ${openFile.record.name} is damaged (its sha256 is ${actual}; bundle.json records ${openFile.record.sha256})` });
      }
    }
    this.open = undefined;
    this.meta = undefined;
    if (meta) this.outcome.metadata.set(meta.name, { bytes: Buffer.concat(meta.chunks), parts: meta.parts });
    if (!open) return;
    this.outcome.blobsChecked++;
    const actual = `sha256:${open.hash.digest('hex')}`;
    const { digest, size } = open.record;
    if (actual === digest) {
      if (open.keep) this.outcome.documents.set(digest, Buffer.concat(open.keep));
      return;
    }
    if (open.entry.size !== size) return; // the size problem already says it is not this blob
    this.outcome.problems.push({
      kind: 'blob-digest',
      entry: open.entry.name,
      blob: digest,
      parts: this.outcome.blobParts.get(digest)!,
      detail: `its bytes are damaged (their sha256 is ${actual})`,
    });
  }
}
