// The archive hash worker booted ahead of need: the TrailingHasher takes it over and hashes as a fresh one would.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PartedFile, planParts } from './parted-file.js';
import { prestartArchiveHasher, takePrestartedArchiveHasher } from './prestart-archive-hasher.js';
import { TrailingHasher } from './trailing-hasher.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-prestart-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Writes `data` as a split archive through a TrailingHasher following the writes; answers its digests. */
async function hashWritten(name: string, data: Buffer): Promise<{ digests: Awaited<ReturnType<TrailingHasher['done']>>; parts: ReturnType<typeof planParts> }> {
  const parts = planParts(data.length, 1_000_003, (part) => join(dir, `${name}-${part}`), 'bundle.tar');
  const file = await PartedFile.create(parts);
  const hasher = new TrailingHasher(parts);
  try {
    hasher.start();
    file.onWritten = (start, end) => hasher.complete(start, end);
    for (let at = 0; at < data.length; at += 700_001) await file.write(data.subarray(at, Math.min(data.length, at + 700_001)), at);
    return { digests: await hasher.done(), parts };
  } finally {
    await hasher.stop();
    await file.close();
  }
}

test('a prestarted worker is taken over by the next hasher and hashes the archive and each part', async () => {
  prestartArchiveHasher();
  const data = randomBytes(3 * 1024 * 1024 + 11);
  const { digests, parts } = await hashWritten('taken', data);
  assert.equal(takePrestartedArchiveHasher({ parts: [] }), undefined, 'the prestarted worker was used (none is left)');
  assert.equal(digests.sha256, sha(data));
  assert.equal(digests.parts.length, 4);
  parts.forEach((p, i) => assert.equal(digests.parts[i], sha(data.subarray(p.start, p.start + p.size))));
});

test('without a prestarted worker the hasher starts its own', async () => {
  assert.equal(takePrestartedArchiveHasher({ parts: [] }), undefined);
  const data = randomBytes(1024 * 1024 + 3);
  const { digests } = await hashWritten('own', data);
  assert.equal(digests.sha256, sha(data));
});
