// ICO and ICNS containers with PNG entries, written by hand (both formats are a small header plus a
// table of entries): used by make-icons.mjs, checked by icon-containers.test.ts.

/** Width and height of a PNG (from its IHDR chunk). */
export function pngSize(png) {
  if (png.length < 24 || png.readUInt32BE(0) !== 0x89504e47 || png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** A Windows .ico holding the given PNGs (each at most 256×256; 256 is written as 0 as the format wants). */
export function writeIco(pngs) {
  const header = Buffer.alloc(6 + 16 * pngs.length);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(pngs.length, 4);
  let offset = header.length;
  pngs.forEach((png, i) => {
    const { width, height } = pngSize(png);
    if (width > 256 || height > 256) throw new Error(`an ICO entry is at most 256×256, not ${width}×${height}`);
    const at = 6 + 16 * i;
    header.writeUInt8(width === 256 ? 0 : width, at);
    header.writeUInt8(height === 256 ? 0 : height, at + 1);
    header.writeUInt8(0, at + 2); // no palette
    header.writeUInt8(0, at + 3);
    header.writeUInt16LE(1, at + 4); // planes
    header.writeUInt16LE(32, at + 6); // bits per pixel
    header.writeUInt32LE(png.length, at + 8);
    header.writeUInt32LE(offset, at + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...pngs]);
}

/** The ICNS element type of a PNG of each size (ic07 128, ic08 256, ic09 512, ic10 1024). */
export const ICNS_TYPES = { 128: 'ic07', 256: 'ic08', 512: 'ic09', 1024: 'ic10' };

/** A macOS .icns holding the given PNGs (sizes 128, 256, 512 and 1024 only: ic07–ic10). */
export function writeIcns(pngs) {
  const elements = pngs.map((png) => {
    const { width, height } = pngSize(png);
    const type = ICNS_TYPES[width];
    if (!type || width !== height) throw new Error(`no ICNS PNG element for ${width}×${height}`);
    const head = Buffer.alloc(8);
    head.write(type, 0, 'latin1');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'latin1');
  head.writeUInt32BE(8 + elements.reduce((n, e) => n + e.length, 0), 4);
  return Buffer.concat([head, ...elements]);
}

/** The entries of an ICO file: size and PNG bytes of each. */
export function readIco(buf) {
  if (buf.readUInt16LE(0) !== 0 || buf.readUInt16LE(2) !== 1) throw new Error('not an ICO file');
  const count = buf.readUInt16LE(4);
  return Array.from({ length: count }, (_, i) => {
    const at = 6 + 16 * i;
    const size = buf.readUInt8(at) || 256;
    const length = buf.readUInt32LE(at + 8);
    const offset = buf.readUInt32LE(at + 12);
    return { size, png: buf.subarray(offset, offset + length) };
  });
}

/** The elements of an ICNS file: type and data of each. */
export function readIcns(buf) {
  if (buf.toString('latin1', 0, 4) !== 'icns' || buf.readUInt32BE(4) !== buf.length) throw new Error('not an ICNS file');
  const out = [];
  for (let at = 8; at < buf.length; ) {
    const length = buf.readUInt32BE(at + 4);
    if (length < 8 || at + length > buf.length) throw new Error('a broken ICNS element');
    out.push({ type: buf.toString('latin1', at, at + 4), data: buf.subarray(at + 8, at + length) });
    at += length;
  }
  return out;
}
