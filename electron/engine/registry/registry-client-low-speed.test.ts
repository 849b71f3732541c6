// The low-speed guard against a real registry behind a fault proxy that drips: a dripping body is cut after the
// window and resumed with Range, the error names the registry and the blob, and a slow but healthy transfer (or a
// reader that holds the stream back) is not cut. A 1 s window keeps each case to a second or two.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { after, before, beforeEach, describe, it } from 'node:test';
import { makeOciManifest, pushBlob, pushManifest, startRegistry, type RegistryHandle } from '../../../e2e/harness/index.js';
import { rejectsWith, streamFailsWith } from '../../../e2e/harness/error-assertions.js';
import { startFaultProxy, type FaultProxy } from '../../../e2e/harness/fault-proxy.js';
import { staticCredentials } from './credentials.js';
import { RegistryClient, type BlobDescriptor, type RegistryClientOptions } from './registry-client.js';

const REPOSITORY = 'team/app';
/** 1 KiB/s over 1 s. */
const LOW_SPEED: RegistryClientOptions = { lowSpeedLimit: 1024, lowSpeedTimeMs: 1000 };
/** 160 B/s: a tenth of the limit. */
const DRIP = { bytes: 16, everyMs: 100 };

const isBlobPath = (path: string, digest: string): boolean => path.includes(`/blobs/${digest}`);
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('RegistryClient low-speed limit, against a dripping proxy in front of a real registry', () => {
  let registry: RegistryHandle;
  let proxy: FaultProxy;
  let big: BlobDescriptor & { bytes: Buffer };
  let small: BlobDescriptor & { bytes: Buffer };
  const clients: RegistryClient[] = [];
  const newClient = (options: RegistryClientOptions = {}): RegistryClient => {
    const client = new RegistryClient({ insecureRegistries: [proxy.host], env: {}, credentials: staticCredentials({}), ...LOW_SPEED, ...options });
    clients.push(client);
    return client;
  };
  const blobRequests = (digest: string) => proxy.requests.filter((r) => isBlobPath(r.path, digest));

  before(async () => {
    registry = await startRegistry({ auth: 'none', tls: false });
    proxy = await startFaultProxy(registry.url);
    const bigBytes = randomBytes(1024 * 1024);
    big = { ...(await pushBlob(registry, REPOSITORY, bigBytes)), bytes: bigBytes };
    const smallBytes = randomBytes(4096);
    small = { ...(await pushBlob(registry, REPOSITORY, smallBytes)), bytes: smallBytes };
    const config = await pushBlob(registry, REPOSITORY, Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'));
    const manifest = makeOciManifest(config, [small]);
    await pushManifest(registry, REPOSITORY, '1.0', manifest.bytes, manifest.mediaType);
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

  it('cuts a dripping blob after the window, resumes it with Range, and names registry and blob once the retries are used up', async () => {
    proxy.handler = (_req, _res, { path, forward }) => forward(isBlobPath(path, big.digest) ? { drip: DRIP } : {});
    const started = Date.now();
    const stream = await newClient({ retries: 1 }).openBlob(proxy.host, REPOSITORY, big);
    const error = await streamFailsWith(
      stream,
      'timeout',
      new RegExp(`^registry ${escape(proxy.host)} sent blob ${big.digest} of team/app at \\d+ B/s, below the minimum of 1 KiB/s over 1 s`),
    );
    const elapsed = Date.now() - started;
    assert.equal(error.subject, `${proxy.host}/${REPOSITORY}@${big.digest}`);
    const requests = blobRequests(big.digest);
    assert.equal(requests.length, 2, 'the first attempt and one retry');
    assert.equal(requests[0]!.headers.range, undefined);
    const offset = Number(/^bytes=(\d+)-$/.exec(String(requests[1]!.headers.range))?.[1]);
    assert.ok(offset > 0 && offset < 1024, `the retry resumes where the drip stopped (range ${requests[1]!.headers.range})`);
    assert.ok(elapsed >= 1900 && elapsed < 6000, `two windows of about 1 s, took ${elapsed} ms`);
  });

  it('a retry at full speed completes the blob after a dripping first attempt', async () => {
    proxy.handler = (_req, _res, { hit, path, forward }) => forward(isBlobPath(path, big.digest) && hit === 1 ? { drip: DRIP } : {});
    const stream = await newClient().openBlob(proxy.host, REPOSITORY, big);
    assert.deepEqual(await buffer(stream), big.bytes);
    const requests = blobRequests(big.digest);
    assert.equal(requests.length, 2);
    assert.match(String(requests[1]!.headers.range), /^bytes=[1-9]\d*-$/);
  });

  it('does not cut a transfer at a healthy rate (2.5 KiB/s, over more than a window)', async () => {
    proxy.handler = (_req, _res, { path, forward }) => forward(isBlobPath(path, small.digest) ? { drip: { bytes: 256, everyMs: 100 } } : {});
    const started = Date.now();
    const stream = await newClient({ retries: 0 }).openBlob(proxy.host, REPOSITORY, small);
    assert.deepEqual(await buffer(stream), small.bytes);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 1400, `the transfer outlasted the 1 s window (${elapsed} ms)`);
    assert.equal(blobRequests(small.digest).length, 1, 'never retried');
  });

  it('does not count time the reader holds the stream back against the registry', async () => {
    const stream = await newClient({ retries: 0 }).openBlob(proxy.host, REPOSITORY, big);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      if (chunks.length === 1) await new Promise((resolve) => setTimeout(resolve, 1600)); // a slow disk
    }
    assert.deepEqual(Buffer.concat(chunks), big.bytes);
    assert.equal(blobRequests(big.digest).length, 1);
  });

  it('cuts a dripping manifest and names the registry and the image', async () => {
    proxy.handler = (_req, _res, { path, forward }) => forward(path.includes('/manifests/') ? { drip: DRIP } : {});
    const client = newClient({ retries: 1 });
    const error = await rejectsWith(
      client.getManifest({ registry: proxy.host, repository: REPOSITORY, tag: '1.0' }),
      'timeout',
      new RegExp(`^registry ${escape(proxy.host)} sent the manifest of team/app:1\\.0 at \\d+ B/s, below the minimum of 1 KiB/s over 1 s`),
    );
    assert.equal(error.subject, `${proxy.host}/team/app:1.0`);
    assert.equal(proxy.requests.filter((r) => r.path.includes('/manifests/')).length, 2, 'fetched again once');
  });

  it('is off with a limit of 0', async () => {
    proxy.handler = (_req, _res, { path, forward }) =>
      forward(isBlobPath(path, small.digest) ? { drip: { bytes: 64, everyMs: 100, after: small.size - 768 } } : {});
    const stream = await newClient({ lowSpeedLimit: 0, retries: 0 }).openBlob(proxy.host, REPOSITORY, small);
    assert.deepEqual(await buffer(stream), small.bytes, '640 B/s for 1.2 s is not cut');
    assert.equal(blobRequests(small.digest).length, 1);
  });
});
