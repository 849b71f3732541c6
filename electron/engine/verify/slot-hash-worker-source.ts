/**
 * The source of the slot-hashing worker, as plain JavaScript run with `new Worker(source, { eval: true })`
 * (like `hash-worker-source.ts`: the same from TypeScript sources under tsx and from the built `dist/`).
 *
 * The main thread reads files into shared buffers ("slots") and hands each filled slot to this
 * worker, which feeds it to the sha256 of the file it belongs to and gives the slot back. The main
 * thread meanwhile reads the same bytes in the same slot (to hash blobs), so every byte is read
 * from disk once and hashed twice on two cores.
 *
 * It can also start hashing files by itself ("prehash"), reading them with its own buffer, so that a verification
 * hashes its archive files while the main thread is still starting up; between two chunks of such a file it lets the
 * messages through (a slice of work per event-loop turn), so it never holds the main thread's slots back. When the
 * main thread reaches such a file, it `join`s it under its own file number and submits every chunk from the start as
 * usual: the worker stops reading it, answers how far it got and the file's identity, skips that many bytes of the
 * chunks it is given and hashes the rest on top of its own.
 *
 * workerData: `{ slots: SharedArrayBuffer[] }`.
 * Messages in: `{ type: 'chunk', file, slot, length, last? }`, `{ type: 'digest', file }`, `{ type: 'prehash', paths }`,
 * `{ type: 'join', path, file }`.
 * Messages out: `{ type: 'free', slot }` (with `file` and `sha256` after a `last` chunk), `{ type: 'digest', file, sha256 }`,
 * `{ type: 'joined', file, at, identity? }`, `{ type: 'prehash-idle' }` (nothing left to read by itself), `{ type: 'error', message }`.
 * `identity` is `dev:ino:size:mtime:ctime` (nanoseconds) from fstat of the handle the worker read through when it
 * opened the file; absent (and `at` 0) when it had not read any of it. Links are not followed; only regular files are
 * read.
 */
export const SLOT_HASH_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const slots = workerData.slots.map((sab) => Buffer.from(sab));
const hashes = new Map();
// prehash: paths waiting, the file being read, files read whole (path → { hash, bytes, identity })
const queue = [];
const seen = new Set();
const read = new Map();
const skips = new Map();
let current;
let own;
let scheduled = false;
let prehashing = false;
function identity(fd) {
  const s = fs.fstatSync(fd, { bigint: true });
  return s.isFile() ? s.dev + ':' + s.ino + ':' + s.size + ':' + s.mtimeNs + ':' + s.ctimeNs : undefined;
}
function closeCurrent() {
  try { fs.closeSync(current.fd); } catch {}
  const done = current;
  current = undefined;
  return done;
}
function prehashStep() {
  scheduled = false;
  try {
    if (!current) {
      const path = queue.shift();
      if (path === undefined) return;
      let fd;
      try {
        fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
      } catch {
        return schedule(); // the main thread's own read reports it
      }
      current = { path, fd, bytes: 0, hash: createHash('sha256') };
      current.identity = identity(fd);
      if (!current.identity) closeCurrent();
      return schedule();
    }
    own = own || Buffer.allocUnsafe(slots[0].length);
    const n = fs.readSync(current.fd, own, 0, own.length, current.bytes);
    if (n > 0) {
      current.hash.update(own.subarray(0, n));
      current.bytes += n;
    } else {
      const done = closeCurrent();
      read.set(done.path, done);
    }
  } catch {
    // a read error: dropped, the main thread's own read hashes the file and reports the error
    if (current) closeCurrent();
  }
  schedule();
}
function schedule() {
  if (!scheduled && (current || queue.length > 0)) {
    scheduled = true;
    setImmediate(prehashStep);
  } else if (!scheduled && !current && queue.length === 0 && prehashing) {
    prehashing = false;
    parentPort.postMessage({ type: 'prehash-idle' });
  }
}
function join(path, file) {
  let done = read.get(path);
  read.delete(path);
  if (!done && current && current.path === path) done = closeCurrent();
  const waiting = queue.indexOf(path);
  if (waiting !== -1) queue.splice(waiting, 1);
  seen.add(path);
  if (done && done.bytes > 0) {
    hashes.set(file, done.hash);
    skips.set(file, done.bytes);
    parentPort.postMessage({ type: 'joined', file, at: done.bytes, identity: done.identity });
  } else parentPort.postMessage({ type: 'joined', file, at: 0 });
  schedule();
}
parentPort.on('message', (message) => {
  try {
    if (message.type === 'prehash') {
      for (const path of message.paths) if (!seen.has(path)) seen.add(path), queue.push(path);
      prehashing = true;
      schedule();
    } else if (message.type === 'join') {
      join(message.path, message.file);
    } else if (message.type === 'chunk') {
      let hash = hashes.get(message.file);
      if (!hash) hashes.set(message.file, (hash = createHash('sha256')));
      const skip = skips.get(message.file);
      if (skip === undefined) hash.update(slots[message.slot].subarray(0, message.length));
      else if (skip < message.length) {
        skips.delete(message.file);
        hash.update(slots[message.slot].subarray(skip, message.length));
      } else if (skip === message.length) skips.delete(message.file);
      else skips.set(message.file, skip - message.length);
      if (message.last) {
        hashes.delete(message.file);
        skips.delete(message.file);
        parentPort.postMessage({ type: 'free', slot: message.slot, file: message.file, sha256: hash.digest('hex') });
      } else parentPort.postMessage({ type: 'free', slot: message.slot });
    } else if (message.type === 'digest') {
      const hash = hashes.get(message.file) || createHash('sha256');
      hashes.delete(message.file);
      skips.delete(message.file);
      parentPort.postMessage({ type: 'digest', file: message.file, sha256: hash.digest('hex') });
    }
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: String((error && error.message) || error) });
  }
});
`;
