// bundle.json's schema on zod/mini: it accepts and refuses what the zod classic schema did, and its first issue (which
// verify, inspect and repair print as `PATH: MESSAGE`) reads the same: English, with this schema's own wordings.
// This file loads no zod classic, so the English messages come from the schema module itself.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUNDLE_MEDIA_TYPE, BundleManifestSchema, PARITY_SCHEME } from './bundle-manifest.js';

const d64 = `sha256:${'a'.repeat(64)}`;
const h64 = 'b'.repeat(64);
const uuid = '4e6b2b8e-3b7a-4c2e-9f0a-1b2c3d4e5f60';

/** A bundle.json with every optional member present (referrers, charts, files, parity, delta). */
function fullManifest(): Record<string, unknown> {
  return {
    schemaVersion: 1,
    mediaType: BUNDLE_MEDIA_TYPE,
    id: uuid,
    created: '2026-12-02T00:00:00Z',
    tool: { name: 'ferry', version: '0.1.0' },
    platforms: ['linux/amd64'],
    images: [
      {
        source: 'r/a:1', reference: 'r/a:1', registry: 'r', repository: 'a', tag: '1', originalDigest: d64, digest: d64, mediaType: 'm', asPublished: true,
        manifests: [{ digest: d64, size: 2, mediaType: 'm', platform: { os: 'linux', architecture: 'amd64' } }],
        size: 3,
        foreignLayers: [{ digest: d64, size: 5, mediaType: 'f', urls: ['https://x'], carried: false }],
        dockerLoadable: true,
        referrers: [{ kind: 'signature', subject: d64, digest: d64, mediaType: 'x', size: 3, tag: 't', source: 'tag' }],
      },
    ],
    charts: [{ name: 'c', version: '1.0.0', source: 's', digest: d64, chartDigest: d64, size: 9, provenance: true, images: ['a'] }],
    files: [{ name: 'f.txt', source: '/x', size: 1, sha256: h64 }],
    blobs: [{ digest: d64, size: 1, mediaType: 'm' }],
    archive: {
      name: 'bundle.tar', format: 'oci-layout+docker-archive', size: 10, sha256: h64, parts: [{ name: 'bundle.tar', size: 10, sha256: h64 }],
      parity: { scheme: PARITY_SCHEME, dataParts: 1, shardSize: 10, parts: [{ name: 'bundle.tar.p01', size: 10, sha256: h64 }] },
    },
    delta: { against: [{ kind: 'bundle', sha256: h64, bundleId: uuid }], omitted: [{ digest: d64, size: 1, mediaType: 'm' }] },
  };
}

/** Sets (or, given undefined, deletes) the member at a dotted path. */
function withField(path: string, value: unknown): Record<string, unknown> {
  const doc = fullManifest();
  const keys = path.split('.');
  const last = keys.pop()!;
  let at = doc as Record<string, unknown>;
  for (const key of keys) at = at[key] as Record<string, unknown>;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return doc;
}

/** The first issue as readers print it (`images.0.digest: a sha256 digest`), or ACCEPTED. */
function firstIssue(doc: unknown): string {
  const parsed = BundleManifestSchema.safeParse(doc);
  if (parsed.success) return 'ACCEPTED';
  const issue = parsed.error.issues[0]!;
  return `${issue.path.join('.') || '(root)'}: ${issue.message}`;
}

// hostile fields and the first issue zod classic reported for each (captured from the classic schema)
const REFUSED: [path: string, value: unknown, issue: string][] = [
  ['schemaVersion', 2, 'schemaVersion: Invalid input: expected 1'],
  ['mediaType', 'application/json', 'mediaType: Invalid input: expected "application/vnd.ferry.bundle.v1+json"'],
  ['id', 'not-a-uuid', 'id: Invalid UUID'],
  ['id', 5, 'id: Invalid input: expected string, received number'],
  ['created', undefined, 'created: Invalid input: expected string, received undefined'],
  ['tool.name', undefined, 'tool.name: Invalid input: expected string, received undefined'],
  ['images', undefined, 'images: Invalid input: expected array, received undefined'],
  ['images.0.digest', 'sha256:abc', 'images.0.digest: a sha256 digest'],
  ['images.0.asPublished', 'yes', 'images.0.asPublished: Invalid input: expected boolean, received string'],
  ['images.0.manifests.0.platform', null, 'images.0.manifests.0.platform: Invalid input: expected object, received null'],
  ['images.0.referrers.0.kind', 'rumour', 'images.0.referrers.0.kind: Invalid option: expected one of "signature"|"attestation"|"sbom"|"other"'],
  ['images.0.referrers.0.source', 'guess', 'images.0.referrers.0.source: Invalid option: expected one of "tag"|"referrers-api"'],
  ['archive.sha256', 'B'.repeat(64), 'archive.sha256: a sha256 hex string'],
  ['blobs.0.size', -1, 'blobs.0.size: Too small: expected number to be >=0'],
  ['blobs.0.size', 1.5, 'blobs.0.size: Invalid input: expected int, received number'],
  ['blobs.0.size', 2 ** 53, 'blobs.0.size: Too big: expected int to be <=9007199254740991'],
  ['blobs.0.size', '5', 'blobs.0.size: Invalid input: expected number, received string'],
  ['archive.parts', [], 'archive.parts: Too small: expected array to have >=1 items'],
  ['archive.parts.0.name', 'a/b', 'archive.parts.0.name: Invalid string: must match pattern /^[A-Za-z0-9._-]+$/'],
  ['archive.parity.dataParts', 0, 'archive.parity.dataParts: Too small: expected number to be >0'],
  ['archive.parity.scheme', 'xor', 'archive.parity.scheme: Invalid input: expected "reed-solomon-gf256-cauchy-v1"'],
  ['archive.format', 'tar', 'archive.format: Invalid input: expected "oci-layout+docker-archive"'],
  ['files.0.name', '..', 'files.0.name: a plain file name'],
  ['charts.0.version', 'x'.repeat(81), 'charts.0.version: a chart version'],
  ['charts.0.name', 'a/b', 'charts.0.name: a chart name'],
  ['delta.against', [], 'delta.against: Too small: expected array to have >=1 items'],
  ['delta.against.0.bundleId', 'nope', 'delta.against.0.bundleId: Invalid UUID'],
  ['delta.against.0.kind', 'guess', 'delta.against.0.kind: Invalid option: expected one of "inventory"|"bundle"'],
  ['delta.against.0.signer', 'zz', 'delta.against.0.signer: a sha256 hex string'],
  ['platforms', 'linux/amd64', 'platforms: Invalid input: expected array, received string'],
];

describe('bundle.json schema', () => {
  test('a bundle.json with every optional member is accepted as it is', () => {
    const parsed = BundleManifestSchema.parse(fullManifest());
    assert.deepEqual(parsed, fullManifest());
  });

  test('members later versions add are kept (loose objects), and absent charts, files and chart images read as empty', () => {
    const doc = withField('charts.0.images', undefined);
    delete doc.files;
    doc.later = { anything: 1 };
    (doc.images as Record<string, unknown>[])[0]!.laterToo = 'kept';
    const parsed = BundleManifestSchema.parse(doc);
    assert.deepEqual(parsed.files, []);
    assert.deepEqual(parsed.charts[0]!.images, []);
    assert.deepEqual(parsed.later, { anything: 1 });
    assert.equal(parsed.images[0]!.laterToo, 'kept');
    assert.deepEqual(BundleManifestSchema.parse(withField('charts', undefined)).charts, []);
  });

  for (const [path, value, issue] of REFUSED) {
    test(`${path} = ${value === undefined ? '(absent)' : JSON.stringify(value).slice(0, 40)}: refused with "${issue.slice(path.length + 2)}"`, () => {
      assert.equal(firstIssue(withField(path, value)), issue);
    });
  }

  test('a document that is not an object is refused at its root, in English', () => {
    for (const value of [null, 1, 'bundle', []]) assert.match(firstIssue(value), /^\(root\): Invalid input: expected object, received (null|number|string|array)$/);
  });
});
