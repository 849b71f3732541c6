/**
 * The source of the slot-hashing worker, as plain JavaScript run with `new Worker(source, { eval: true })`
 * (like `hash-worker-source.ts`: the same from TypeScript sources under tsx and from the built `dist/`).
 *
 * The main thread reads files into shared buffers ("slots") and hands each filled slot to this
 * worker, which feeds it to the sha256 of the file it belongs to and gives the slot back. The main
 * thread meanwhile reads the same bytes in the same slot (to hash blobs), so every byte is read
 * from disk once and hashed twice on two cores.
 *
 * workerData: `{ slots: SharedArrayBuffer[] }`.
 * Messages in: `{ type: 'chunk', file, slot, length, last? }`, `{ type: 'digest', file }`.
 * Messages out: `{ type: 'free', slot }` (with `file` and `sha256` after a `last` chunk), `{ type: 'digest', file, sha256 }`,
 * `{ type: 'error', message }`.
 */
export const SLOT_HASH_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const slots = workerData.slots.map((sab) => Buffer.from(sab));
const hashes = new Map();
parentPort.on('message', (message) => {
  try {
    if (message.type === 'chunk') {
      let hash = hashes.get(message.file);
      if (!hash) hashes.set(message.file, (hash = createHash('sha256')));
      hash.update(slots[message.slot].subarray(0, message.length));
      if (message.last) {
        hashes.delete(message.file);
        parentPort.postMessage({ type: 'free', slot: message.slot, file: message.file, sha256: hash.digest('hex') });
      } else parentPort.postMessage({ type: 'free', slot: message.slot });
    } else if (message.type === 'digest') {
      const hash = hashes.get(message.file) || createHash('sha256');
      hashes.delete(message.file);
      parentPort.postMessage({ type: 'digest', file: message.file, sha256: hash.digest('hex') });
    }
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: String((error && error.message) || error) });
  }
});
`;
