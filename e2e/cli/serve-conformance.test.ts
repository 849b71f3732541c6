// `ferry serve` against a real registry (distribution 2.8, `docker-registry`) holding the same content: the table in
// serve-conformance-table.ts, run against both, must answer alike (status, the headers clients use, body digests)
// save the differences it lists and explains. One registry, one bundle made from it by the engine, one `ferry serve`.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { cosignSign, makeCosignKey, makeTempDir, pushManifest, pushOciReferrer, removeDir, seedTestImages, startRegistry, type RegistryHandle, type SeededTestImages } from '../harness/index.js';
import { startFerry, type RunningFerry } from '../harness/ferry-cli.js';
import { createBundle } from '../../electron/engine/index.js';
import { COMPARED_HEADERS, conformanceTable, type ConformanceContent, type ConformanceRow, type SideAnswer } from './serve-conformance-table.js';

interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  body: Buffer;
}

let work: string;
let registry: RegistryHandle;
let images: SeededTestImages;
let serve: RunningFerry;
let served: string;
let content: ConformanceContent;
let rows: ConformanceRow[];
const answers = new Map<ConformanceRow, { registry: Answer; ferry: Answer }>();

const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const EXTRA_SINGLE_TAGS = ['1.1', '2', 'latest'];

async function ask(base: string, row: Pick<ConformanceRow, 'method' | 'path' | 'headers'>): Promise<Answer> {
  const r = await request(`${base}${row.path}`, { method: row.method, headers: row.headers ?? {} });
  const body = Buffer.from(await r.body.arrayBuffer());
  const headers: Record<string, string | undefined> = {};
  for (const name of COMPARED_HEADERS) {
    const v = r.headers[name];
    headers[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return { status: r.statusCode, headers, body };
}

const errorCode = (body: Buffer): string | undefined => {
  try {
    return (JSON.parse(body.toString('utf8')) as { errors?: { code?: string }[] }).errors?.[0]?.code;
  } catch {
    return undefined;
  }
};

/** Lists inside a JSON body sorted, so tag order does not count (difference 2). */
const sortedJson = (body: Buffer): unknown => {
  const value = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, Array.isArray(v) ? [...(v as string[])].sort() : v]));
};

function checkSide(side: 'registry' | 'ferry', row: ConformanceRow, answer: Answer, expected: SideAnswer): void {
  const where = `${row.name}: ${side} ${row.method} ${row.path}`;
  assert.equal(answer.status, expected.status, `${where}: status`);
  for (const [name, value] of Object.entries(expected.headers ?? {})) assert.equal(answer.headers[name], value, `${where}: ${name}`);
  if (expected.errorCode) assert.equal(errorCode(answer.body), expected.errorCode, `${where}: error code`);
  if (expected.bodyDigest) assert.equal(sha256(answer.body), expected.bodyDigest, `${where}: body`);
}

function checkAlike(row: ConformanceRow, a: { registry: Answer; ferry: Answer }): void {
  const where = `${row.name}: ${row.method} ${row.path} ${JSON.stringify(row.headers ?? {})}`;
  assert.equal(a.ferry.status, a.registry.status, `${where}: status (registry said ${a.registry.body.toString('utf8').slice(0, 200)}; ferry said ${a.ferry.body.toString('utf8').slice(0, 200)})`);
  for (const name of COMPARED_HEADERS) {
    // error bodies differ in their messages, so in length
    if (name === 'content-length' && (row.body === 'error-code' || a.registry.status >= 400)) continue;
    const added = row.ferryAdds?.[name];
    if (added !== undefined) {
      assert.equal(a.registry.headers[name], undefined, `${where}: registry ${name} (listed as added by Ferry)`);
      assert.equal(a.ferry.headers[name], added, `${where}: ferry ${name}`);
      continue;
    }
    assert.equal(a.ferry.headers[name], a.registry.headers[name], `${where}: ${name}`);
  }
  if (row.body === 'bytes') assert.equal(sha256(a.ferry.body), sha256(a.registry.body), `${where}: body (registry ${a.registry.body.toString('utf8').slice(0, 300)} / ferry ${a.ferry.body.toString('utf8').slice(0, 300)})`);
  if (row.body === 'sorted-json') assert.deepEqual(sortedJson(a.ferry.body), sortedJson(a.registry.body), `${where}: body`);
  if (row.body === 'error-code') {
    assert.ok(errorCode(a.registry.body), `${where}: registry answered an OCI error`);
    assert.equal(errorCode(a.ferry.body), errorCode(a.registry.body), `${where}: error code`);
  }
}

before(async () => {
  work = await makeTempDir('ferry-e2e-serve-conformance');
  registry = await startRegistry();
  images = await seedTestImages(registry);
  const { multi, shared, single, windows } = images;
  for (const tag of EXTRA_SINGLE_TAGS) await pushManifest(registry, single.repository, tag, single.manifest.bytes, single.mediaType);
  const referrer = await pushOciReferrer(registry, shared.repository, { digest: shared.digest, size: shared.manifest.size, mediaType: shared.mediaType }, 'application/spdx+json', Buffer.from('{"spdxVersion":"SPDX-2.3"}'));
  const signature = await cosignSign(registry, multi.repository, multi.digest, `${registry.host}/${multi.repository}`, makeCosignKey('ecdsa-p256', work, 'cosign'));
  const dir = join(work, 'bundle');
  const refs = ['test/multi:1', 'test/shared:1', 'test/windows:ltsc', ...['1.0', ...EXTRA_SINGLE_TAGS].map((t) => `test/single:${t}`)];
  await createBundle({ images: refs.map((r) => `${registry.host}/${r}`), outputDir: dir, cache: false, referrers: true, registry: { insecureRegistries: [registry.host] } });
  serve = await startFerry(['serve', dir, '--listen', '127.0.0.1:0'], /(http:\/\/127\.0\.0\.1:\d+)/);
  served = serve.ready;
  const linuxAmd64 = windows.platforms.find((p) => p.platform.os === 'linux' && p.platform.architecture === 'amd64')!;
  const sharedLayer = shared.platforms[0]!.layers[shared.platforms[0]!.layers.length - 1]!;
  content = {
    multi: { digest: multi.digest, platformDigests: multi.platforms.map((p) => p.manifest.digest) },
    shared: { digest: shared.digest, configDigest: shared.platforms[0]!.config.digest, layerDigests: shared.platforms[0]!.layers.map((l) => l.digest) },
    single: { digest: single.digest, configDigest: single.platforms[0]!.config.digest },
    windows: { digest: windows.digest, linuxAmd64Digest: linuxAmd64.manifest.digest, foreignLayerDigest: [...windows.foreignBlobDigests][0]! },
    referrerDigest: referrer.digest,
    multiSignatureTag: signature.tag!,
    sharedLayerSize: sharedLayer.size,
  };
  rows = conformanceTable(content);
  // one request at a time to each side, in table order (the writes come last)
  const tryAsk = (base: string, row: ConformanceRow): Promise<Answer> =>
    ask(base, row).catch((error: Error) => ({ status: -1, headers: {}, body: Buffer.from(`request failed: ${error.message}`) }));
  for (const row of rows) answers.set(row, { registry: await tryAsk(registry.url, row), ferry: await tryAsk(served, row) });
});

after(async () => {
  await Promise.allSettled([serve?.stop(), registry?.stop()]);
  if (work) await removeDir(work);
});

describe('ferry serve answers as distribution does with the same content', () => {
  test('every row of the table without a listed difference: same status, client headers and body', () => {
    const failures: string[] = [];
    for (const row of rows.filter((r) => !r.differs)) {
      try {
        checkAlike(row, answers.get(row)!);
      } catch (error) {
        failures.push((error as Error).message.split('\n')[0]!);
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(rows.filter((r) => !r.differs).length >= 50, 'the table covers the API');
  });

  test('every listed difference: each side answers as the table says', () => {
    const failures: string[] = [];
    for (const row of rows.filter((r) => r.differs)) {
      const a = answers.get(row)!;
      for (const side of ['registry', 'ferry'] as const) {
        try {
          checkSide(side, row, a[side], row.differs![side]);
        } catch (error) {
          failures.push((error as Error).message.split('\n')[0]!);
        }
      }
    }
    assert.deepEqual(failures, []);
  });

  test('a client following Link pages reads the whole catalog and every tag, one at a time', async () => {
    const follow = async (base: string, path: string): Promise<string[]> => {
      const seen: string[] = [];
      let next: string | undefined = path;
      for (let pages = 0; next && pages < 20; pages++) {
        const a = await ask(base, { method: 'GET', path: next });
        assert.equal(a.status, 200, `${base}${next}`);
        const doc = JSON.parse(a.body.toString('utf8')) as { repositories?: string[]; tags?: string[] };
        seen.push(...(doc.repositories ?? doc.tags ?? []));
        next = /^<([^>]+)>; rel="next"$/.exec(a.headers.link ?? '')?.[1];
      }
      return seen;
    };
    const catalog = await follow(registry.url, '/v2/_catalog?n=1');
    assert.deepEqual(catalog, ['test/multi', 'test/shared', 'test/single', 'test/windows']);
    assert.deepEqual(await follow(served, '/v2/_catalog?n=1'), catalog);
    // distribution 2.8 does not page tags (difference 1): its whole list is what Ferry's pages add up to
    const tags = (JSON.parse((await ask(registry.url, { method: 'GET', path: '/v2/test/single/tags/list' })).body.toString('utf8')) as { tags: string[] }).tags.sort();
    assert.deepEqual(await follow(served, '/v2/test/single/tags/list?n=1'), tags);
    assert.deepEqual(tags, ['1.0', ...EXTRA_SINGLE_TAGS].sort());
  });
});
