/**
 * The source of the hashing worker, as plain JavaScript run with `new Worker(source, { eval: true })`.
 *
 * Kept as a string so the worker runs the same from TypeScript sources (tests, through tsx) and
 * from the built `dist/` without a loader. It receives contiguous byte ranges of the archive in
 * order, reads them back from the part files and feeds the whole-archive and per-part sha256,
 * on the second core while the main thread receives and verifies blobs.
 *
 * Messages in: `{ type: 'range', start, end }`, `{ type: 'finish' }`.
 * Messages out: `{ type: 'hashed', bytes }`, `{ type: 'done', sha256, parts }`, `{ type: 'error', message }`.
 */
export const HASH_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const parts = workerData.parts;
const fds = parts.map((p) => openSync(p.path, 'r'));
const whole = createHash('sha256');
// an unsplit archive is its own only part: hash it once
const single = parts.length === 1;
const partHashes = single ? [whole] : parts.map(() => createHash('sha256'));
const partDigests = [];
const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
let cursor = 0;
let partIndex = 0;
function hashRange(start, end) {
  if (start !== cursor) throw new Error('hash worker: range starts at ' + start + ', expected ' + cursor);
  while (cursor < end) {
    const part = parts[partIndex];
    const partEnd = part.start + part.size;
    const want = Math.min(buffer.length, end - cursor, partEnd - cursor);
    let got = 0;
    while (got < want) {
      const n = readSync(fds[partIndex], buffer, got, want - got, cursor - part.start + got);
      if (n === 0) throw new Error('archive read back short at offset ' + (cursor + got));
      got += n;
    }
    const chunk = buffer.subarray(0, got);
    whole.update(chunk);
    if (!single) partHashes[partIndex].update(chunk);
    cursor += got;
    if (cursor === partEnd) {
      if (!single) partDigests.push(partHashes[partIndex].digest('hex'));
      partIndex++;
    }
  }
}
parentPort.on('message', (message) => {
  try {
    if (message.type === 'range') {
      hashRange(message.start, message.end);
      parentPort.postMessage({ type: 'hashed', bytes: message.end - message.start });
    } else if (message.type === 'finish') {
      for (const fd of fds) closeSync(fd);
      const sha256 = whole.digest('hex');
      parentPort.postMessage({ type: 'done', sha256, parts: single ? [sha256] : partDigests });
    }
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: String(error && error.message || error) });
  }
});
`;
