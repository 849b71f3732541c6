import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { FerryError } from '../errors/ferry-error.js';
import { createDigestCheckedStream } from './digest-checked-stream.js';

const digestOf = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const chunksOf = (b: Buffer, size: number): Buffer[] => Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size));

/** Streams `chunks` through a checked stream: what came out, and the error it ended with. */
async function through(chunks: Buffer[], options: { digest: string; size: number }) {
  const out: Buffer[] = [];
  let error: unknown;
  try {
    for await (const c of Readable.from(chunks).pipe(createDigestCheckedStream({ ...options, source: 'the bundle at /media/stick' }))) out.push(c as Buffer);
  } catch (e) {
    error = e;
  }
  return { out: Buffer.concat(out), error };
}

test('matching bytes pass through whole, in order', async () => {
  const blob = randomBytes(100_000);
  const r = await through(chunksOf(blob, 4096), { digest: digestOf(blob), size: blob.length });
  assert.equal(r.error, undefined);
  assert.deepEqual(r.out, blob);
});

test('a changed byte: the last chunk is never released, and the error names the blob and the source', async () => {
  const blob = randomBytes(100_000);
  const digest = digestOf(blob);
  const changed = Buffer.from(blob);
  changed[10] = changed[10]! ^ 0xff;
  const r = await through(chunksOf(changed, 4096), { digest, size: blob.length });
  assert.ok(r.error instanceof FerryError && r.error.code === 'damaged');
  assert.match((r.error as Error).message, new RegExp(`Blob ${digest} in the bundle at /media/stick no longer matches its digest \\(it hashes to ${digestOf(changed)}\\)`));
  // 100 000 bytes in chunks of 4096: the last chunk (1696 bytes) stays held back
  assert.ok(r.out.length <= blob.length - 1696, `${r.out.length} bytes out`);
  // a one-chunk blob: nothing at all
  const small = await through([changed.subarray(0, 100)], { digest: digestOf(blob.subarray(0, 100)), size: 100 });
  assert.equal(small.out.length, 0);
  assert.ok(small.error instanceof FerryError);
});

test('too many bytes fail at once; too few fail at the end', async () => {
  const blob = randomBytes(10_000);
  const long = await through(chunksOf(Buffer.concat([blob, Buffer.from('x')]), 4096), { digest: digestOf(blob), size: blob.length });
  assert.match((long.error as Error).message, /has more than the 10000 bytes recorded/);
  const short = await through(chunksOf(blob.subarray(0, 9000), 4096), { digest: digestOf(blob), size: blob.length });
  assert.match((short.error as Error).message, /ends after 9000 of its 10000 bytes/);
  assert.ok(short.out.length < 9000);
});
