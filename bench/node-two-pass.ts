// The least two sha256 passes over the same files cost in a Node process on this machine: two worker threads started
// at once, each reading every file by itself (2 MiB reads into its own buffer) and hashing it, and nothing else — no
// module to load, no tar to parse, nothing checked. `ferry verify` hashes every byte twice (each blob's digest, and each
// archive file's sha256 that SHA256SUMS records), so this is its floor in Node, measured as a whole process like the
// CLI (the verify bench times it beside `openssl sha256`, one pass).
//
//   node dist/bench/node-two-pass.js FILE...
import { Worker } from 'node:worker_threads';

const HASH_FILES = `
const { parentPort, workerData } = require('node:worker_threads');
const { closeSync, openSync, readSync } = require('node:fs');
const { createHash } = require('node:crypto');
const buffer = Buffer.allocUnsafe(2 * 1024 * 1024);
const digests = workerData.files.map((path) => {
  const fd = openSync(path, 'r');
  const hash = createHash('sha256');
  for (let at = 0, n; (n = readSync(fd, buffer, 0, buffer.length, at)) > 0; at += n) hash.update(buffer.subarray(0, n));
  closeSync(fd);
  return hash.digest('hex');
});
parentPort.postMessage(digests);
`;

/** Hashes the files on one new worker thread; its digests. */
function hashOnAThread(files: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(HASH_FILES, { eval: true, workerData: { files } });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

const files = process.argv.slice(2);
if (files.length === 0) throw new Error('usage: node-two-pass FILE...');
const [first, second] = await Promise.all([hashOnAThread(files), hashOnAThread(files)]);
// both threads must have read the same bytes
if (first.join() !== second.join()) throw new Error('the two passes disagree');
