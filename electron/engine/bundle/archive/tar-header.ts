/** Size of a tar block; every header and every entry's data is padded to it. */
export const TAR_BLOCK = 512;

/** What a tar entry header says. */
export interface TarHeaderFields {
  name: string;
  size: number;
  type: 'file' | 'directory';
  /** Seconds since the epoch. */
  mtime: number;
}

/**
 * Encodes one ustar header block.
 *
 * Ferry writes headers at precomputed offsets while blobs stream in parallel, so it needs the
 * header bytes on their own (tar-stream does not export its encoder). Sizes past 8 GiB use the
 * base-256 form that GNU tar, Go's archive/tar and tar-stream all read.
 */
export function encodeTarHeader(fields: TarHeaderFields): Buffer {
  const header = Buffer.alloc(TAR_BLOCK);
  const { name, prefix } = splitName(fields.type === 'directory' && !fields.name.endsWith('/') ? `${fields.name}/` : fields.name);
  header.write(name, 0, 100, 'utf8');
  writeOctal(header, fields.type === 'directory' ? 0o755 : 0o644, 100, 8);
  writeOctal(header, 0, 108, 8);
  writeOctal(header, 0, 116, 8);
  writeSize(header, fields.type === 'directory' ? 0 : fields.size);
  writeOctal(header, Math.max(0, Math.floor(fields.mtime)), 136, 12);
  header.write('        ', 148, 8, 'ascii');
  header.write(fields.type === 'directory' ? '5' : '0', 156, 1, 'ascii');
  header.write('ustar\u000000', 257, 8, 'ascii');
  header.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return header;
}

/** Bytes an entry of `size` data bytes occupies: header plus data padded to whole blocks. */
export function tarEntrySpan(size: number): number {
  return TAR_BLOCK + paddedSize(size);
}

/** `size` rounded up to whole tar blocks. */
export function paddedSize(size: number): number {
  return Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
}

/** The end-of-archive marker: two zero blocks. */
export const TAR_END_SPAN = 2 * TAR_BLOCK;

function splitName(path: string): { name: string; prefix: string } {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  const cut = path.lastIndexOf('/', 155);
  const name = path.slice(cut + 1);
  const prefix = path.slice(0, cut);
  if (cut <= 0 || Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155) {
    throw new Error(`tar entry name too long for ustar: ${path}`);
  }
  return { name, prefix };
}

function writeOctal(buf: Buffer, value: number, offset: number, length: number): void {
  buf.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'ascii');
}

function writeSize(buf: Buffer, size: number): void {
  if (size < 8 ** 11) {
    writeOctal(buf, size, 124, 12);
    return;
  }
  // base-256: high bit of the first byte set, big-endian value in the rest
  let value = BigInt(size);
  for (let i = 135; i > 124; i--) {
    buf[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  buf[124] = 0x80;
}
