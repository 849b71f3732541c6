// importBundle against a real docker-registry behind the harness's fault proxy: a chunked upload whose PATCH is cut
// resumes from the offset the registry reports (not from scratch), and a rerun leaves tags already right alone.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { makeTestBundle, pushManifest, skopeo, startFaultProxy, startRegistry, type FaultProxy, type RegistryHandle, type TestBundle } from '../../../e2e/harness/index.js';
import { importBundle } from './import-bundle.js';

const CHUNK = 512 * 1024;
const BIG = 3 * 1024 * 1024;

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Body bytes the proxy received for one upload session (its path, without the query). */
interface UploadTraffic {
  bytes: number;
  /** Highest `Content-Range` end + 1 seen: the blob's size for a chunked upload. */
  size: number;
  digest?: string;
}

describe('importBundle: chunk resume and tag skip against docker-registry behind a fault proxy', () => {
  let bundle: TestBundle;
  let target: RegistryHandle;
  let proxy: FaultProxy;
  const uploads = new Map<string, UploadTraffic>();
  let cutPath: string | undefined;
  let manifestPuts = 0;

  before(async () => {
    bundle = await makeTestBundle({ split: '1MiB', bigLayers: 1, layerBytes: BIG });
    target = await startRegistry();
    proxy = await startFaultProxy(target.url);
    proxy.handler = async (req, res, ctx) => {
      // the registry builds its upload Locations from this: keep every request of an upload on the proxy
      req.headers['x-forwarded-host'] = proxy.host;
      const path = ctx.path.split('?')[0]!;
      if (req.method === 'PUT' && path.includes('/manifests/')) manifestPuts++;
      if ((req.method === 'PATCH' || req.method === 'PUT') && path.includes('/blobs/uploads/')) {
        const t = uploads.get(path) ?? { bytes: 0, size: 0 };
        t.bytes += Number(req.headers['content-length'] ?? 0);
        const range = /^(\d+)-(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
        if (range) t.size = Math.max(t.size, Number(range[2]) + 1);
        const digest = new URL(ctx.path, 'http://x').searchParams.get('digest');
        if (digest) t.digest = digest;
        uploads.set(path, t);
        // the 4th chunk of the first upload that gets that far: the proxy took the bytes, then the connection dies
        if (req.method === 'PATCH' && ctx.hit === 4 && cutPath === undefined) {
          cutPath = path;
          res.socket?.destroy();
          return;
        }
      }
      await ctx.forward();
    };
  });
  after(async () => {
    await proxy?.stop();
    await target?.stop();
    bundle?.cleanup();
  });

  test('a PATCH cut mid-blob resumes at the registry offset: bytes sent stay well under 2x the blob, its digest is right', async () => {
    const result = await importBundle({ dirs: [bundle.dir], to: proxy.host, registry: { insecureRegistries: [proxy.host] }, concurrency: 2, chunkSize: CHUNK });
    const { stats } = result.report;
    assert.ok(cutPath, `the proxy cut a PATCH: ${JSON.stringify([...uploads], null, 1)} ${JSON.stringify(proxy.requests.map((r) => `${r.method} ${r.path}`))}`);
    assert.equal(stats.uploadsResumed, 1, JSON.stringify(stats));
    const cut = uploads.get(cutPath)!;
    assert.ok(cut.size >= BIG, `the cut blob is the big layer (${cut.size} bytes)`);
    // a full restart would send 3 chunks + the cut one + the whole blob again; a resume sends the blob + the cut chunk
    assert.equal(cut.bytes, cut.size + CHUNK, `bytes through the proxy for the resumed upload: ${cut.bytes}`);
    assert.ok(cut.bytes < 2 * cut.size);
    const restarted = [...uploads.entries()].filter(([p, t]) => p !== cutPath && t.digest === cut.digest);
    assert.deepEqual(restarted, [], 'no second upload session for the cut blob');
    const allBytes = [...uploads.values()].reduce((n, t) => n + t.bytes, 0);
    assert.equal(allBytes, stats.bytesUploaded + CHUNK, 'every other blob went up once');

    // the registry holds the cut blob with the right digest, and the images copy out whole
    assert.ok(cut.digest);
    const blob = await request(`${target.url}/v2/test/big/blobs/${cut.digest}`, { dispatcher: target.dispatcher });
    assert.equal(blob.statusCode, 200);
    assert.equal(sha(Buffer.from(await blob.body.arrayBuffer())), cut.digest);
    for (const image of bundle.manifest.images) {
      const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${target.host}/${image.repository}:${image.tag}`]);
      assert.equal(raw.code, 0, raw.stderr);
      assert.equal(sha(raw.stdout), image.digest);
    }
    const copy = await skopeo(['copy', '--src-tls-verify=false', `docker://${target.host}/test/big:1`, `oci:${bundle.work}/copy-big:x`]);
    assert.equal(copy.code, 0, copy.stderr);
  });

  test('a registry that cannot say what it holds: the cut blob restarts from scratch and still lands', async () => {
    const fresh = await startRegistry();
    const front = await startFaultProxy(fresh.url);
    let cuts = 0;
    let statusAsked = 0;
    front.handler = async (req, res, ctx) => {
      req.headers['x-forwarded-host'] = front.host;
      if (req.method === 'GET' && ctx.path.includes('/blobs/uploads/')) {
        statusAsked++;
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"BLOB_UPLOAD_UNKNOWN"}]}');
        return;
      }
      if (req.method === 'PATCH' && ctx.hit === 3 && cuts === 0) {
        cuts++;
        res.socket?.destroy();
        return;
      }
      await ctx.forward();
    };
    try {
      const r = await importBundle({ dirs: [bundle.dir], to: front.host, registry: { insecureRegistries: [front.host] }, concurrency: 2, chunkSize: CHUNK });
      assert.equal(cuts, 1);
      assert.equal(statusAsked, 1, 'the client asked for the upload status once');
      assert.equal(r.report.stats.uploadsResumed, 0);
      const big = bundle.manifest.images.find((i) => i.repository === 'test/big')!;
      const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${fresh.host}/test/big:${big.tag}`]);
      assert.equal(sha(raw.stdout), big.digest);
      const copy = await skopeo(['copy', '--src-tls-verify=false', `docker://${fresh.host}/test/big:${big.tag}`, `oci:${bundle.work}/copy-big-2:x`]);
      assert.equal(copy.code, 0, copy.stderr);
    } finally {
      await front.stop();
      await fresh.stop();
    }
  });

  test('a second import puts no tag; a tag moved elsewhere is put back', async () => {
    const tagged = bundle.manifest.images.filter((i) => i.tag !== undefined);
    manifestPuts = 0;
    uploads.clear();
    proxy.reset();
    const again = await importBundle({ dirs: [bundle.dir], to: proxy.host, registry: { insecureRegistries: [proxy.host] }, concurrency: 2, chunkSize: CHUNK });
    const s = again.report.stats;
    assert.equal(s.tagsPushed, 0, JSON.stringify(s));
    assert.equal(s.tagsExisting, tagged.length);
    assert.equal(s.blobsUploaded, 0);
    assert.equal(s.blobsMounted, 0);
    // a tag at the bundle's digest proves its tree: not one blob or manifest-by-digest HEAD, only the tag HEADs
    const untaggedRepos = new Set(bundle.manifest.images.filter((i) => i.tag === undefined).map((i) => i.repository));
    const heads = proxy.requests.filter((r) => r.method === 'HEAD');
    const blobHeads = heads.filter((r) => r.path.includes('/blobs/') && ![...untaggedRepos].some((repo) => r.path.startsWith(`/v2/${repo}/`)));
    assert.deepEqual(blobHeads.map((r) => r.path), [], 'no blob HEAD in a repository whose tag is at the digest');
    const tagHeads = heads.filter((r) => r.path.includes('/manifests/') && !r.path.includes('/manifests/sha256:'));
    assert.equal(tagHeads.length, tagged.length, 'one HEAD per tag');
    assert.ok(s.blobsExisting > 0 && s.manifestsExisting >= tagged.length, `the report counts what the tags prove as existing: ${JSON.stringify(s)}`);
    assert.deepEqual(
      again.report.images.map((i) => i.blobs.uploaded + i.blobs.mounted),
      again.report.images.map(() => 0),
    );
    assert.equal(manifestPuts, 0, 'no manifest PUT at all on the rerun');
    assert.equal(uploads.size, 0);
    for (const image of tagged) {
      const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${target.host}/${image.repository}:${image.tag}`]);
      assert.equal(sha(raw.stdout), image.digest, `${image.repository}:${image.tag} still answers the bundle's digest`);
    }

    // move test/multi:1 to one of its platform manifests: the next import puts that tag (only that one) back
    const multi = tagged.find((i) => i.repository === 'test/multi')!;
    const index = JSON.parse((await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${target.host}/test/multi@${multi.digest}`])).stdout) as { manifests: { digest: string; mediaType: string }[] };
    const child = index.manifests[0]!;
    const childBytes = Buffer.from((await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${target.host}/test/multi@${child.digest}`])).stdout);
    await pushManifest({ url: target.url, dispatcher: target.dispatcher }, 'test/multi', multi.tag!, childBytes, child.mediaType);
    manifestPuts = 0;
    proxy.reset();
    const third = await importBundle({ dirs: [bundle.dir], to: proxy.host, registry: { insecureRegistries: [proxy.host] }, concurrency: 2, chunkSize: CHUNK });
    assert.equal(third.report.stats.tagsPushed, 1, JSON.stringify(third.report.stats));
    assert.equal(third.report.stats.tagsExisting, tagged.length - 1);
    assert.equal(manifestPuts, 1);
    // the tag pointing elsewhere proves nothing: every blob and manifest of test/multi is checked again
    const multiPlan = third.report.images.find((i) => i.repository === 'test/multi')!;
    const multiBlobHeads = proxy.requests.filter((r) => r.method === 'HEAD' && r.path.startsWith('/v2/test/multi/blobs/'));
    assert.equal(multiBlobHeads.length, multiPlan.blobs.existing, 'each test/multi blob HEADed once');
    assert.ok(multiBlobHeads.length > 0);
    const multiManifestHeads = proxy.requests.filter((r) => r.method === 'HEAD' && r.path.startsWith('/v2/test/multi/manifests/sha256:'));
    assert.equal(multiManifestHeads.length, multi.manifests.length + 1, 'every child and the index checked by digest');
    const otherBlobHeads = proxy.requests.filter((r) => r.method === 'HEAD' && r.path.includes('/blobs/') && !r.path.startsWith('/v2/test/multi/') && ![...untaggedRepos].some((repo) => r.path.startsWith(`/v2/${repo}/`)));
    assert.deepEqual(otherBlobHeads.map((r) => r.path), []);
    const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${target.host}/test/multi:${multi.tag}`]);
    assert.equal(sha(raw.stdout), multi.digest);
  });
});
