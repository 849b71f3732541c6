// `ferry serve`: a read-only OCI registry straight from a split bundle's parts, proven by real
// clients (skopeo, ctr, undici) and by the real CLI as a child process.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Agent, request } from 'undici';
import { makeCa, makeTestBundle, skopeo, startContainerd, type ContainerdHandle, type TestBundle } from '../harness/index.js';
import { startFerry } from '../harness/ferry-cli.js';
import { serveBundle, type ServedBundle, type ServedRequest } from '../../electron/engine/index.js';

let bundle: TestBundle;
let served: ServedBundle;
let containerd: ContainerdHandle;
const log: ServedRequest[] = [];

before(async () => {
  bundle = await makeTestBundle({ split: '1MiB', bigLayers: 3, layerBytes: 700 * 1024 });
  served = await serveBundle({ dirs: [bundle.dir], listen: '127.0.0.1:0', onRequest: (r) => log.push(r) });
  containerd = await startContainerd();
});

after(async () => {
  await Promise.allSettled([served?.close(), containerd?.stop()]);
  await bundle?.cleanup();
});

const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const image = (repository: string) => bundle.manifest.images.find((i) => i.repository === repository)!;
const get = async (path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' = 'GET') => {
  const r = await request(`${served.url}${path}`, { method, headers });
  const body = Buffer.from(await r.body.arrayBuffer());
  return { status: r.statusCode, headers: r.headers, body };
};
const errorCode = (body: Buffer): string => (JSON.parse(body.toString()) as { errors: { code: string }[] }).errors[0]!.code;

describe('ferry serve over a split bundle', () => {
  test('the bundle is split, with blobs crossing parts; the server lists one repository per source path', () => {
    assert.ok(bundle.manifest.archive.parts.length >= 3, 'several parts');
    assert.deepEqual(served.repositories, ['test/big', 'test/multi', 'test/shared', 'test/single']);
    assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('GET /v2/ answers 200 with the API version header', async () => {
    const r = await get('/v2/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['docker-distribution-api-version'], 'registry/2.0');
  });

  test('skopeo inspects by tag; --raw returns the carried bytes (their sha256 is the bundle digest)', async () => {
    const ref = `docker://${served.host}/test/multi:1`;
    const info = await skopeo(['inspect', '--tls-verify=false', ref]);
    assert.equal(info.code, 0, info.stderr);
    assert.equal((JSON.parse(info.stdout) as { Digest: string }).Digest, image('test/multi').digest);
    const raw = await skopeo(['inspect', '--tls-verify=false', '--raw', ref]);
    assert.equal(raw.code, 0, raw.stderr);
    assert.equal(sha256(raw.stdout), image('test/multi').digest);
  });

  test('skopeo copy --all pulls every platform and the big split image into an OCI layout', async () => {
    for (const [repo, tag] of [['test/multi', '1'], ['test/big', '1']] as const) {
      const dest = join(bundle.work, `oci-${repo.replace('/', '-')}`);
      const r = await skopeo(['copy', '--all', '--src-tls-verify=false', `docker://${served.host}/${repo}:${tag}`, `oci:${dest}:${tag}`]);
      assert.equal(r.code, 0, r.stderr);
      const index = JSON.parse(readFileSync(join(dest, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
      assert.equal(index.manifests[0]!.digest, image(repo).digest);
    }
    // every blob skopeo wrote for the big image is byte-identical (it verifies digests too)
    const big = bundle.manifest.blobs.filter((b) => b.size > 600 * 1024);
    assert.ok(big.length >= 3);
    for (const blob of big) assert.equal(sha256(readFileSync(join(bundle.work, 'oci-test-big', 'blobs', 'sha256', blob.digest.slice(7)))), blob.digest);
  });

  test('ctr pulls every platform over plain HTTP into a throwaway containerd', async () => {
    const ref = `${served.host}/test/multi:1`;
    const pull = await containerd.ctr(['images', 'pull', '--plain-http', '--all-platforms', ref]);
    assert.equal(pull.code, 0, pull.stderr + pull.stdout);
    const ls = await containerd.ctr(['images', 'ls']);
    const line = ls.stdout.split('\n').find((l) => l.startsWith(`${ref} `));
    assert.ok(line?.includes(image('test/multi').digest), ls.stdout);
    const check = await containerd.ctr(['images', 'check']);
    assert.match(check.stdout, /complete \(3\/3\)/);
  });

  test('manifests by tag and digest: GET and HEAD with media type, digest and length', async () => {
    const multi = image('test/multi');
    const byTag = await get('/v2/test/multi/manifests/1');
    assert.equal(byTag.status, 200);
    assert.equal(byTag.headers['content-type'], multi.mediaType);
    assert.equal(byTag.headers['docker-content-digest'], multi.digest);
    assert.equal(Number(byTag.headers['content-length']), byTag.body.length);
    assert.equal(sha256(byTag.body), multi.digest);
    const child = multi.manifests[0]!;
    const head = await get(`/v2/test/multi/manifests/${child.digest}`, {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(head.headers['content-type'], child.mediaType);
    assert.equal(Number(head.headers['content-length']), child.size);
    assert.equal(head.headers['docker-content-digest'], child.digest);
  });

  test('blobs: HEAD, a Range gives 206 with Content-Range, past the end 416', async () => {
    const blob = [...bundle.manifest.blobs].sort((a, b) => b.size - a.size)[0]!;
    const head = await get(`/v2/test/big/blobs/${blob.digest}`, {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(Number(head.headers['content-length']), blob.size);
    assert.equal(head.headers['docker-content-digest'], blob.digest);
    const whole = await get(`/v2/test/big/blobs/${blob.digest}`);
    assert.equal(sha256(whole.body), blob.digest);
    const part = await get(`/v2/test/big/blobs/${blob.digest}`, { range: 'bytes=1000-200999' });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 1000-200999/${blob.size}`);
    assert.deepEqual(part.body, whole.body.subarray(1000, 201000));
    const suffix = await get(`/v2/test/big/blobs/${blob.digest}`, { range: 'bytes=-10' });
    assert.equal(suffix.status, 206);
    assert.deepEqual(suffix.body, whole.body.subarray(blob.size - 10));
    const open = await get(`/v2/test/big/blobs/${blob.digest}`, { range: `bytes=${blob.size - 5}-` });
    assert.deepEqual(open.body, whole.body.subarray(blob.size - 5));
    const beyond = await get(`/v2/test/big/blobs/${blob.digest}`, { range: `bytes=${blob.size}-` });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers['content-range'], `bytes */${blob.size}`);
  });

  test('unknown things are 404 with OCI error JSON; a blob is served only under a repository that references it', async () => {
    const bigLayer = [...bundle.manifest.blobs].sort((a, b) => b.size - a.size)[0]!;
    const wrongRepo = await get(`/v2/test/multi/blobs/${bigLayer.digest}`);
    assert.equal(wrongRepo.status, 404);
    assert.equal(errorCode(wrongRepo.body), 'BLOB_UNKNOWN');
    const noTag = await get('/v2/test/multi/manifests/nope');
    assert.equal(noTag.status, 404);
    assert.equal(errorCode(noTag.body), 'MANIFEST_UNKNOWN');
    const otherManifest = await get(`/v2/test/multi/manifests/${image('test/big').digest}`);
    assert.equal(errorCode(otherManifest.body), 'MANIFEST_UNKNOWN');
    const noRepo = await get('/v2/nothing/here/tags/list');
    assert.equal(noRepo.status, 404);
    assert.equal(errorCode(noRepo.body), 'NAME_UNKNOWN');
    const noBlob = await get(`/v2/test/big/blobs/sha256:${'0'.repeat(64)}`);
    assert.equal(errorCode(noBlob.body), 'BLOB_UNKNOWN');
  });

  test('writes are refused with 405 UNSUPPORTED', async () => {
    for (const [method, path] of [
      ['POST', '/v2/test/multi/blobs/uploads/'],
      ['PUT', '/v2/test/multi/manifests/2'],
      ['PATCH', '/v2/test/multi/blobs/uploads/x'],
      ['DELETE', `/v2/test/multi/manifests/${image('test/multi').digest}`],
    ] as const) {
      const r = await get(path, {}, method);
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(errorCode(r.body), 'UNSUPPORTED');
    }
    // nothing changed
    assert.equal((await get('/v2/test/multi/manifests/1')).status, 200);
  });

  test('tags list and catalog (with n/last pagination and Link)', async () => {
    const tags = JSON.parse((await get('/v2/test/single/tags/list')).body.toString()) as { name: string; tags: string[] };
    assert.deepEqual(tags, { name: 'test/single', tags: ['1.0'] });
    const catalog = JSON.parse((await get('/v2/_catalog')).body.toString()) as { repositories: string[] };
    assert.deepEqual(catalog.repositories, ['test/big', 'test/multi', 'test/shared', 'test/single']);
    const paged = await get('/v2/_catalog?n=2&last=test/big');
    assert.deepEqual((JSON.parse(paged.body.toString()) as { repositories: string[] }).repositories, ['test/multi', 'test/shared']);
    // more after this page: a Link to the next, as the distribution spec says (the conformance test compares it with distribution)
    assert.equal(paged.headers.link, '</v2/_catalog?last=test%2Fshared&n=2>; rel="next"');
    const last = await get('/v2/_catalog?n=2&last=test/shared');
    assert.deepEqual((JSON.parse(last.body.toString()) as { repositories: string[] }).repositories, ['test/single']);
    assert.equal(last.headers.link, undefined);
    const tooMany = await get('/v2/test/single/tags/list?n=1001');
    assert.equal(tooMany.status, 400);
    assert.equal(errorCode(tooMany.body), 'PAGINATION_NUMBER_INVALID');
  });

  test('many concurrent blob downloads are all byte-exact', async () => {
    const blobs = bundle.manifest.blobs.filter((b) => image('test/big').size && b.size > 600 * 1024);
    const jobs = Array.from({ length: 12 }, (_, i) => blobs[i % blobs.length]!);
    const bodies = await Promise.all(jobs.map((b) => get(`/v2/test/big/blobs/${b.digest}`)));
    bodies.forEach((r, i) => assert.equal(sha256(r.body), jobs[i]!.digest));
  });

  test('every request was logged with method, path and status', () => {
    assert.ok(log.some((r) => r.method === 'GET' && r.path === '/v2/' && r.status === 200));
    assert.ok(log.some((r) => r.status === 206));
    assert.ok(log.some((r) => r.status === 405));
  });
});

describe('ferry serve options', () => {
  test('TLS: HTTPS with the given certificate; clients trusting the CA get the catalog', async () => {
    const ca = await makeCa(bundle.work);
    const pair = await ca.issue('serve', ['127.0.0.1']);
    const tls = await serveBundle({ dirs: [bundle.dir], listen: '127.0.0.1:0', tls: { cert: pair.certFile, key: pair.keyFile } });
    try {
      assert.match(tls.url, /^https:\/\//);
      const dispatcher = new Agent({ connect: { ca: readFileSync(ca.caFile) } });
      const r = await request(`${tls.url}/v2/_catalog`, { dispatcher });
      assert.equal(r.statusCode, 200);
      assert.ok(((await r.body.json()) as { repositories: string[] }).repositories.includes('test/multi'));
      await dispatcher.close();
      // skopeo trusts *.crt files of --cert-dir as CAs, and verifies TLS by default
      const certDir = join(bundle.work, 'skopeo-certs');
      mkdirSync(certDir);
      copyFileSync(ca.caFile, join(certDir, 'ca.crt'));
      const insp = await skopeo(['inspect', '--raw', '--cert-dir', certDir, `docker://${tls.host}/test/single:1.0`]);
      assert.equal(insp.code, 0, insp.stderr);
      assert.equal(sha256(insp.stdout), image('test/single').digest);
    } finally {
      await tls.close();
    }
  });

  test('a bad listen address is a usage error; an aborted signal closes the server', async () => {
    await assert.rejects(serveBundle({ dirs: [bundle.dir], listen: 'nowhere' }), (e: Error & { code?: string }) => e.code === 'bad-usage');
    const controller = new AbortController();
    const s = await serveBundle({ dirs: [bundle.dir], listen: '127.0.0.1:0' }, { signal: controller.signal });
    assert.equal((await request(`${s.url}/v2/`)).statusCode, 200);
    controller.abort();
    await s.close();
    await assert.rejects(request(`${s.url}/v2/`));
  });

  test('the CLI prints the URL, logs one line per request to stderr and exits 0 on SIGTERM', async () => {
    const served = await startFerry(['serve', bundle.dir, '--listen', '127.0.0.1:0'], /(http:\/\/127\.0\.0\.1:\d+)/);
    const url = served.ready;
    const r = await request(`${url}/v2/test/multi/tags/list`);
    assert.equal(r.statusCode, 200);
    await r.body.text();
    const code = await served.stop();
    const stdout = served.stdout();
    const stderr = served.stderr();
    assert.equal(code, 0, stderr);
    assert.match(stdout, /test\/multi/);
    assert.match(stderr, /GET \/v2\/test\/multi\/tags\/list 200/);
  });
});
