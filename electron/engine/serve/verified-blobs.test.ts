import assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir, removeDir } from '../../../e2e/harness/temp-dir.js';
import { VerifiedBlobs } from './verified-blobs.js';

let dir: string;
let file: string;
const statFile = async () => [await stat(file, { bigint: true })];
/** A clock a minute ahead: the file written just now counts as settled. */
const later = () => Date.now() + 60_000;

before(async () => {
  dir = await makeTempDir('ferry-verified-blobs-');
  file = join(dir, 'bundle.tar');
  await writeFile(file, 'blob bytes');
});

after(async () => {
  await removeDir(dir);
});

test('a blob proven from settled files is trusted while they keep their identity, and counted', async () => {
  const memo = new VerifiedBlobs({ now: later });
  const identity = await memo.identify(statFile);
  assert.equal(identity.racy, false);
  assert.equal(memo.trusts('sha256:a', identity), false);
  await memo.prove('sha256:a', identity, async () => undefined);
  assert.equal(memo.hashed, 1);
  assert.equal(memo.trusts('sha256:a', await memo.identify(statFile)), true);
  assert.equal(memo.trusted, 1);
});

test('a file changed just now (by the real clock) is racy: its proof is not remembered, the blob is hashed again', async () => {
  await writeFile(file, 'blob bytes');
  const memo = new VerifiedBlobs();
  const identity = await memo.identify(statFile);
  assert.equal(identity.racy, true);
  await memo.prove('sha256:a', identity, async () => undefined);
  assert.equal(memo.size, 0);
  assert.equal(memo.trusts('sha256:a', await memo.identify(statFile)), false);
});

test('a file whose times lie ahead of the clock is racy too', async () => {
  const memo = new VerifiedBlobs({ now: () => Date.now() - 60_000 });
  assert.equal((await memo.identify(statFile)).racy, true);
});

test('a changed identity forgets the proof; a failed check is never remembered and drops an earlier proof; a stopped one keeps it', async () => {
  const memo = new VerifiedBlobs({ now: later });
  const identity = await memo.identify(statFile);
  await memo.prove('sha256:a', identity, async () => undefined);
  // another size: the identity differs whatever the timestamp granularity
  await writeFile(file, 'other blob bytes');
  assert.equal(memo.trusts('sha256:a', await memo.identify(statFile)), false);
  assert.equal(memo.size, 0, 'forgotten');
  assert.equal(memo.trusts('sha256:a', identity), false, 'the old identity no longer proves it either');

  const now = await memo.identify(statFile);
  await assert.rejects(memo.prove('sha256:b', now, async () => Promise.reject(new Error('mismatch'))), /mismatch/);
  assert.equal(memo.size, 0);
  await memo.prove('sha256:b', now, async () => undefined);
  await assert.rejects(memo.prove('sha256:b', now, async () => Promise.reject(new Error('mismatch'))), /mismatch/);
  assert.equal(memo.trusts('sha256:b', now), false, 'a failed check drops the earlier proof');
  await memo.prove('sha256:b', now, async () => undefined);
  await assert.rejects(memo.prove('sha256:b', now, async () => Promise.reject(new Error('aborted')), () => true));
  assert.equal(memo.trusts('sha256:b', now), true, 'a check that merely stopped keeps it');
  assert.equal(memo.hashed, 6);
});

test('the memo is bounded: past its size the oldest proof goes', async () => {
  const memo = new VerifiedBlobs({ now: later, maxEntries: 2 });
  const identity = await memo.identify(statFile);
  for (const digest of ['sha256:1', 'sha256:2', 'sha256:3']) await memo.prove(digest, identity, async () => undefined);
  assert.equal(memo.size, 2);
  assert.equal(memo.trusts('sha256:1', identity), false);
  assert.equal(memo.trusts('sha256:3', identity), true);
});
