import { TAR_BLOCK, paddedSize } from './tar-header.js';

/** What a tar entry is. */
/**
 * An entry's path as every reader of a bundle's archive takes it: leading `./` and trailing `/` dropped (as tar and
 * containerd read them). Verification and random access use this one rule, so they never see two different archives.
 */
export function entryPath(name: string): string {
  return name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'character-device' | 'block-device' | 'fifo' | 'other';

/** One entry of a tar archive, with where its bytes lie in the archive. */
export interface TarEntry {
  /** The path as stored (ustar prefix, GNU long name or pax `path` applied; `./` and trailing `/` kept). */
  name: string;
  type: TarEntryType;
  /** The raw type flag (`0`, `5`, `2`, …). */
  typeflag: string;
  /** Data bytes following the header (0 for header-only types such as directories and links). */
  size: number;
  mode: number;
  /** Seconds since the epoch. */
  mtime: number;
  linkName?: string;
  /** Offset of the entry's first header block (a pax or GNU long-name header when it has one). */
  headerOffset: number;
  /** Offset of the entry's first data byte. */
  dataOffset: number;
  /** Offset just past the entry's padding: where the next entry's header starts. */
  end: number;
}

/** A tar archive that cannot be read further: a bad header, a truncated entry, a missing end. */
export class TarFormatError extends Error {
  constructor(
    message: string,
    /** Archive offset of the block at fault. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'TarFormatError';
  }
}

/** Callbacks of a {@link TarParser}; data chunks are views of the pushed bytes, valid during the call only. */
export interface TarParserHandler {
  entry?(entry: TarEntry): void;
  data?(entry: TarEntry, chunk: Buffer): void;
  /** Every data byte of the entry has been passed to `data`. */
  entryEnd?(entry: TarEntry): void;
  /** The end-of-archive marker (a zero block) starts at `offset`; later bytes are ignored. */
  end?(offset: number): void;
}

/** Extension records (pax `x`, GNU `L`/`K`) larger than this are refused rather than held in memory. */
const MAX_EXTENSION = 1024 * 1024;

type State = 'header' | 'extension' | 'data' | 'padding' | 'ended' | 'failed';

/**
 * A push parser for ustar, GNU and pax tar streams: feed it the archive's bytes in any chunking
 * with `push()` and it reports each entry, its data (as zero-copy views) and the end marker,
 * synchronously. It never buffers data beyond one header block and one extension record, so it
 * can sit in a read loop that also does other work with the same chunks (hashing parts).
 * Any malformed header throws a {@link TarFormatError} naming the offset, from then on every push.
 */
export class TarParser {
  private state: State = 'header';
  private position = 0;
  private readonly block = Buffer.alloc(TAR_BLOCK);
  private blockFill = 0;
  private blockStart = 0;
  private remaining = 0;
  private entry: TarEntry | undefined;
  private extension: { typeflag: string; chunks: Buffer[]; size: number } | undefined;
  private readonly assembler = new EntryAssembler();
  private failure: TarFormatError | undefined;
  private endOffset: number | undefined;

  constructor(private readonly handler: TarParserHandler) {}

  /** Bytes pushed so far. */
  get offset(): number {
    return this.position;
  }

  /** The offset of the end-of-archive marker once seen. */
  get end(): number | undefined {
    return this.endOffset;
  }

  /** Feeds the next bytes of the archive. */
  push(chunk: Uint8Array): void {
    if (this.failure) throw this.failure;
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let at = 0;
    try {
      while (at < bytes.length) {
        if (this.state === 'ended') {
          this.position += bytes.length - at;
          return;
        }
        if (this.state === 'header') {
          at += this.takeHeader(bytes, at);
        } else if (this.state === 'extension') {
          at += this.takeExtension(bytes, at);
        } else if (this.state === 'data') {
          const n = Math.min(this.remaining, bytes.length - at);
          const entry = this.entry!;
          this.position += n;
          this.remaining -= n;
          this.handler.data?.(entry, bytes.subarray(at, at + n));
          at += n;
          if (this.remaining === 0) this.finishData(entry);
        } else {
          // padding after data or after an extension record
          const n = Math.min(this.remaining, bytes.length - at);
          this.position += n;
          this.remaining -= n;
          at += n;
          if (this.remaining === 0) this.state = 'header';
        }
      }
    } catch (error) {
      if (error instanceof TarFormatError) {
        this.state = 'failed';
        this.failure = error;
      }
      throw error;
    }
  }

  /** Declares the end of the input: throws unless the end-of-archive marker was seen. */
  finish(): void {
    if (this.failure) throw this.failure;
    if (this.state === 'ended') return;
    const error =
      this.state === 'data' || (this.state === 'padding' && this.entry)
        ? new TarFormatError(`the archive ends inside entry ${this.entry!.name} (${this.remaining} bytes short)`, this.position)
        : this.blockFill > 0 || this.state !== 'header'
          ? new TarFormatError('the archive ends inside a header', this.position)
          : new TarFormatError('the archive ends without its end-of-archive marker', this.position);
    this.state = 'failed';
    this.failure = error;
    throw error;
  }

  private takeHeader(bytes: Buffer, at: number): number {
    if (this.blockFill === 0) this.blockStart = this.position;
    let header: Buffer;
    let used: number;
    if (this.blockFill === 0 && bytes.length - at >= TAR_BLOCK) {
      header = bytes.subarray(at, at + TAR_BLOCK);
      used = TAR_BLOCK;
    } else {
      // a header split across chunks: gather it
      used = Math.min(TAR_BLOCK - this.blockFill, bytes.length - at);
      bytes.copy(this.block, this.blockFill, at, at + used);
      this.blockFill += used;
      this.position += used;
      if (this.blockFill < TAR_BLOCK) return used;
      this.blockFill = 0;
      this.onHeader(this.block, this.blockStart);
      return used;
    }
    this.position += used;
    this.onHeader(header, this.blockStart);
    return used;
  }

  private onHeader(header: Buffer, offset: number): void {
    if (isZeroBlock(header)) {
      this.state = 'ended';
      this.endOffset = offset;
      this.handler.end?.(offset);
      return;
    }
    const decoded = decodeTarHeader(header, offset);
    if (isExtensionType(decoded.typeflag)) {
      this.assembler.startAt(offset);
      if (decoded.size > MAX_EXTENSION) {
        throw new TarFormatError(`an extended header of ${decoded.size} bytes is larger than ${MAX_EXTENSION} bytes`, offset);
      }
      this.extension = { typeflag: decoded.typeflag, chunks: [], size: decoded.size };
      this.remaining = decoded.size;
      if (decoded.size === 0) this.endExtension();
      else this.state = 'extension';
      return;
    }
    const entry = this.assembler.complete(decoded, offset);
    this.entry = entry;
    this.handler.entry?.(entry);
    if (entry.size === 0) {
      this.finishData(entry);
    } else {
      this.remaining = entry.size;
      this.state = 'data';
    }
  }

  private takeExtension(bytes: Buffer, at: number): number {
    const n = Math.min(this.remaining, bytes.length - at);
    this.extension!.chunks.push(Buffer.from(bytes.subarray(at, at + n)));
    this.position += n;
    this.remaining -= n;
    if (this.remaining === 0) this.endExtension();
    return n;
  }

  private endExtension(): void {
    const { typeflag, chunks, size } = this.extension!;
    this.extension = undefined;
    this.entry = undefined;
    this.assembler.extend(typeflag, Buffer.concat(chunks), this.position - size);
    this.remaining = paddedSize(size) - size;
    this.state = this.remaining > 0 ? 'padding' : 'header';
  }

  private finishData(entry: TarEntry): void {
    this.handler.entryEnd?.(entry);
    this.remaining = paddedSize(entry.size) - entry.size;
    this.state = this.remaining > 0 ? 'padding' : 'header';
    if (this.remaining === 0) this.entry = undefined;
  }
}

/** The fields of one header block, before extensions are applied. */
export interface DecodedTarHeader {
  name: string;
  typeflag: string;
  size: number;
  mode: number;
  mtime: number;
  linkName: string;
}

/** Decodes and checks one header block (checksum, numeric fields, ustar prefix); throws {@link TarFormatError}. */
export function decodeTarHeader(header: Buffer, offset: number): DecodedTarHeader {
  const stored = header[148]! & 0x80 ? -1 : decodeNumber(header.subarray(148, 156), 'checksum', offset);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < TAR_BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : header[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  if (stored !== unsigned && stored !== signed) throw damagedHeader(offset, 'its checksum does not match');
  const typeflag = header[156] === 0 ? '0' : String.fromCharCode(header[156]!);
  const posix = header.toString('latin1', 257, 263) === 'ustar\u0000';
  let name = cString(header, 0, 100);
  if (posix) {
    const prefix = cString(header, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  return {
    name,
    typeflag,
    size: decodeNumber(header.subarray(124, 136), 'size', offset),
    mode: decodeNumber(header.subarray(100, 108), 'mode', offset),
    mtime: decodeNumber(header.subarray(136, 148), 'mtime', offset),
    linkName: cString(header, 157, 100),
  };
}

/** Applies pax and GNU long-name records to the header that follows them. */
class EntryAssembler {
  private firstOffset: number | undefined;
  private path: string | undefined;
  private linkPath: string | undefined;
  private size: number | undefined;

  startAt(offset: number): void {
    this.firstOffset ??= offset;
  }

  extend(typeflag: string, data: Buffer, offset: number): void {
    if (typeflag === 'L') this.path = cString(data, 0, data.length);
    else if (typeflag === 'K') this.linkPath = cString(data, 0, data.length);
    else if (typeflag === 'x') {
      const records = parsePax(data, offset);
      if (records.path !== undefined) this.path = records.path;
      if (records.linkpath !== undefined) this.linkPath = records.linkpath;
      if (records.size !== undefined) {
        if (!/^\d+$/.test(records.size) || !Number.isSafeInteger(Number(records.size))) {
          throw new TarFormatError(`a pax header gives an invalid size "${records.size.slice(0, 40)}"`, offset);
        }
        this.size = Number(records.size);
      }
    }
    // 'g' (pax global) records describe the whole archive: nothing an entry reader needs
  }

  complete(h: DecodedTarHeader, offset: number): TarEntry {
    const type = entryType(h.typeflag);
    const declared = this.size ?? h.size;
    // like GNU tar and Go: no data follows links, devices, fifos and directories
    const size = HEADER_ONLY.has(h.typeflag) ? 0 : declared;
    const headerOffset = this.firstOffset ?? offset;
    const entry: TarEntry = {
      name: this.path ?? h.name,
      type,
      typeflag: h.typeflag,
      size,
      mode: h.mode,
      mtime: h.mtime,
      headerOffset,
      dataOffset: offset + TAR_BLOCK,
      end: offset + TAR_BLOCK + paddedSize(size),
    };
    const linkName = this.linkPath ?? h.linkName;
    if (linkName) entry.linkName = linkName;
    this.firstOffset = undefined;
    this.path = undefined;
    this.linkPath = undefined;
    this.size = undefined;
    return entry;
  }
}

const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

function isExtensionType(typeflag: string): boolean {
  return typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K';
}

function entryType(typeflag: string): TarEntryType {
  switch (typeflag) {
    case '0':
    case '7':
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'character-device';
    case '4':
      return 'block-device';
    case '5':
      return 'directory';
    case '6':
      return 'fifo';
    default:
      return 'other';
  }
}

function damagedHeader(offset: number, why: string): TarFormatError {
  return new TarFormatError(`the header at byte ${offset} is damaged or not a tar header (${why})`, offset);
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < TAR_BLOCK; i += 8) {
    if (block.readBigUInt64LE(i) !== 0n) return false;
  }
  return true;
}

function cString(buf: Buffer, start: number, length: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
}

/** Octal (NUL or space terminated, leading spaces allowed) or GNU base-256 (high bit set). */
function decodeNumber(field: Buffer, what: string, offset: number): number {
  if (field[0]! & 0x80) {
    if (field[0] === 0xff) throw damagedHeader(offset, `a negative ${what}`);
    let value = BigInt(field[0]! & 0x7f);
    for (let i = 1; i < field.length; i++) value = (value << 8n) | BigInt(field[i]!);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw damagedHeader(offset, `a ${what} too large to handle`);
    return Number(value);
  }
  let i = 0;
  while (i < field.length && field[i] === 0x20) i++;
  let value = 0;
  for (; i < field.length; i++) {
    const c = field[i]!;
    if (c < 0x30 || c > 0x37) break;
    value = value * 8 + (c - 0x30);
  }
  for (; i < field.length; i++) {
    if (field[i] !== 0 && field[i] !== 0x20) {
      throw damagedHeader(offset, `an invalid ${what} field`);
    }
  }
  return value;
}

/** Parses pax records: `<length> <key>=<value>\n`, lengths in decimal bytes. */
function parsePax(data: Buffer, offset: number): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    if (data[at] === 0) break;
    const space = data.indexOf(0x20, at);
    const length = space === -1 ? NaN : Number(data.toString('latin1', at, space));
    if (!Number.isInteger(length) || length <= space - at + 1 || at + length > data.length || data[at + length - 1] !== 0x0a) {
      throw new TarFormatError(`a pax header has a malformed record at byte ${offset + at}`, offset);
    }
    const record = data.toString('utf8', space + 1, at + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0) records[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return records;
}

/** An entry as read from a stream, with its data. */
export interface TarStreamEntry extends TarEntry {
  /**
   * The entry's data as views of the source's chunks. Read it (or not) before asking for the next
   * entry: whatever is left unread is skipped.
   */
  body: AsyncIterable<Buffer>;
}

type StreamEvent = { kind: 'entry'; entry: TarEntry } | { kind: 'data'; chunk: Buffer } | { kind: 'entry-end' } | { kind: 'end' };

/**
 * Reads a tar stream entry by entry: `for await (const entry of readTarEntries(stream)) …`.
 * Each entry's `body` yields its data without copying; a malformed archive throws a
 * {@link TarFormatError}, as does a stream that ends before the end-of-archive marker.
 */
export async function* readTarEntries(source: AsyncIterable<Uint8Array>, options: { signal?: AbortSignal } = {}): AsyncGenerator<TarStreamEntry> {
  const queue: StreamEvent[] = [];
  let head = 0;
  const parser = new TarParser({
    entry: (entry) => queue.push({ kind: 'entry', entry }),
    data: (_entry, chunk) => queue.push({ kind: 'data', chunk }),
    entryEnd: () => queue.push({ kind: 'entry-end' }),
    end: () => queue.push({ kind: 'end' }),
  });
  const iterator = source[Symbol.asyncIterator]();
  let exhausted = false;
  const nextEvent = async (): Promise<StreamEvent | undefined> => {
    while (head === queue.length) {
      queue.length = 0;
      head = 0;
      if (exhausted) return undefined;
      options.signal?.throwIfAborted();
      const r = await iterator.next();
      if (r.done) {
        exhausted = true;
        parser.finish();
      } else {
        parser.push(r.value);
      }
    }
    return queue[head++];
  };
  let current: { done: boolean } | undefined;
  const body = async function* (state: { done: boolean }): AsyncGenerator<Buffer> {
    while (!state.done) {
      const event = await nextEvent();
      if (!event || event.kind === 'entry-end') state.done = true;
      else if (event.kind === 'data') yield event.chunk;
    }
  };
  try {
    for (;;) {
      while (current && !current.done) {
        const event = await nextEvent();
        if (!event || event.kind === 'entry-end') current.done = true;
      }
      const event = await nextEvent();
      if (!event || event.kind === 'end') return;
      if (event.kind !== 'entry') continue;
      const state = { done: false };
      current = state;
      yield { ...event.entry, body: body(state) };
    }
  } finally {
    await iterator.return?.();
  }
}

/** Positional reads of an archive (a `PartedFile`, a file handle…). */
export interface PositionalReader {
  /** Reads up to `length` bytes at `offset` into `target`; returns the count read (0 at the end). */
  read(target: Buffer, offset: number, length: number): Promise<number>;
}

/**
 * Lists a tar archive's entries by reading only their headers, jumping over the data: an index
 * of a multi-gigabyte archive in a few reads per entry. Throws {@link TarFormatError} on a
 * malformed header or a missing end.
 */
export async function* listTarEntries(reader: PositionalReader, options: { signal?: AbortSignal } = {}): AsyncGenerator<TarEntry> {
  const block = Buffer.alloc(TAR_BLOCK);
  const assembler = new EntryAssembler();
  let offset = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    if ((await readFully(reader, block, offset)) < TAR_BLOCK) {
      throw new TarFormatError('the archive ends without its end-of-archive marker', offset);
    }
    if (isZeroBlock(block)) return;
    const decoded = decodeTarHeader(block, offset);
    if (isExtensionType(decoded.typeflag)) {
      if (decoded.size > MAX_EXTENSION) {
        throw new TarFormatError(`an extended header of ${decoded.size} bytes is larger than ${MAX_EXTENSION} bytes`, offset);
      }
      assembler.startAt(offset);
      const data = Buffer.alloc(decoded.size);
      if ((await readFully(reader, data, offset + TAR_BLOCK)) < decoded.size) {
        throw new TarFormatError('the archive ends inside an extended header', offset);
      }
      assembler.extend(decoded.typeflag, data, offset + TAR_BLOCK);
      offset += TAR_BLOCK + paddedSize(decoded.size);
      continue;
    }
    const entry = assembler.complete(decoded, offset);
    yield entry;
    offset = entry.end;
  }
}

async function readFully(reader: PositionalReader, target: Buffer, offset: number): Promise<number> {
  let done = 0;
  while (done < target.length) {
    const n = await reader.read(target.subarray(done), offset + done, target.length - done);
    if (n === 0) break;
    done += n;
  }
  return done;
}
