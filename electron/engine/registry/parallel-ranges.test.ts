import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { after, before, beforeEach, describe, it } from 'node:test';
import { pushBlob, startRegistry, startThrottleProxy, streamFailsWith, type RegistryHandle, type ThrottleProxy } from '../../../e2e/harness/index.js';
import { isAbortError } from '../errors/ferry-error.js';
import { staticCredentials } from './credentials.js';
import { MAX_LONE_SEGMENT, rangeSegmentSize } from './parallel-ranges.js';
import { RegistryClient, type BlobDescriptor, type RegistryClientOptions } from './registry-client.js';

const SIZE = 8 * 1024 * 1024;
const REPO = 'slow/link';

describe('RegistryClient fetches large blobs as parallel ranges through a throttled link', () => {
  let registry: RegistryHandle;
  let proxy: ThrottleProxy;
  let blob: BlobDescriptor & { bytes: Buffer };
  const clients: RegistryClient[] = [];
  const newClient = (options: RegistryClientOptions = {}): RegistryClient => {
    const client = new RegistryClient({ insecureRegistries: [proxy.host], env: {}, credentials: staticCredentials({}), rangeThreshold: 1024 * 1024, oneStreamRate: 0, rangeStreams: 4, ...options });
    clients.push(client);
    return client;
  };
  const fetchAll = (client: RegistryClient) => client.openBlob(proxy.host, REPO, blob).then((s) => buffer(s));
  const sha = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

  before(async () => {
    registry = await startRegistry({ auth: 'none', tls: false });
    const bytes = randomBytes(SIZE);
    const pushed = await pushBlob(registry, REPO, bytes);
    blob = { digest: pushed.digest, size: pushed.size, bytes };
    proxy = await startThrottleProxy(registry.url, { bytesPerSecond: 8_000_000, latencyMs: 20 });
  });
  beforeEach(() => proxy.reset());
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await proxy?.stop();
    await registry?.stop();
  });

  it('fetches the right bytes over as many concurrent ranged requests as the host has slots (6), each range asked once', async () => {
    const got = await fetchAll(newClient({ rangeStreams: undefined }));
    assert.equal(got.length, SIZE);
    assert.equal(sha(got), blob.digest);
    assert.equal(proxy.peakConcurrentRanged, 6, `ranges in flight at once: ${proxy.peakConcurrentRanged}`);
    const segment = rangeSegmentSize(SIZE, 6);
    const expected = Array.from({ length: Math.ceil(SIZE / segment) }, (_, i) => `bytes=${i * segment}-${Math.min(SIZE, (i + 1) * segment) - 1}`);
    assert.deepEqual([...proxy.ranges].sort(), [...expected].sort());
  });

  it('opens extra ranges only on idle host slots: memory stays within one segment per slot', async () => {
    const got = await fetchAll(newClient({ maxConcurrencyPerHost: 2, rangeStreams: undefined }));
    assert.equal(sha(got), blob.digest);
    assert.equal(proxy.peakConcurrentRanged, 2, `ranges in flight at once with 2 slots: ${proxy.peakConcurrentRanged}`);
    proxy.reset();
    assert.equal(sha(await fetchAll(newClient({ maxConcurrencyPerHost: 1, rangeStreams: undefined }))), blob.digest);
    assert.deepEqual(proxy.ranges, [], 'one slot per host: one plain stream, no Range asked');
  });

  it('starts a blob opened while every slot is busy as one stream of longer ranges, then spreads it over the slots that free up', async () => {
    const client = newClient({ maxConcurrencyPerHost: 4, rangeStreams: undefined });
    const bytes = randomBytes(3 * MAX_LONE_SEGMENT);
    const pushed = await pushBlob(registry, REPO, bytes);
    const second: BlobDescriptor = { digest: pushed.digest, size: pushed.size };
    // the first blob takes all four slots; the second waits for one, which the first hands on as a range arrives
    const first = await client.openBlob(proxy.host, REPO, blob);
    const [gotFirst, gotSecond] = await Promise.all([buffer(first), client.openBlob(proxy.host, REPO, second).then((s) => buffer(s))]);
    assert.equal(sha(gotFirst), blob.digest);
    assert.equal(sha(gotSecond), second.digest);
    const ranges = proxy.log.filter((r) => r.url.endsWith(second.digest));
    assert.equal(ranges[0]?.range, `bytes=0-${MAX_LONE_SEGMENT - 1}`, 'no idle slot when it opened: a longer first range on its own slot');
    // once the first blob is done, its slots carry the second blob's later ranges alongside each other
    const overlapping = ranges.filter((r) => ranges.some((o) => o !== r && o.startedMs < r.endedMs! && r.startedMs < o.endedMs!));
    assert.ok(overlapping.length >= 2, `ranges of the second blob in flight together: ${ranges.map((r) => r.range).join(', ')}`);
    assert.equal(new Set(ranges.map((r) => r.range)).size, ranges.length, 'each range asked once');
  });

  /** A clock that moves `stepMs` at every reading: the first range then takes exactly `stepMs`. */
  const steppingClock = (stepMs: number) => {
    let t = 0;
    return () => (t += stepMs);
  };

  it('measures the link with the first range: one that arrives fast enough brings the rest as one stream', async () => {
    const segment = rangeSegmentSize(SIZE, 4);
    // a microsecond per chunk: the first 2 MiB arrive far above 64 MiB/s, so one stream is enough
    const got = await fetchAll(newClient({ oneStreamRate: 64 * 1024 * 1024, now: steppingClock(0.001) }));
    assert.equal(sha(got), blob.digest);
    assert.deepEqual(proxy.ranges, [`bytes=0-${segment - 1}`, `bytes=${segment}-${SIZE - 1}`], 'the probing range, then the rest in one');
    assert.equal(proxy.peakConcurrentRanged, 1);
  });

  it('measures the link with the first range: one that arrives slowly opens the parallel ranges while it still arrives', async () => {
    const segment = rangeSegmentSize(SIZE, 4);
    // ten seconds by its first chunk: 64 MiB/s is out of reach at once, long before the first range has arrived
    const got = await fetchAll(newClient({ oneStreamRate: 64 * 1024 * 1024, now: steppingClock(10_000) }));
    assert.equal(sha(got), blob.digest);
    const expected = Array.from({ length: Math.ceil(SIZE / segment) }, (_, i) => `bytes=${i * segment}-${Math.min(SIZE, (i + 1) * segment) - 1}`);
    assert.deepEqual([...proxy.ranges].sort(), [...expected].sort());
    assert.equal(proxy.peakConcurrentRanged, 4, 'the other three ranges run alongside the measuring one');
  });

  it('uses one plain stream below the threshold or with rangeStreams 1', async () => {
    assert.equal(sha(await fetchAll(newClient({ rangeStreams: 1 }))), blob.digest);
    assert.equal(sha(await fetchAll(newClient({ rangeThreshold: SIZE + 1 }))), blob.digest);
    assert.deepEqual(proxy.ranges, [], 'no Range asked');
  });

  it('falls back to one stream when the link ignores Range', async () => {
    proxy.faults = { ignoreRange: true };
    const got = await fetchAll(newClient());
    assert.equal(sha(got), blob.digest);
    assert.equal(proxy.ranges.length, 1, 'only the probing range was asked');
    assert.equal(proxy.peakConcurrentRanged, 1);
  });

  it('falls back to one stream when the link answers a different Content-Range', async () => {
    proxy.faults = { wrongContentRange: true };
    const got = await fetchAll(newClient());
    assert.equal(sha(got), blob.digest);
    assert.equal(proxy.ranges.length, 1, 'only the probing range was asked');
  });

  it('resumes a range cut mid-way from where it stopped', async () => {
    const segment = rangeSegmentSize(SIZE, 4);
    proxy.faults = { cutRanged: { nth: 2, bytes: 100_000 } };
    const got = await fetchAll(newClient());
    assert.equal(sha(got), blob.digest);
    assert.ok(proxy.ranges.length > Math.ceil(SIZE / segment), `a resume was asked: ${proxy.ranges.join(', ')}`);
    const resumed = proxy.ranges.filter((r) => Number(/^bytes=(\d+)-/.exec(r)![1]) % segment !== 0);
    assert.equal(resumed.length, 1, `one range starts mid-segment: ${proxy.ranges.join(', ')}`);
  });

  it('stops every range when cancelled mid-blob', async () => {
    const controller = new AbortController();
    const stream = await newClient().openBlob(proxy.host, REPO, blob, { signal: controller.signal });
    stream.once('data', () => controller.abort());
    await assert.rejects(buffer(stream), (error: Error) => isAbortError(error));
    assert.ok(proxy.ranges.length <= 4, `no range started after the abort: ${proxy.ranges.length}`);
  });

  it('fails a corrupted range with digest-mismatch naming the blob', async () => {
    proxy.faults = { corruptRanged: { nth: 3, at: 12_345 } };
    const stream = await newClient().openBlob(proxy.host, REPO, blob);
    const error = await streamFailsWith(stream, 'digest-mismatch', new RegExp(blob.digest));
    assert.equal(error.subject, `${proxy.host}/${REPO}@${blob.digest}`);
  });
});
