import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { FerryError, isAbortError } from '../errors/ferry-error.js';
import { HashWorkerPool } from './hash-worker-pool.js';
import { sendCheckedBlob } from './send-checked-blob.js';
import { SharedSlotPool, type SharedSlot } from './shared-slot-pool.js';

const MIB = 1024 * 1024;
const blob = randomBytes(5 * MIB + 12_345);
const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
const hashers = new HashWorkerPool({ size: 2 });
const slots = new SharedSlotPool(MIB, 8);
/** Every slot the pool handed out, new or reused. */
const taken: SharedSlot[] = [];
const take = slots.take.bind(slots);
slots.take = () => {
  const slot = take();
  taken.push(slot);
  return slot;
};

/** Blobs the pool was asked to hash. */
let hashJobs = 0;
const open = hashers.open.bind(hashers);
hashers.open = (algorithm) => {
  hashJobs++;
  return open(algorithm);
};
/** Set when the next request's blob counts as proven before (sent unhashed, its files asked once at the end). */
let proven: { unchanged: () => Promise<boolean> } | undefined;

/** How the next request's bytes are read: the blob as stored, or changed on the media. */
let source: (target: Buffer, position: number, length: number) => Promise<number>;
const asStored = async (target: Buffer, position: number, length: number): Promise<number> => blob.copy(target, 0, position, position + length);
/** The outcome of each request on the server's side. */
let outcome: Promise<unknown>;
/** Settles once the response of the latest request has closed (finished, or the client went away). */
let closed: Promise<void>;
let server: Server;
let url: string;

before(async () => {
  server = createServer((_req, res) => {
    const controller = new AbortController();
    closed = new Promise((resolve) => res.once('close', () => resolve()));
    res.once('close', () => controller.abort());
    res.writeHead(200, { 'Content-Length': blob.length });
    outcome = sendCheckedBlob({ digest, size: blob.length, source: 'the bundle at /media/stick', read: source, out: res, hashers, slots, signal: controller.signal, ...(proven ? { proven } : {}) }).then(
      () => 'sent',
      (error: unknown) => {
        res.destroy(error as Error);
        return error;
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await hashers.close();
});

/** GETs the blob: the bytes received and whether the response ended cleanly (`stop` cuts the client off early). */
function fetchBlob(stop?: (received: number) => boolean): Promise<{ body: Buffer; complete: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    get(url, { agent: false }, (res) => {
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        received += c.length;
        if (stop?.(received)) res.destroy();
      });
      res.once('end', () => resolve({ body: Buffer.concat(chunks), complete: true }));
      res.once('close', () => resolve({ body: Buffer.concat(chunks), complete: false }));
    }).once('error', () => resolve({ body: Buffer.concat(chunks), complete: false }));
  });
}

test('a blob is sent whole and byte for byte; its buffers are reused by the next one', async () => {
  source = asStored;
  const first = await fetchBlob();
  assert.equal(await outcome, 'sent');
  assert.ok(first.complete);
  assert.ok(first.body.equals(blob));
  const used = new Set(taken.splice(0));
  assert.equal(used.size, 4, 'four buffers in flight at most');
  const second = await fetchBlob();
  assert.equal(await outcome, 'sent');
  assert.ok(second.body.equals(blob));
  assert.ok(
    taken.splice(0).every((slot) => used.has(slot)),
    'no new buffer for the second blob',
  );
});

test('a byte changed on the media: the response is cut short of its length, never completed, and the error names the blob', async () => {
  source = async (target, position, length) => {
    const n = await asStored(target, position, length);
    if (position <= 3 * MIB && 3 * MIB < position + n) target[3 * MIB - position] ^= 0xff;
    return n;
  };
  const r = await fetchBlob();
  const error = await outcome;
  assert.ok(error instanceof FerryError && error.code === 'damaged', String(error));
  assert.match(error.message, /no longer matches its digest .*the media changed after verification/);
  assert.ok(error.message.includes(digest) && error.message.includes('/media/stick'), error.message);
  assert.equal(r.complete, false);
  assert.ok(r.body.length < blob.length, `${r.body.length} of ${blob.length} bytes received`);
  assert.ok(r.body.length <= blob.length - (blob.length % MIB), 'the last chunk was held back');
});

test('the media ends early: refused as damaged, the response cut short', async () => {
  source = async (target, position, length) => (position >= 2 * MIB ? 0 : asStored(target, position, length));
  const r = await fetchBlob();
  const error = await outcome;
  assert.ok(error instanceof FerryError && error.code === 'damaged', String(error));
  assert.match(error.message, new RegExp(`ends after ${2 * MIB} of its ${blob.length} bytes`));
  assert.equal(r.complete, false);
  assert.ok(r.body.length <= 2 * MIB);
});

test('a client that goes away mid-blob stops the send (an abort, not damage, and no hang)', async () => {
  // the media holds the third MiB back until the client has gone: the send cannot have finished before
  source = async (target, position, length) => {
    if (position >= 2 * MIB) await closed;
    return asStored(target, position, length);
  };
  const r = await fetchBlob((received) => received > 64 * 1024);
  assert.equal(r.complete, false);
  const error = await outcome;
  assert.ok(isAbortError(error), String(error));
});

test('a blob proven before is sent whole without hashing, its last chunk once its files are found unchanged', async () => {
  source = asStored;
  const asked: number[] = [];
  let received = 0;
  proven = {
    unchanged: async () => {
      asked.push(received);
      return true;
    },
  };
  const before = hashJobs;
  try {
    const r = await fetchBlob((n) => ((received = n), false));
    assert.equal(await outcome, 'sent');
    assert.ok(r.complete && r.body.equals(blob));
    assert.equal(hashJobs, before, 'nothing was hashed');
    assert.equal(asked.length, 1, 'the files were asked once');
    assert.ok(asked[0]! <= blob.length - (blob.length % MIB), 'before the last chunk was written');
  } finally {
    proven = undefined;
  }
});

test('a blob proven before whose files changed while it was sent: the response is cut short, the last chunk held back', async () => {
  source = asStored;
  proven = { unchanged: async () => false };
  try {
    const r = await fetchBlob();
    const error = await outcome;
    assert.ok(error instanceof FerryError && error.code === 'damaged', String(error));
    assert.match(error.message, /changed on the media while it was sent: the media changed after verification/);
    assert.ok(error.message.includes(digest), error.message);
    assert.equal(r.complete, false);
    assert.ok(r.body.length <= blob.length - (blob.length % MIB), 'the last chunk was held back');
  } finally {
    proven = undefined;
  }
});

test('an empty blob is still checked against its digest', async () => {
  const sink: Buffer[] = [];
  const out = new Writable({
    write: (chunk: Buffer, _encoding, callback) => {
      sink.push(chunk);
      callback();
    },
  });
  const none = async (): Promise<number> => 0;
  const empty = `sha256:${createHash('sha256').digest('hex')}`;
  await sendCheckedBlob({ digest: empty, size: 0, source: 'the bundle at /media/stick', read: none, out, hashers, slots, signal: new AbortController().signal });
  assert.ok(out.writableEnded);
  const other = new Writable({ write: (_chunk: Buffer, _encoding, callback) => callback() });
  await assert.rejects(sendCheckedBlob({ digest, size: 0, source: 'the bundle at /media/stick', read: none, out: other, hashers, slots, signal: new AbortController().signal }), /no longer matches its digest/);
  assert.equal(other.writableEnded, false, 'never ended on a wrong digest');
  assert.equal(sink.length, 0);
});
