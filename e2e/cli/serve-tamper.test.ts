// `ferry serve` and a bundle that is hostile input: a bundle altered before serving is refused before anything
// listens; one altered on disk while it is served (a byte flipped in bundle.tar) is never sent complete and wrong,
// even once a blob was proven and is sent from its files unhashed (their identity changed).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import type { ProgressEvent } from '../../shared/progress.js';
import { flipByte, freePort, makeTestBundle, rejectsWith, skopeo, waitUntil, type TestBundle } from '../harness/index.js';
import { runFerry, startFerry } from '../harness/ferry-cli.js';
import { BundleArchive } from '../../electron/engine/bundle/bundle-archive.js';
import { generateSigningKey, serveBundle, signBundle, type ServedBundle } from '../../electron/engine/index.js';
import { VerifiedBlobs } from '../../electron/engine/serve/verified-blobs.js';

let bundle: TestBundle;

before(async () => {
  // one archive file (bundle.tar), with two random layers of several archive read chunks (1 MiB) each
  bundle = await makeTestBundle({ bigLayers: 2, layerBytes: 3 * 1024 * 1024 });
});

after(async () => {
  await bundle?.cleanup();
});

const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const image = (repository: string) => bundle.manifest.images.find((i) => i.repository === repository)!;
/** The two random layers of test/big, largest first. */
const layers = () => [...bundle.manifest.blobs].sort((a, b) => b.size - a.size).slice(0, 2);

/** Where a blob's first byte lies in bundle.tar (read from the tar headers). */
async function offsetOf(dir: string, digest: string): Promise<number> {
  const archive = await BundleArchive.open([dir]);
  try {
    return archive.blob(digest)!.offset;
  } finally {
    await archive.close();
  }
}

/** Flips one byte `within` bytes into a blob, in the bundle.tar of `dir`. */
async function flipInBlob(dir: string, digest: string, within: number): Promise<void> {
  assert.equal(bundle.manifest.archive.parts.length, 1);
  flipByte(join(dir, bundle.manifest.archive.parts[0]!.name), (await offsetOf(dir, digest)) + within);
}

/** A GET whose body is read to the end: the bytes received, and the error the read ended with, if any. */
async function getBody(url: string, headers: Record<string, string> = {}) {
  const r = await request(url, { headers });
  const chunks: Buffer[] = [];
  let error: unknown;
  try {
    for await (const chunk of r.body) chunks.push(chunk as Buffer);
  } catch (e) {
    error = e;
  }
  return { status: r.statusCode, headers: r.headers, body: Buffer.concat(chunks), error };
}

const errorOf = (body: Buffer): { code: string; message: string } => (JSON.parse(body.toString()) as { errors: { code: string; message: string }[] }).errors[0]!;

describe('a bundle altered before it is served', () => {
  test('one flipped manifest byte: serveBundle verifies first and refuses before listening, naming the fault', async () => {
    const dir = bundle.copy();
    const single = image('test/single');
    await flipInBlob(dir, single.digest, 20);
    const port = await freePort();
    const events: ProgressEvent[] = [];
    const error = await rejectsWith(serveBundle({ dirs: [dir], listen: `127.0.0.1:${port}` }, { onProgress: (e) => events.push(e) }), 'damaged', /it is not served/);
    // the fault: the manifest blob does not hash to its digest (and the part with it no longer matches its sum)
    assert.ok(error.message.includes(single.digest.slice('sha256:'.length)), error.message);
    assert.ok(events.some((e) => e.kind === 'phase-start' && e.phase === 'verify'), 'the verification reported its progress');
    await assert.rejects(request(`http://127.0.0.1:${port}/v2/`), /ECONNREFUSED/);
  });

  test('ferry serve on it exits 1 with the fault on stderr, and never says it is serving', async () => {
    const dir = bundle.copy();
    const single = image('test/single');
    await flipInBlob(dir, single.digest, 20);
    const r = await runFerry(['serve', dir, '--listen', '127.0.0.1:0'], { timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /The bundle is damaged: .*; it is not served\./);
    assert.ok(r.stderr.includes(single.digest.slice('sha256:'.length)), r.stderr);
    assert.doesNotMatch(r.stdout, /Serving/);
  });

  test('the checks of import apply: --trust on an unsigned bundle is refused (exit 1); signed by that key, it is served', async () => {
    const dir = bundle.copy();
    const key = await generateSigningKey(join(bundle.work, 'preparer'));
    const refused = await runFerry(['serve', dir, '--listen', '127.0.0.1:0', '--trust', key.publicKeyFile], { timeoutMs: 60_000 });
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /The bundle is not trusted: .*; it is not served\./);
    await rejectsWith(serveBundle({ dirs: [dir], listen: '127.0.0.1:0', trustedKeys: [key.publicKeyFile], requireApproval: true }), 'untrusted', /it is not served/);
    await signBundle(dir, key.privateKeyFile);
    const served = await serveBundle({ dirs: [dir], listen: '127.0.0.1:0', trustedKeys: [key.publicKeyFile] });
    try {
      assert.equal((await request(`${served.url}/v2/`)).statusCode, 200);
    } finally {
      await served.close();
    }
  });
});

describe('a bundle altered on disk while it is served', () => {
  let dir: string;
  let served: ServedBundle;
  const warnings: string[] = [];

  before(async () => {
    dir = bundle.copy();
    served = await serveBundle({ dirs: [dir], listen: '127.0.0.1:0' }, { onProgress: (e) => e.kind === 'warning' && warnings.push(e.message) });
  });

  after(async () => {
    await served?.close();
  });

  const blobUrl = (digest: string): string => `${served.url}/v2/test/big/blobs/${digest}`;

  test('unaltered, skopeo copies from the server (every platform of test/multi) and reads test/single', async () => {
    const dest = join(bundle.work, 'oci-multi');
    const r = await skopeo(['copy', '--all', '--src-tls-verify=false', `docker://${served.host}/test/multi:1`, `oci:${dest}:1`]);
    assert.equal(r.code, 0, r.stderr);
    const index = JSON.parse(readFileSync(join(dest, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    assert.equal(index.manifests[0]!.digest, image('test/multi').digest);
    const raw = await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${served.host}/test/single:1.0`]);
    assert.equal(raw.code, 0, raw.stderr);
    assert.equal(sha256(raw.stdout), image('test/single').digest);
    assert.deepEqual(warnings, []);
  });

  test('a layer flipped after start: a whole GET breaks off short of its Content-Length; a warning names the blob and the bundle', async () => {
    const layer = layers()[0]!;
    assert.ok(layer.size > 2 * 1024 * 1024, 'the layer spans several read chunks');
    await flipInBlob(dir, layer.digest, 1000);
    const r = await getBody(blobUrl(layer.digest));
    assert.equal(r.status, 200);
    assert.equal(Number(r.headers['content-length']), layer.size);
    assert.ok(r.error, 'reading the body rejects (the connection is cut)');
    assert.ok(r.body.length < layer.size, `${r.body.length} of ${layer.size} bytes received`);
    // fetch sees the same: the body read rejects
    await assert.rejects(fetch(blobUrl(layer.digest)).then((res) => res.arrayBuffer()));
    await waitUntil(async () => warnings.some((w) => w.includes(layer.digest) && w.includes(dir)), { what: 'a warning naming the blob and the bundle', timeoutMs: 5000 });
    assert.match(warnings.find((w) => w.includes(layer.digest))!, /no longer matches its digest .*the media changed after verification/);
  });

  test('a Range GET of the altered layer is refused (500) before a byte of it is sent', async () => {
    const layer = layers()[0]!;
    const r = await getBody(blobUrl(layer.digest), { range: 'bytes=0-99' });
    assert.equal(r.status, 500);
    assert.equal(r.error, undefined);
    const e = errorOf(r.body);
    assert.equal(e.code, 'DIGEST_INVALID');
    assert.ok(e.message.includes(layer.digest) && e.message.includes(dir), e.message);
    assert.equal(r.headers['content-range'], undefined);
  });

  test('an unaltered layer still serves, whole and by range', async () => {
    const layer = layers()[1]!;
    const whole = await getBody(blobUrl(layer.digest));
    assert.equal(whole.error, undefined);
    assert.equal(sha256(whole.body), layer.digest);
    const part = await getBody(blobUrl(layer.digest), { range: 'bytes=1000-200999' });
    assert.equal(part.status, 206);
    assert.deepEqual(part.body, whole.body.subarray(1000, 201000));
  });

  test('a layer served whole before is checked again: altered now, its whole GET breaks and its ranges are refused', async () => {
    const layer = layers()[1]!;
    await flipInBlob(dir, layer.digest, layer.size - 10);
    const whole = await getBody(blobUrl(layer.digest));
    assert.ok(whole.error, 'reading the body rejects');
    assert.ok(whole.body.length < layer.size);
    const part = await getBody(blobUrl(layer.digest), { range: 'bytes=0-99' });
    assert.equal(part.status, 500);
    assert.equal(errorOf(part.body).code, 'DIGEST_INVALID');
  });

  test('a manifest altered after start is refused (500), never sent under a digest it does not match; skopeo fails', async () => {
    const big = image('test/big');
    await flipInBlob(dir, big.digest, 30);
    for (const method of ['GET', 'HEAD'] as const) {
      const r = await request(`${served.url}/v2/test/big/manifests/1`, { method });
      const body = Buffer.from(await r.body.arrayBuffer());
      assert.equal(r.statusCode, 500, method);
      assert.equal(r.headers['docker-content-digest'], undefined);
      if (method === 'GET') assert.ok(errorOf(body).message.includes(big.digest));
    }
    const inspect = await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${served.host}/test/big:1`]);
    assert.notEqual(inspect.code, 0);
    assert.ok(warnings.some((w) => w.startsWith(`Manifest ${big.digest}`) && w.includes(dir)), warnings.join('\n'));
    // what was not altered still serves
    assert.equal((await request(`${served.url}/v2/test/single/manifests/1.0`)).statusCode, 200);
  });
});

describe('a blob proven once is sent from its files, unhashed, while they keep their identity', () => {
  let dir: string;
  let tar: string;
  let served: ServedBundle;
  // a clock a minute ahead: the bundle copied just now counts as settled (a file changed within seconds is never trusted)
  const memo = new VerifiedBlobs({ now: () => Date.now() + 60_000 });
  const warnings: string[] = [];

  before(async () => {
    dir = bundle.copy();
    tar = join(dir, bundle.manifest.archive.parts[0]!.name);
    served = await serveBundle({ dirs: [dir], listen: '127.0.0.1:0', verifiedBlobs: memo }, { onProgress: (e) => e.kind === 'warning' && warnings.push(e.message) });
  });

  after(async () => {
    await served?.close();
  });

  const blobUrl = (digest: string): string => `${served.url}/v2/test/big/blobs/${digest}`;

  /** Pulls a layer whole twice, intact both times: hashed the first time only (and a range of it then hashes nothing either). */
  async function proveTwice(layer: { digest: string; size: number }): Promise<void> {
    const hashed = memo.hashed;
    for (let i = 0; i < 2; i++) {
      const r = await getBody(blobUrl(layer.digest));
      assert.equal(r.error, undefined);
      assert.equal(sha256(r.body), layer.digest);
    }
    const part = await getBody(blobUrl(layer.digest), { range: 'bytes=10-99' });
    assert.equal(part.status, 206);
    assert.equal(part.body.length, 90);
    assert.equal(memo.hashed, hashed + 1, 'hashed once');
  }

  test('a blob pulled twice (and then by range) is hashed once', async () => {
    const trusted = memo.trusted;
    await proveTwice(layers()[0]!);
    assert.equal(memo.trusted, trusted + 2, 'the second pull and the range were sent from the proof');
    assert.deepEqual(warnings, []);
  });

  test('a bundle file changed in place (same size, mtime moved on): the next pull is hashed and cut short, a warning names the blob', async () => {
    const layer = layers()[0]!;
    const before = statSync(tar, { bigint: true });
    await flipInBlob(dir, layer.digest, 1000);
    const later = new Date(Number(before.mtimeMs) + 5000);
    utimesSync(tar, later, later);
    assert.equal(statSync(tar).size, Number(before.size));
    const hashed = memo.hashed;
    const r = await getBody(blobUrl(layer.digest));
    assert.equal(r.status, 200);
    assert.ok(r.error, 'reading the body rejects (the connection is cut)');
    assert.ok(r.body.length < layer.size, `${r.body.length} of ${layer.size} bytes received`);
    assert.equal(memo.hashed, hashed + 1, 'the changed file was not trusted: the blob was hashed again');
    await waitUntil(async () => warnings.some((w) => w.includes(layer.digest)), { what: 'a warning naming the blob', timeoutMs: 5000 });
    assert.match(warnings.find((w) => w.includes(layer.digest))!, /no longer matches its digest .*the media changed after verification/);
    // and its ranges are refused, the blob hashed again
    const part = await getBody(blobUrl(layer.digest), { range: 'bytes=0-99' });
    assert.equal(part.status, 500);
    assert.equal(errorOf(part.body).code, 'DIGEST_INVALID');
  });

  test('changed in place with its mtime set back to the very nanosecond: the ctime still tells, and the pull is cut short', async () => {
    const layer = layers()[1]!;
    // the file as it is now (changed by the test before): stamp it well in the past, then prove the layer from it
    execFileSync('touch', ['-d', '2020-01-01T00:00:00.123456789Z', tar]);
    await proveTwice(layer);
    const before = statSync(tar, { bigint: true });
    const reference = join(bundle.work, 'mtime-reference');
    writeFileSync(reference, '');
    execFileSync('touch', ['-r', tar, reference]);
    await flipInBlob(dir, layer.digest, layer.size - 10);
    execFileSync('touch', ['-m', '-r', reference, tar]);
    const now = statSync(tar, { bigint: true });
    assert.equal(now.mtimeNs, before.mtimeNs, 'the mtime is back to the nanosecond');
    assert.equal(now.size, before.size);
    assert.notEqual(now.ctimeNs, before.ctimeNs, 'the filesystem moved the ctime on');
    const hashed = memo.hashed;
    const r = await getBody(blobUrl(layer.digest));
    assert.ok(r.error, 'reading the body rejects (the connection is cut)');
    assert.ok(r.body.length < layer.size);
    assert.equal(memo.hashed, hashed + 1, 'hashed again, not trusted');
    await waitUntil(async () => warnings.some((w) => w.includes(layer.digest)), { what: 'a warning naming the blob', timeoutMs: 5000 });
  });
});

describe('ferry serve while the bundle is altered', () => {
  test('prints a warning line naming the blob and the bundle when it cuts a transfer', async () => {
    const dir = bundle.copy();
    const layer = layers()[0]!;
    const served = await startFerry(['serve', dir, '--listen', '127.0.0.1:0'], /(http:\/\/127\.0\.0\.1:\d+)/);
    const url = served.ready;
    try {
      assert.match(served.stderr(), /verify/, 'the verification showed its progress');
      await flipInBlob(dir, layer.digest, 5);
      const r = await getBody(`${url}/v2/test/big/blobs/${layer.digest}`);
      assert.ok(r.error && r.body.length < layer.size);
      await waitUntil(async () => served.stderr().includes(`warning: Blob ${layer.digest} in the bundle at ${dir}`), { what: 'the warning line', timeoutMs: 5000 });
    } finally {
      assert.equal(await served.stop(), 0, served.stderr());
    }
  });
});
