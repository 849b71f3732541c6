import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { buffer } from 'node:stream/consumers';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  imageBlobs,
  pushBlob,
  seedTestImages,
  startRegistry,
  type RegistryHandle,
  type SeededImage,
  type SeededTestImages,
} from '../../../e2e/harness/index.js';
import { FerryError, isAbortError } from '../errors/ferry-error.js';
import { staticCredentials } from './credentials.js';
import { RegistryClient, type BlobDescriptor, type RegistryClientOptions } from './registry-client.js';
import { assertNoSecret, rejectsWith, streamFailsWith } from '../../../e2e/harness/error-assertions.js';
import { startFaultProxy, type FaultProxy } from '../../../e2e/harness/fault-proxy.js';

/** The biggest registry blob of an image, with its bytes. */
function biggestBlob(image: SeededImage): BlobDescriptor & { bytes: Buffer } {
  const blobs = [...imageBlobs(image).values()].filter((b) => !b.foreign).sort((a, b) => b.size - a.size);
  const blob = blobs[0]!;
  return { digest: blob.digest, size: blob.size, bytes: blob.bytes };
}

/** Pushes 1 MiB of random bytes into a repository, so there is something to cut in the middle. */
async function pushBigBlob(registry: RegistryHandle, repository: string): Promise<BlobDescriptor & { bytes: Buffer }> {
  const bytes = randomBytes(1024 * 1024);
  const pushed = await pushBlob(registry, repository, bytes);
  return { digest: pushed.digest, size: pushed.size, bytes };
}

const isBlobPath = (path: string, digest: string): boolean => path.includes(`/blobs/${digest}`);

describe('RegistryClient through a misbehaving proxy in front of a real registry', () => {
  let registry: RegistryHandle;
  let seeded: SeededTestImages;
  let proxy: FaultProxy;
  let blob: BlobDescriptor & { bytes: Buffer };
  const clients: RegistryClient[] = [];
  const newClient = (options: RegistryClientOptions = {}): RegistryClient => {
    const client = new RegistryClient({ insecureRegistries: [proxy.host], env: {}, credentials: staticCredentials({}), ...options });
    clients.push(client);
    return client;
  };
  const manifestRef = () => ({ registry: proxy.host, repository: seeded.single.repository, tag: seeded.single.tag });

  before(async () => {
    registry = await startRegistry({ auth: 'none', tls: false });
    seeded = await seedTestImages(registry);
    proxy = await startFaultProxy(registry.url);
    blob = await pushBigBlob(registry, seeded.single.repository);
  });
  beforeEach(() => {
    proxy.handler = undefined;
    proxy.reset();
  });
  after(async () => {
    for (const client of clients) await client.close();
    await proxy?.stop();
    await registry?.stop();
  });

  it('retries a 503 and succeeds', async () => {
    proxy.handler = (_req, res, { hit, path, forward }) => {
      if (path.includes('/manifests/') && hit === 1) res.writeHead(503).end();
      else return forward();
    };
    const manifest = await newClient().getManifest(manifestRef());
    assert.equal(manifest.digest, seeded.single.digest);
    assert.equal(proxy.requests.filter((r) => r.path.includes('/manifests/')).length, 2);
    assert.match(String(proxy.requests[0]!.headers['user-agent']), /^ferry\/\d+\.\d+\.\d+/);
  });

  it('waits as long as a 429 Retry-After asks', async () => {
    proxy.handler = (_req, res, { hit, path, forward }) => {
      if (path.includes('/manifests/') && hit === 1) res.writeHead(429, { 'retry-after': '1' }).end();
      else return forward();
    };
    const started = Date.now();
    await newClient().getManifest(manifestRef());
    assert.ok(Date.now() - started >= 950, `waited only ${Date.now() - started} ms`);
  });

  it('gives up after the retries with a registry-error', async () => {
    proxy.handler = (_req, res) => void res.writeHead(502).end();
    await rejectsWith(newClient({ retries: 1 }).getManifest(manifestRef()), 'registry-error', /HTTP 502/);
    assert.equal(proxy.requests.filter((r) => r.path.includes('/manifests/')).length, 2);
  });

  it('reports 403 as denied, without echoing anything that looks like a credential', async () => {
    proxy.handler = (_req, res, { path, forward }) => {
      if (!path.includes('/manifests/')) return forward();
      const body = JSON.stringify({ errors: [{ code: 'DENIED', message: 'no pull for you, Bearer s3cr3t-t0ken-echo' }] });
      res.writeHead(403, { 'content-type': 'application/json' }).end(body);
    };
    const error = await rejectsWith(newClient().getManifest(manifestRef()), 'denied', /denied access to test\/single.*DENIED: no pull for you/);
    assertNoSecret(error, 's3cr3t-t0ken-echo');
  });

  it('resumes a blob with Range after a reset mid-body', async () => {
    const cut = Math.floor(blob.size / 2);
    proxy.handler = (_req, _res, { hit, path, forward }) =>
      forward(isBlobPath(path, blob.digest) && hit === 1 ? { cutAfter: cut } : {});
    const stream = await newClient().openBlob(proxy.host, seeded.single.repository, blob);
    assert.deepEqual(await buffer(stream), blob.bytes);
    const blobRequests = proxy.requests.filter((r) => isBlobPath(r.path, blob.digest));
    assert.equal(blobRequests.length, 2);
    assert.equal(blobRequests[0]!.headers.range, undefined);
    assert.equal(blobRequests[1]!.headers.range, `bytes=${cut}-`);
  });

  it('resumes correctly when the server ignores Range and answers 200', async () => {
    const cut = Math.floor(blob.size / 3);
    proxy.handler = (_req, _res, { hit, path, forward }) =>
      forward(isBlobPath(path, blob.digest) ? (hit === 1 ? { cutAfter: cut } : { dropRange: true }) : {});
    const stream = await newClient().openBlob(proxy.host, seeded.single.repository, blob);
    assert.deepEqual(await buffer(stream), blob.bytes);
  });

  it('fails with a network error once the resumes are used up', async () => {
    proxy.handler = (_req, _res, { path, forward }) => forward(isBlobPath(path, blob.digest) ? { cutAfter: 100 } : {});
    const stream = await newClient({ retries: 2 }).openBlob(proxy.host, seeded.single.repository, blob);
    const error = await streamFailsWith(stream, 'network', new RegExp(blob.digest));
    assert.equal(error.subject, `${proxy.host}/${seeded.single.repository}@${blob.digest}`);
    assert.equal(proxy.requests.filter((r) => isBlobPath(r.path, blob.digest)).length, 3);
  });

  it('errors the stream instead of ending it when the bytes are corrupted', async () => {
    proxy.handler = (_req, _res, { path, forward }) => forward(isBlobPath(path, blob.digest) ? { corruptAt: 10 } : {});
    const stream = await newClient().openBlob(proxy.host, seeded.single.repository, blob);
    let ended = false;
    stream.on('end', () => (ended = true));
    const error = await streamFailsWith(stream, 'digest-mismatch', new RegExp(`${blob.digest}.*${proxy.host.replace(/\./g, '\\.')}`));
    assert.equal(ended, false);
    assert.match(error.subject!, new RegExp(blob.digest));
  });

  it('checks the size against the descriptor', async () => {
    const client = newClient();
    await rejectsWith(client.openBlob(proxy.host, seeded.single.repository, { ...blob, size: blob.size + 1 }), 'size-mismatch');
    // A server that sends more than the descriptor says (no Content-Length to catch it early).
    proxy.handler = (_req, res, { path, forward }) => {
      if (!isBlobPath(path, blob.digest)) return forward();
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.concat([blob.bytes, Buffer.from('extra')]));
    };
    await streamFailsWith(await client.openBlob(proxy.host, seeded.single.repository, blob), 'size-mismatch', /larger than/);
    proxy.handler = (_req, res, { path, forward }) => {
      if (!isBlobPath(path, blob.digest)) return forward();
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(blob.bytes.subarray(0, 10));
    };
    await streamFailsWith(await client.openBlob(proxy.host, seeded.single.repository, blob), 'size-mismatch', /ended after 10 of/);
  });

  it('refuses Docker schema 1 manifests', async () => {
    const schema1 = JSON.stringify({ schemaVersion: 1, name: 'test/single', tag: '1.0', architecture: 'amd64', fsLayers: [], history: [] });
    for (const contentType of ['application/vnd.docker.distribution.manifest.v1+prettyjws', 'application/json']) {
      proxy.handler = (_req, res, { path, forward }) => {
        if (!path.includes('/manifests/')) return forward();
        res.writeHead(200, { 'content-type': contentType }).end(schema1);
      };
      await rejectsWith(newClient().getManifest(manifestRef()), 'unsupported-manifest', /deprecated Docker schema 1 format; re-push it with a current client/);
    }
  });

  it('takes the media type from the JSON when Content-Type is generic', async () => {
    proxy.handler = (_req, _res, { path, forward }) =>
      forward(path.includes('/manifests/') ? { setHeaders: { 'content-type': 'application/json' } } : {});
    const manifest = await newClient().getManifest(manifestRef());
    assert.equal(manifest.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  });

  it('caps manifests at 4 MiB, with or without Content-Length', async () => {
    const huge = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20);
    for (const declared of [true, false]) {
      proxy.handler = (_req, res, { path, forward }) => {
        if (!path.includes('/manifests/')) return forward();
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', ...(declared ? { 'content-length': String(huge.length) } : {}) });
        res.end(huge);
      };
      await rejectsWith(newClient().getManifest(manifestRef()), 'manifest-too-large', /larger than 4 MiB/);
    }
  });

  it('checks manifest digests: the pinned one, and Docker-Content-Digest by tag', async () => {
    proxy.handler = (_req, _res, { path, forward }) =>
      forward(path.includes('/manifests/') ? { setHeaders: { 'docker-content-digest': seeded.multi.digest } } : {});
    await rejectsWith(newClient().getManifest(manifestRef()), 'digest-mismatch', /registry says its digest is/);

    proxy.handler = (_req, res, { path, forward }) => {
      if (!path.includes('/manifests/')) return forward();
      res.writeHead(200, { 'content-type': seeded.multi.mediaType }).end(seeded.multi.manifest.bytes);
    };
    const pinned = { registry: proxy.host, repository: seeded.single.repository, digest: seeded.single.digest };
    const error = await rejectsWith(newClient().getManifest(pinned), 'digest-mismatch', /does not match the requested digest/);
    assert.equal(error.subject, `${proxy.host}/${seeded.single.repository}@${seeded.single.digest}`);
  });

  it('times out when the registry does not answer', async () => {
    proxy.handler = () => undefined; // never answers
    const started = Date.now();
    await rejectsWith(newClient({ timeoutMs: 300, retries: 0 }).getManifest(manifestRef()), 'timeout', /did not answer/);
    assert.ok(Date.now() - started < 5_000);
  });

  it('times out a stalled blob body and resumes it', async () => {
    proxy.handler = (_req, _res, { hit, path, forward }) =>
      forward(isBlobPath(path, blob.digest) && hit === 1 ? { stallAfter: 100 } : {});
    const stream = await newClient({ timeoutMs: 300 }).openBlob(proxy.host, seeded.single.repository, blob);
    assert.deepEqual(await buffer(stream), blob.bytes);
    assert.equal(proxy.requests.at(-1)!.headers.range, 'bytes=100-');
  });

  it('one caller aborting does not abort the endpoint probe others share; it stops waiting on its own', async () => {
    const held: (() => Promise<void>)[] = [];
    proxy.handler = (_req, _res, { path, forward }) => (path === '/v2/' ? void held.push(() => forward()) : forward());
    const client = newClient();
    const c1 = new AbortController();
    const first = client.getManifest(manifestRef(), { signal: c1.signal });
    const second = client.getManifest(manifestRef());
    while (held.length === 0) await new Promise((r) => setImmediate(r));
    c1.abort();
    // the first rejects while the probe is still held: nothing was answered yet
    await assert.rejects(first, (e: unknown) => isAbortError(e));
    assert.equal(held.length, 1, 'one probe, shared');
    await held[0]!();
    const manifest = await second;
    assert.equal(manifest.digest, seeded.single.digest);
  });

  it('stops promptly when aborted: waiting for headers, and mid-body', async () => {
    proxy.handler = () => undefined;
    const client = newClient({ maxConcurrencyPerHost: 1 });
    const c1 = new AbortController();
    const pending = client.getManifest(manifestRef(), { signal: c1.signal });
    setTimeout(() => c1.abort(), 50);
    const started = Date.now();
    await assert.rejects(pending, (e: unknown) => isAbortError(e));
    assert.ok(Date.now() - started < 1_000);

    proxy.handler = (_req, _res, { path, forward }) => forward(isBlobPath(path, blob.digest) ? { stallAfter: 100 } : {});
    const c2 = new AbortController();
    const stream = await client.openBlob(proxy.host, seeded.single.repository, blob, { signal: c2.signal });
    setTimeout(() => c2.abort(), 50);
    await assert.rejects(buffer(stream), (e: unknown) => isAbortError(e));

    // The aborted stream gave its slot back.
    proxy.handler = undefined;
    const again = await client.openBlob(proxy.host, seeded.single.repository, blob);
    assert.deepEqual(await buffer(again), blob.bytes);

    const c3 = new AbortController();
    c3.abort();
    await assert.rejects(client.openBlob(proxy.host, seeded.single.repository, blob, { signal: c3.signal }), (e: unknown) => isAbortError(e));
  });

  it('holds a concurrency slot per open blob stream until it is consumed or destroyed', async () => {
    const client = newClient({ maxConcurrencyPerHost: 1 });
    const first = await client.openBlob(proxy.host, seeded.single.repository, blob);
    let secondOpened = false;
    const second = client.openBlob(proxy.host, seeded.single.repository, blob).then((s) => ((secondOpened = true), s));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(secondOpened, false);
    first.destroy();
    const stream = await second;
    assert.deepEqual(await buffer(stream), blob.bytes);
    assert.equal(proxy.requests.filter((r) => isBlobPath(r.path, blob.digest)).length, 2);
  });

  it('goes through HTTP_PROXY for non-loopback hosts', async () => {
    // A CONNECT proxy that sends every tunnel to the registry: the name below is never resolved.
    const sockets = new Set<Socket>();
    const tunnels: string[] = [];
    const forwardProxy: Server = createServer((_req, res) => res.writeHead(405).end());
    forwardProxy.on('connect', (req, client: Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      const port = Number(new URL(registry.url).port);
      const upstream = netConnect(port, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => sockets.delete(s));
      }
    });
    await new Promise<void>((resolve) => forwardProxy.listen(0, '127.0.0.1', () => resolve()));
    const proxyUrl = `http://127.0.0.1:${(forwardProxy.address() as AddressInfo).port}`;
    const name = `registry.ferry-test.invalid:${new URL(registry.url).port}`;
    try {
      const client = newClient({ insecureRegistries: [name], env: { HTTP_PROXY: proxyUrl, NO_PROXY: 'elsewhere.invalid' }, retries: 0 });
      const manifest = await client.getManifest({ registry: name, repository: seeded.single.repository, tag: seeded.single.tag });
      assert.equal(manifest.digest, seeded.single.digest);
      assert.ok(tunnels.includes(name), `tunnels: ${tunnels.join(', ')}`);
      await client.close();
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => forwardProxy.close(() => resolve()));
    }
  });
});

describe('RegistryClient redirects', () => {
  let storage: RegistryHandle;
  let registry: RegistryHandle;
  let seeded: SeededTestImages;
  let proxy: FaultProxy;
  let cdn: FaultProxy;

  before(async () => {
    storage = await startRegistry({ auth: 'none', tls: false });
    seeded = await seedTestImages(storage);
    registry = await startRegistry({ auth: 'token', tls: false, rootDir: storage.rootDir });
    proxy = await startFaultProxy(registry.url);
    cdn = await startFaultProxy();
  });
  after(async () => {
    await cdn?.stop();
    await proxy?.stop();
    await registry?.stop();
    await storage?.stop();
  });

  it('follows a redirect to another host without the Authorization header, and keeps it on the same origin', async () => {
    const blob = biggestBlob(seeded.shared);
    const cdnPort = new URL(cdn.url).port;
    cdn.handler = (_req, res) => void res.writeHead(200, { 'content-length': String(blob.size) }).end(blob.bytes);
    proxy.handler = (_req, res, { path, forward }) => {
      if (path.startsWith('/same-origin/')) return forward({}).catch(() => undefined);
      if (!isBlobPath(path, blob.digest)) return forward();
      if (!path.includes('hop')) {
        // first an in-registry hop (same origin), then off to the "CDN" on another host
        res.writeHead(307, { location: `${path}?hop=1` }).end();
        return;
      }
      res.writeHead(302, { location: `http://localhost:${cdnPort}/bucket/${blob.digest}?X-Signature=abc` }).end();
    };
    const client = new RegistryClient({
      insecureRegistries: [proxy.host],
      credentials: staticCredentials({ [proxy.host]: { username: registry.username!, password: registry.password! } }),
      env: {},
    });
    try {
      const stream = await client.openBlob(proxy.host, seeded.shared.repository, blob);
      assert.deepEqual(await buffer(stream), blob.bytes);
    } finally {
      await client.close();
    }
    const toRegistry = proxy.requests.filter((r) => isBlobPath(r.path, blob.digest));
    assert.equal(toRegistry.length, 2);
    for (const r of toRegistry) assert.match(String(r.headers.authorization), /^Bearer /, 'same-origin hops keep the token');
    assert.equal(cdn.requests.length, 1);
    assert.equal(cdn.requests[0]!.headers.authorization, undefined, 'no Authorization for another host');
    assert.equal(cdn.requests[0]!.path, `/bucket/${blob.digest}?X-Signature=abc`);
  });

  it('refreshes the token once when the registry rejects a cached one', async () => {
    const tokens = registry.tokenServer!;
    let rejected = 0;
    proxy.handler = (req, res, { path, forward }) => {
      if (path.includes('/manifests/') && req.headers.authorization && rejected === 0) {
        rejected++;
        res.writeHead(401, { 'www-authenticate': `Bearer realm="${tokens.realm}",service="${tokens.service}",error="invalid_token"` }).end();
        return;
      }
      return forward();
    };
    const client = new RegistryClient({ insecureRegistries: [proxy.host], credentials: staticCredentials({}), env: {} });
    try {
      const blob = biggestBlob(seeded.shared);
      await buffer(await client.openBlob(proxy.host, seeded.shared.repository, blob)); // caches the token
      const before = tokens.tokenRequests;
      const manifest = await client.getManifest({ registry: proxy.host, repository: seeded.shared.repository, tag: seeded.shared.tag });
      assert.equal(manifest.digest, seeded.shared.digest);
      assert.equal(rejected, 1);
      assert.equal(tokens.tokenRequests - before, 1, 'exactly one new token');
    } finally {
      await client.close();
    }
  });

  it('stops after too many redirects', async () => {
    const blob = biggestBlob(seeded.shared);
    proxy.handler = (_req, res, { path, forward }) => {
      if (!isBlobPath(path, blob.digest)) return forward();
      res.writeHead(307, { location: path }).end();
    };
    const client = new RegistryClient({ insecureRegistries: [proxy.host], credentials: staticCredentials({}), env: {} });
    try {
      const error = await rejectsWith(client.openBlob(proxy.host, seeded.shared.repository, blob), 'registry-error', /redirected more than 5 times/);
      assert.ok(error instanceof FerryError);
    } finally {
      await client.close();
    }
  });
});
