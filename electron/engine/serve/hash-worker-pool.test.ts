import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { HashWorkerPool } from './hash-worker-pool.js';

/** `bytes` copied into a shared buffer, as the server reads chunks into its slots. */
function shared(bytes: Buffer): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(bytes.length);
  bytes.copy(Buffer.from(sab));
  return sab;
}

test('blobs hashed at once on the workers each get their own digest, chunk by chunk in order', async () => {
  const pool = new HashWorkerPool({ size: 2 });
  try {
    const blobs = Array.from({ length: 5 }, (_, i) => randomBytes(300_000 + i * 1000));
    const digests = await Promise.all(
      blobs.map(async (blob, i) => {
        const algorithm = i === 4 ? 'sha512' : 'sha256';
        const job = pool.open(algorithm);
        // uneven chunks, the last one shorter than its buffer
        for (let at = 0; at < blob.length; at += 65_537) {
          const chunk = blob.subarray(at, at + 65_537);
          const sab = new SharedArrayBuffer(65_537);
          chunk.copy(Buffer.from(sab));
          await job.update(sab, chunk.length);
        }
        return { algorithm, hex: await job.digest() };
      }),
    );
    digests.forEach((d, i) => assert.equal(d.hex, createHash(d.algorithm).update(blobs[i]!).digest('hex')));
  } finally {
    await pool.close();
  }
});

test('a discarded job fails what it was waiting for; the pool goes on hashing others', async () => {
  const pool = new HashWorkerPool({ size: 1 });
  try {
    const job = pool.open('sha256');
    const pending = job.update(shared(randomBytes(1000)), 1000);
    job.discard();
    await assert.rejects(pending, /discarded/);
    await assert.rejects(job.digest(), /ended/);
    const other = pool.open('sha256');
    const bytes = randomBytes(5000);
    await other.update(shared(bytes), bytes.length);
    assert.equal(await other.digest(), createHash('sha256').update(bytes).digest('hex'));
  } finally {
    await pool.close();
  }
});

test('closing the pool fails the jobs under way (never a digest) and refuses new ones', async () => {
  const pool = new HashWorkerPool({ size: 1 });
  const job = pool.open('sha256');
  const outcome = job.digest().then(
    (hex) => assert.equal(hex, createHash('sha256').digest('hex'), 'a digest that was already computed may still arrive'),
    (error: Error) => assert.match(error.message, /closing/),
  );
  await pool.close();
  await outcome;
  assert.throws(() => pool.open('sha256'), /closed/);
});
