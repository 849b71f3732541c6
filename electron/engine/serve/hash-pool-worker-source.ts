/**
 * The source of a serve hashing worker, as plain JavaScript run with `new Worker(source, { eval: true })` (as
 * `slot-hash-worker-source.ts` is: the same from TypeScript sources under tsx and from the built `dist/`).
 *
 * The main thread reads a blob's chunks into shared buffers and, while it writes each to the client, hands it to this
 * worker, which feeds it to that blob's hash and says so; the hash of a whole blob is asked for before its last chunk
 * is sent. Several blobs share a worker, each under its own id; messages of one id arrive in order.
 *
 * Messages in: `{ t: 'update', id, algorithm, buffer: SharedArrayBuffer, length, slot }`, `{ t: 'digest', id, algorithm }`,
 * `{ t: 'discard', id }`.
 * Messages out: `{ t: 'hashed', id, slot }`, `{ t: 'digest', id, hex }`, `{ t: 'error', id, message }`.
 */
export const HASH_POOL_WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  try {
    if (m.t === 'update') {
      let hash = hashes.get(m.id);
      if (!hash) hashes.set(m.id, (hash = createHash(m.algorithm)));
      hash.update(new Uint8Array(m.buffer, 0, m.length));
      parentPort.postMessage({ t: 'hashed', id: m.id, slot: m.slot });
    } else if (m.t === 'digest') {
      const hash = hashes.get(m.id) || createHash(m.algorithm);
      hashes.delete(m.id);
      parentPort.postMessage({ t: 'digest', id: m.id, hex: hash.digest('hex') });
    } else if (m.t === 'discard') {
      hashes.delete(m.id);
    }
  } catch (error) {
    hashes.delete(m.id);
    parentPort.postMessage({ t: 'error', id: m.id, message: String((error && error.message) || error) });
  }
});
`;
