import { closeSync, openSync, readSync, writeSync } from 'node:fs';

/** Flips every bit of one byte of a file in place: the smallest damage a medium can do. */
export function flipByte(path: string, offset: number): void {
  const fd = openSync(path, 'r+');
  try {
    const b = Buffer.alloc(1);
    if (readSync(fd, b, 0, 1, offset) !== 1) throw new Error(`flipByte: ${path} has no byte at ${offset}`);
    b[0] = b[0]! ^ 0xff;
    writeSync(fd, b, 0, 1, offset);
  } finally {
    closeSync(fd);
  }
}
