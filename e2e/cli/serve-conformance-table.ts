// The conformance table of `ferry serve` against distribution (registry 2.8, `docker-registry`) holding the same
// content: every row is one request (method, path, headers) sent to both; status, the headers clients use and the body
// (its digest, or the error codes) must be the same, unless the row lists an intended difference, which pins what each
// side answers and says why. The intended differences, all of them:
//  1. tags/list?n= pages with a `Link` header and refuses n above 1000 (the distribution spec; distribution 3 does so;
//     2.8 ignores n for tags and lists every tag).
//  2. tags/list is sorted (the spec says lexical order; 2.8 lists tags in its storage's order): compared sorted.
//  3. A manifest asked by tag with no `Accept` header is answered as stored (HTTP: no Accept accepts anything);
//     distribution answers 404 for OCI types and rewrites Docker v2 manifests as signed schema 1 for such old clients.
//  4. No schema 1 rewrites: a Docker v2 manifest (or list) asked by tag by a client accepting neither it nor a list is
//     404 MANIFEST_UNKNOWN, where distribution makes a schema 1 manifest Ferry cannot carry or sign.
//  5. A malformed digest in a manifest path is 400 DIGEST_INVALID (as the blob route answers on both), not 500 UNKNOWN.
//  6. Manifests asked by digest carry `Cache-Control: max-age=31536000` as blobs do on both (content-addressed answers
//     never change); distribution sends none for manifests.
//  7. The referrers API answers (an OCI index of the carried referrers); 2.8 has none (404 text/plain).
//  8. Writes are 405 UNSUPPORTED: the served registry is read-only.
//  9. A range starting past a blob's end is 416 with `Content-Range: bytes */SIZE`; distribution cuts the connection.
// Error bodies are compared by their codes (messages differ, so do their lengths).
import { createHash } from 'node:crypto';

/** What the table asks about: the content both registries hold (digests as pushed and as bundled). */
export interface ConformanceContent {
  /** `test/multi:1` (OCI index), `test/shared:1` (OCI manifest), `test/single:1.0` (Docker v2), `test/windows:ltsc` (Docker list). */
  multi: { digest: string; platformDigests: string[] };
  shared: { digest: string; configDigest: string; layerDigests: string[] };
  single: { digest: string; configDigest: string };
  windows: { digest: string; linuxAmd64Digest: string; foreignLayerDigest: string };
  /** The OCI referrer of test/shared (pushed by digest, listed in the tag schema index `sha256-<hex>`). */
  referrerDigest: string;
  /** The cosign signature tag of test/multi (`sha256-<hex>.sig`). */
  multiSignatureTag: string;
  /** The size of the biggest layer of test/shared (for ranges). */
  sharedLayerSize: number;
}

/** How two bodies are compared. */
export type BodyCheck = 'bytes' | 'sorted-json' | 'error-code' | 'none';

/** What one side answers, when the sides differ on purpose. */
export interface SideAnswer {
  status: number;
  /** Headers that must have these values (undefined: absent). */
  headers?: Record<string, string | undefined>;
  /** The first error code of an OCI error body. */
  errorCode?: string;
  /** The body's sha256, when known. */
  bodyDigest?: string;
}

/** One request of the table. */
export interface ConformanceRow {
  name: string;
  method: 'GET' | 'HEAD' | 'POST' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body: BodyCheck;
  /** Headers Ferry adds on purpose (value required on Ferry, absent on distribution), with the difference's number. */
  ferryAdds?: Record<string, string>;
  /** An intended difference: each side's answer (status -1: the connection was cut), and why (its number in the list at the top of this file). */
  differs?: { why: string; registry: SideAnswer; ferry: SideAnswer };
}

/** The headers clients use, compared on every row (lower case). */
export const COMPARED_HEADERS = [
  'docker-distribution-api-version',
  'content-type',
  'content-length',
  'docker-content-digest',
  'etag',
  'link',
  'cache-control',
  'accept-ranges',
  'content-range',
] as const;

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
/** What skopeo, containerd and docker send: every manifest type. */
const ALL_TYPES = { accept: [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(', ') };
const IMMUTABLE = { 'cache-control': 'max-age=31536000' };
const sha256 = (s: string): string => `sha256:${createHash('sha256').update(s).digest('hex')}`;

/** Every request of the conformance test, built from the content both sides hold. */
export function conformanceTable(c: ConformanceContent): ConformanceRow[] {
  const zero = `sha256:${'0'.repeat(64)}`;
  const sharedLayer = c.shared.layerDigests[c.shared.layerDigests.length - 1]!;
  const tagSchemaTag = c.shared.digest.replace(':', '-');
  return [
    // the base, the catalog and its pages
    { name: 'API version check', method: 'GET', path: '/v2/', body: 'bytes' },
    { name: 'API version check (HEAD)', method: 'HEAD', path: '/v2/', body: 'none' },
    { name: 'catalog', method: 'GET', path: '/v2/_catalog', body: 'bytes' },
    { name: 'catalog page 1 of 2 has a Link to the next', method: 'GET', path: '/v2/_catalog?n=2', body: 'bytes' },
    { name: 'catalog page 2 of 2 has no Link', method: 'GET', path: '/v2/_catalog?n=2&last=test%2Fshared', body: 'bytes' },
    { name: 'catalog page exactly as long as the list: no Link', method: 'GET', path: '/v2/_catalog?n=4', body: 'bytes' },
    { name: 'catalog n=0 is empty', method: 'GET', path: '/v2/_catalog?n=0', body: 'bytes' },
    { name: 'catalog n not a number: the default page', method: 'GET', path: '/v2/_catalog?n=abc', body: 'bytes' },
    { name: 'catalog n above the limit', method: 'GET', path: '/v2/_catalog?n=5000', body: 'error-code' },
    // tag lists
    { name: 'tags of a Docker image with four tags (2.)', method: 'GET', path: '/v2/test/single/tags/list', body: 'sorted-json' },
    { name: 'tags include the referrers tag schema tag (2.)', method: 'GET', path: '/v2/test/shared/tags/list', body: 'sorted-json' },
    { name: 'tags include the cosign signature tag (2.)', method: 'GET', path: '/v2/test/multi/tags/list', body: 'sorted-json' },
    { name: 'tags of an unknown repository', method: 'GET', path: '/v2/nothing/here/tags/list', body: 'error-code' },
    {
      name: 'tags page 1 with a Link (1.)',
      method: 'GET',
      path: '/v2/test/single/tags/list?n=2',
      body: 'none',
      differs: {
        why: '1. tags/list pages as the spec says; 2.8 ignores n',
        registry: { status: 200, headers: { link: undefined } },
        ferry: { status: 200, headers: { link: '</v2/test/single/tags/list?last=1.1&n=2>; rel="next"' }, bodyDigest: sha256('{"name":"test/single","tags":["1.0","1.1"]}\n') },
      },
    },
    {
      name: 'tags last page (1.)',
      method: 'GET',
      path: '/v2/test/single/tags/list?n=2&last=1.1',
      body: 'none',
      differs: {
        why: '1. tags/list pages as the spec says; 2.8 ignores n and last',
        registry: { status: 200, headers: { link: undefined } },
        ferry: { status: 200, headers: { link: undefined }, bodyDigest: sha256('{"name":"test/single","tags":["2","latest"]}\n') },
      },
    },
    {
      name: 'tags n above the limit (1.)',
      method: 'GET',
      path: '/v2/test/single/tags/list?n=5000',
      body: 'none',
      differs: { why: '1. n above 1000 is refused as for the catalog; 2.8 ignores n for tags', registry: { status: 200 }, ferry: { status: 400, errorCode: 'PAGINATION_NUMBER_INVALID' } },
    },
    // manifests by tag and by digest, as skopeo, containerd and docker ask (every type accepted)
    { name: 'OCI index by tag', method: 'GET', path: '/v2/test/multi/manifests/1', headers: ALL_TYPES, body: 'bytes' },
    { name: 'OCI index by tag (HEAD)', method: 'HEAD', path: '/v2/test/multi/manifests/1', headers: ALL_TYPES, body: 'none' },
    { name: 'OCI index by digest (6.)', method: 'GET', path: `/v2/test/multi/manifests/${c.multi.digest}`, headers: ALL_TYPES, body: 'bytes', ferryAdds: IMMUTABLE },
    ...c.multi.platformDigests.map(
      (d, i): ConformanceRow => ({ name: `OCI platform manifest ${i + 1} by digest (6.)`, method: 'GET', path: `/v2/test/multi/manifests/${d}`, headers: ALL_TYPES, body: 'bytes', ferryAdds: IMMUTABLE }),
    ),
    { name: 'OCI manifest by tag', method: 'GET', path: '/v2/test/shared/manifests/1', headers: ALL_TYPES, body: 'bytes' },
    { name: 'Docker v2 manifest by tag', method: 'GET', path: '/v2/test/single/manifests/1.0', headers: ALL_TYPES, body: 'bytes' },
    { name: 'Docker v2 manifest by another tag', method: 'GET', path: '/v2/test/single/manifests/latest', headers: ALL_TYPES, body: 'bytes' },
    { name: 'Docker manifest list by tag', method: 'GET', path: '/v2/test/windows/manifests/ltsc', headers: ALL_TYPES, body: 'bytes' },
    { name: 'Docker manifest list by digest (HEAD) (6.)', method: 'HEAD', path: `/v2/test/windows/manifests/${c.windows.digest}`, headers: ALL_TYPES, body: 'none', ferryAdds: IMMUTABLE },
    // Accept
    { name: 'Accept with parameters (q=) naming the type', method: 'GET', path: '/v2/test/multi/manifests/1', headers: { accept: `${OCI_INDEX};q=0.5, ${OCI_MANIFEST}` }, body: 'bytes' },
    { name: 'OCI manifest to a Docker-only client', method: 'GET', path: '/v2/test/shared/manifests/1', headers: { accept: DOCKER_MANIFEST }, body: 'error-code' },
    { name: 'OCI index to a Docker-only client', method: 'GET', path: '/v2/test/multi/manifests/1', headers: { accept: `${DOCKER_LIST}, ${DOCKER_MANIFEST}` }, body: 'error-code' },
    { name: 'OCI index by digest to a Docker-only client', method: 'GET', path: `/v2/test/multi/manifests/${c.multi.digest}`, headers: { accept: DOCKER_MANIFEST }, body: 'error-code' },
    { name: 'OCI index to a client accepting OCI manifests only', method: 'GET', path: '/v2/test/multi/manifests/1', headers: { accept: OCI_MANIFEST }, body: 'error-code' },
    { name: 'Docker list by tag to a Docker-v2-only client: its linux/amd64 manifest', method: 'GET', path: '/v2/test/windows/manifests/ltsc', headers: { accept: DOCKER_MANIFEST }, body: 'bytes' },
    { name: 'Docker list by digest to a Docker-v2-only client: as stored (6.)', method: 'GET', path: `/v2/test/windows/manifests/${c.windows.digest}`, headers: { accept: DOCKER_MANIFEST }, body: 'bytes', ferryAdds: IMMUTABLE },
    { name: 'Docker v2 manifest by digest to an OCI-only client: as stored (6.)', method: 'GET', path: `/v2/test/single/manifests/${c.single.digest}`, headers: { accept: OCI_MANIFEST }, body: 'bytes', ferryAdds: IMMUTABLE },
    {
      name: 'Docker v2 manifest by tag to an OCI-only client (4.)',
      method: 'GET',
      path: '/v2/test/single/manifests/1.0',
      headers: { accept: OCI_MANIFEST },
      body: 'none',
      differs: {
        why: '4. distribution rewrites it as signed schema 1; Ferry makes no schema 1 manifests',
        registry: { status: 200, headers: { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' } },
        ferry: { status: 404, errorCode: 'MANIFEST_UNKNOWN' },
      },
    },
    {
      name: 'Docker list by tag to a client accepting OCI indexes only (4.)',
      method: 'GET',
      path: '/v2/test/windows/manifests/ltsc',
      headers: { accept: OCI_INDEX },
      body: 'none',
      differs: {
        why: '4. distribution rewrites its linux/amd64 manifest as signed schema 1; Ferry makes no schema 1 manifests',
        registry: { status: 200, headers: { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' } },
        ferry: { status: 404, errorCode: 'MANIFEST_UNKNOWN' },
      },
    },
    {
      name: 'OCI manifest by tag with no Accept header (3.)',
      method: 'GET',
      path: '/v2/test/shared/manifests/1',
      body: 'none',
      differs: {
        why: '3. no Accept accepts anything (HTTP); distribution answers 404 for OCI types',
        registry: { status: 404, errorCode: 'MANIFEST_UNKNOWN' },
        ferry: { status: 200, headers: { 'content-type': OCI_MANIFEST, 'docker-content-digest': c.shared.digest }, bodyDigest: c.shared.digest },
      },
    },
    {
      name: 'Docker v2 manifest by tag with no Accept header (3.)',
      method: 'GET',
      path: '/v2/test/single/manifests/1.0',
      body: 'none',
      differs: {
        why: '3. no Accept accepts anything (HTTP); distribution rewrites it as signed schema 1 for old clients',
        registry: { status: 200, headers: { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' } },
        ferry: { status: 200, headers: { 'content-type': DOCKER_MANIFEST, 'docker-content-digest': c.single.digest }, bodyDigest: c.single.digest },
      },
    },
    // conditional requests
    { name: 'manifest by tag with its ETag: 304', method: 'GET', path: '/v2/test/shared/manifests/1', headers: { ...ALL_TYPES, 'if-none-match': `"${c.shared.digest}"` }, body: 'none' },
    { name: 'manifest with another ETag: 200', method: 'GET', path: '/v2/test/shared/manifests/1', headers: { ...ALL_TYPES, 'if-none-match': `"${zero}"` }, body: 'bytes' },
    { name: 'blob with its ETag: 304', method: 'GET', path: `/v2/test/shared/blobs/${c.shared.configDigest}`, headers: { 'if-none-match': `"${c.shared.configDigest}"` }, body: 'none' },
    // blobs
    { name: 'config blob', method: 'GET', path: `/v2/test/shared/blobs/${c.shared.configDigest}`, body: 'bytes' },
    { name: 'layer blob (HEAD)', method: 'HEAD', path: `/v2/test/shared/blobs/${sharedLayer}`, body: 'none' },
    { name: 'layer blob, a range', method: 'GET', path: `/v2/test/shared/blobs/${sharedLayer}`, headers: { range: 'bytes=10-99' }, body: 'bytes' },
    { name: 'layer blob, a suffix range', method: 'GET', path: `/v2/test/shared/blobs/${sharedLayer}`, headers: { range: 'bytes=-20' }, body: 'bytes' },
    {
      name: 'layer blob, a range past the end (9.)',
      method: 'GET',
      path: `/v2/test/shared/blobs/${sharedLayer}`,
      headers: { range: `bytes=${c.sharedLayerSize}-` },
      body: 'none',
      differs: {
        why: '9. distribution cuts the connection (its 416 body contradicts the Content-Length it set first)',
        registry: { status: -1 },
        ferry: { status: 416, headers: { 'content-range': `bytes */${c.sharedLayerSize}`, 'content-length': '0' } },
      },
    },
    { name: 'Docker config blob', method: 'GET', path: `/v2/test/single/blobs/${c.single.configDigest}`, body: 'bytes' },
    { name: 'blob of another repository', method: 'GET', path: `/v2/test/single/blobs/${c.shared.configDigest}`, body: 'error-code' },
    { name: 'blob of an unknown repository', method: 'GET', path: `/v2/nothing/here/blobs/${c.shared.configDigest}`, body: 'error-code' },
    { name: 'unknown blob', method: 'GET', path: `/v2/test/shared/blobs/${zero}`, body: 'error-code' },
    { name: 'unknown blob (HEAD)', method: 'HEAD', path: `/v2/test/shared/blobs/${zero}`, body: 'none' },
    { name: 'malformed blob digest', method: 'GET', path: '/v2/test/shared/blobs/sha256:abc', body: 'error-code' },
    { name: 'a manifest digest asked as a blob', method: 'GET', path: `/v2/test/shared/blobs/${c.shared.digest}`, body: 'error-code' },
    { name: 'a foreign layer (held by neither)', method: 'GET', path: `/v2/test/windows/blobs/${c.windows.foreignLayerDigest}`, body: 'error-code' },
    // unknown manifests
    { name: 'manifest of an unknown repository', method: 'GET', path: '/v2/nothing/here/manifests/1', headers: ALL_TYPES, body: 'error-code' },
    { name: 'unknown tag', method: 'GET', path: '/v2/test/shared/manifests/nope', headers: ALL_TYPES, body: 'error-code' },
    { name: 'unknown tag (HEAD)', method: 'HEAD', path: '/v2/test/shared/manifests/nope', headers: ALL_TYPES, body: 'none' },
    { name: 'manifest of another repository by digest', method: 'GET', path: `/v2/test/single/manifests/${c.shared.digest}`, headers: ALL_TYPES, body: 'error-code' },
    {
      name: 'malformed manifest digest (5.)',
      method: 'GET',
      path: '/v2/test/shared/manifests/sha256:abc',
      headers: ALL_TYPES,
      body: 'none',
      differs: { why: '5. a malformed digest is the client\'s error, as on the blob route', registry: { status: 500, errorCode: 'UNKNOWN' }, ferry: { status: 400, errorCode: 'DIGEST_INVALID' } },
    },
    // referrers: the tag schema index import would push, the cosign tag, the referrer itself
    { name: 'referrers tag schema index sha256-<hex>', method: 'GET', path: `/v2/test/shared/manifests/${tagSchemaTag}`, headers: ALL_TYPES, body: 'bytes' },
    { name: 'cosign signature tag', method: 'GET', path: `/v2/test/multi/manifests/${c.multiSignatureTag}`, headers: ALL_TYPES, body: 'bytes' },
    { name: 'OCI referrer by digest (6.)', method: 'GET', path: `/v2/test/shared/manifests/${c.referrerDigest}`, headers: ALL_TYPES, body: 'bytes', ferryAdds: IMMUTABLE },
    {
      name: 'referrers API (7.)',
      method: 'GET',
      path: `/v2/test/shared/referrers/${c.shared.digest}`,
      body: 'none',
      differs: { why: '7. Ferry answers the referrers API; 2.8 has none', registry: { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } }, ferry: { status: 200, headers: { 'content-type': OCI_INDEX } } },
    },
    // writes
    {
      name: 'starting an upload (8.)',
      method: 'POST',
      path: '/v2/test/shared/blobs/uploads/',
      body: 'none',
      differs: { why: '8. the served registry is read-only', registry: { status: 202 }, ferry: { status: 405, errorCode: 'UNSUPPORTED' } },
    },
    {
      name: 'deleting a tag (8.)',
      method: 'DELETE',
      path: '/v2/test/shared/manifests/nope',
      body: 'none',
      differs: { why: '8. the served registry is read-only (distribution deletes by digest only)', registry: { status: 400, errorCode: 'DIGEST_INVALID' }, ferry: { status: 405, errorCode: 'UNSUPPORTED' } },
    },
  ];
}
