import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArchiveView } from './bundle-set.js';
import { FerryError } from '../errors/ferry-error.js';
import type { CheckedBlobReader } from './checked-blob-reader.js';
import { MediaType } from '../oci/media-types.js';
import { acceptedTypes, chooseManifest, defaultPlatformManifest } from './accept-manifest.js';
import { DEFAULT_CATALOG_ENTRIES, MAX_PAGE_ENTRIES, paginate } from './paginate.js';
import { parseRange } from './parse-range.js';
import type { RepositoryIndex } from './repository-index.js';

/** OCI distribution error codes this server answers with. */
export type DistributionErrorCode = 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN' | 'NAME_UNKNOWN' | 'UNSUPPORTED' | 'DIGEST_INVALID' | 'NAME_INVALID' | 'PAGINATION_NUMBER_INVALID';

/** One served request, as logged: never headers, never the query string. */
export interface ServedRequest {
  method: string;
  /** The path as requested, still percent-encoded (`%0a` stays `%0a`): printable ASCII, so a logged path cannot forge a line. */
  path: string;
  status: number;
  /** Body bytes sent. */
  bytes: number;
  remote: string;
  ms: number;
}

const API_VERSION = { 'Docker-Distribution-API-Version': 'registry/2.0' } as const;
/** What distribution answers JSON with. */
const JSON_TYPE = 'application/json; charset=utf-8';
/** Content-addressed answers (blobs, manifests by digest) never change: distribution's blob `Cache-Control`. */
const IMMUTABLE = 'max-age=31536000';
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const MANIFEST_ROUTE = /^\/v2\/(.+)\/manifests\/([^/]+)$/;
const BLOB_ROUTE = /^\/v2\/(.+)\/blobs\/([^/]+)$/;
const TAGS_ROUTE = /^\/v2\/(.+)\/tags\/list$/;
const REFERRERS_ROUTE = /^\/v2\/(.+)\/referrers\/([^/]+)$/;

/** What a registry handler serves, and whom it tells. */
export interface RegistryHandlerOptions {
  /** The verified bundle's archive, or several bundles' served as one (sizes of their blobs). */
  archive: ArchiveView;
  /** The repositories served and what each may answer. */
  index: RepositoryIndex;
  /** Reads manifests and blobs checked against their digests (the media may change after verification). */
  reader: CheckedBlobReader;
  /** Called once per finished request. */
  onRequest?: (request: ServedRequest) => void;
  /** Called when bytes read from the bundle no longer match their digest: the response was refused (500) or cut off. */
  onWarning?: (warning: { message: string; subject: string }) => void;
}

/**
 * A read-only OCI distribution API over a bundle archive: `/v2/`, manifests and blobs by
 * repository (GET/HEAD, ranges, `If-None-Match`), tag lists and the catalog (`n`/`last` with a `Link` to the next
 * page), the referrers API. Writes are answered 405. It answers as distribution (registry 2.8) does with the same
 * content — `Accept` honoured as {@link chooseManifest} says, the same error codes — save the differences listed in
 * e2e/cli/serve-conformance-table.ts. Nothing is sent that does not match its digest: see {@link CheckedBlobReader}.
 */
export function createRegistryHandler(options: RegistryHandlerOptions) {
  const { archive, index, reader, onRequest, onWarning } = options;
  /** Tells the caller about damage found while serving (never a client going away). */
  const warnDamaged = (error: unknown): boolean => {
    if (!(error instanceof FerryError) || error.code !== 'damaged') return false;
    onWarning?.({ message: error.message, subject: error.subject ?? reader.source });
    return true;
  };
  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    let path = '/';
    let loggedPath = '/';
    try {
      loggedPath = new URL(req.url ?? '/', 'http://x').pathname;
      path = decodeURIComponent(loggedPath);
    } catch {
      path = '/';
    }
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    let bytes = 0;
    const write = res.write.bind(res);
    res.on('finish', () => {
      onRequest?.({ method: req.method ?? '?', path: loggedPath, status: res.statusCode, bytes: req.method === 'HEAD' ? 0 : bytes, remote: req.socket.remoteAddress ?? '?', ms: Math.round(performance.now() - started) });
    });
    // count body bytes as they go out (streams write through res.write)
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (chunk && typeof (chunk as { length?: number }).length === 'number') bytes += (chunk as { length: number }).length;
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof res.write;
    handle(req, res, path, query, loggedPath).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'UNSUPPORTED', `internal error: ${(error as Error).message}`);
      else res.destroy(error as Error);
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, rawPath: string): Promise<void> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendError(res, 405, 'UNSUPPORTED', 'this registry is read-only (served from a ferry bundle)');
      return;
    }
    const head = method === 'HEAD';
    if (path === '/v2' || path === '/v2/') {
      res.writeHead(200, { ...API_VERSION, 'Content-Type': JSON_TYPE, 'Content-Length': 2 });
      res.end(head ? undefined : '{}');
      return;
    }
    if (path === '/v2/_catalog') {
      const page = paginate([...index.repositories.keys()].sort(), query, rawPath, DEFAULT_CATALOG_ENTRIES);
      if (page.kind === 'invalid') return sendError(res, 400, 'PAGINATION_NUMBER_INVALID', `n=${page.n} is above the limit of ${MAX_PAGE_ENTRIES}`);
      sendJson(res, { repositories: page.entries }, head, page.link);
      return;
    }
    let m = TAGS_ROUTE.exec(path);
    if (m) {
      const repo = index.repositories.get(m[1]!);
      if (!repo) return sendError(res, 404, 'NAME_UNKNOWN', `repository ${m[1]} is not in this bundle`);
      const page = paginate([...repo.tags.keys()].sort(), query, rawPath);
      if (page.kind === 'invalid') return sendError(res, 400, 'PAGINATION_NUMBER_INVALID', `n=${page.n} is above the limit of ${MAX_PAGE_ENTRIES}`);
      sendJson(res, { name: repo.name, tags: page.entries }, head, page.link);
      return;
    }
    m = REFERRERS_ROUTE.exec(path);
    if (m) {
      const repo = index.repositories.get(m[1]!);
      if (!repo) return sendError(res, 404, 'NAME_UNKNOWN', `repository ${m[1]} is not in this bundle`);
      if (!DIGEST.test(m[2]!)) return sendError(res, 400, 'DIGEST_INVALID', `${m[2]} is not a sha256 digest`);
      const wanted = query.get('artifactType');
      const all = repo.referrers.get(m[2]!) ?? [];
      const manifests = wanted === null ? all : all.filter((d) => d.artifactType === wanted);
      const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
      res.writeHead(200, { ...API_VERSION, 'Content-Type': 'application/vnd.oci.image.index.v1+json', 'Content-Length': body.length, ...(wanted === null ? {} : { 'OCI-Filters-Applied': 'artifactType' }) });
      res.end(head ? undefined : body);
      return;
    }
    m = MANIFEST_ROUTE.exec(path);
    if (m) {
      const ref = m[2]!;
      const byTag = !ref.includes(':');
      // a reference with a colon is a digest (a tag cannot hold one): a malformed one is refused as the blob route does
      if (!byTag && !DIGEST.test(ref)) return sendError(res, 400, 'DIGEST_INVALID', `${ref} is not a sha256 digest`);
      const repo = index.repositories.get(m[1]!);
      // an unknown repository answers as an unknown manifest does (distribution: MANIFEST_UNKNOWN)
      let digest = repo ? (byTag ? repo.tags.get(ref) : ref) : undefined;
      let mediaType = repo && digest && repo.digests.has(digest) ? index.manifestTypes.get(digest) : undefined;
      if (!repo || !digest || !mediaType) return sendError(res, 404, 'MANIFEST_UNKNOWN', `manifest ${ref} is not in ${repo?.name ?? m[1]}`);
      if (etagMatches(req.headers['if-none-match'], digest)) {
        res.writeHead(304, { ...API_VERSION });
        res.end();
        return;
      }
      const choice = chooseManifest({ mediaType, accept: acceptedTypes(req.headers.accept), byTag });
      if (choice.kind === 'not-acceptable') return sendError(res, 404, 'MANIFEST_UNKNOWN', choice.message);
      let body = await readManifest(res, digest);
      if (!body) return;
      if (choice.kind === 'platform') {
        const platform = defaultPlatformManifest(body);
        const platformType = platform && repo.digests.has(platform) ? index.manifestTypes.get(platform) : undefined;
        if (!platform || platformType !== MediaType.dockerManifest) return sendError(res, 404, 'MANIFEST_UNKNOWN', `manifest list ${ref} has no linux/amd64 Docker v2 manifest for a client that accepts no lists`);
        body = await readManifest(res, platform);
        if (!body) return;
        digest = platform;
        mediaType = platformType;
      }
      res.writeHead(200, {
        ...API_VERSION,
        'Content-Type': mediaType,
        'Content-Length': body.length,
        'Docker-Content-Digest': digest,
        ETag: `"${digest}"`,
        // asked by digest, the answer can never change
        ...(byTag ? {} : { 'Cache-Control': IMMUTABLE }),
      });
      res.end(head ? undefined : body);
      return;
    }
    m = BLOB_ROUTE.exec(path);
    if (m) {
      const digest = m[2]!;
      if (!DIGEST.test(digest)) return sendError(res, 400, 'DIGEST_INVALID', `${digest} is not a sha256 digest`);
      const repo = index.repositories.get(m[1]!);
      // manifests are not blobs of a repository (distribution links them apart): asked here they are unknown
      const blob = repo?.digests.has(digest) && !index.manifestTypes.has(digest) ? archive.blob(digest) : undefined;
      if (!blob) return sendError(res, 404, 'BLOB_UNKNOWN', `blob ${digest} is not in ${repo?.name ?? m[1]}`);
      const common = { ...API_VERSION, 'Docker-Content-Digest': digest, ETag: `"${digest}"`, 'Cache-Control': IMMUTABLE };
      if (etagMatches(req.headers['if-none-match'], digest)) {
        res.writeHead(304, common);
        res.end();
        return;
      }
      const range = parseRange(req.headers.range, blob.size);
      if (range.kind === 'unsatisfiable') {
        res.writeHead(416, { ...API_VERSION, 'Content-Range': `bytes */${blob.size}`, 'Content-Length': 0 });
        res.end();
        return;
      }
      const start = range.kind === 'range' ? range.start : 0;
      const end = range.kind === 'range' ? range.end : blob.size;
      const headers: Record<string, string | number> = { ...common, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream', 'Content-Length': end - start };
      if (range.kind === 'range') headers['Content-Range'] = `bytes ${start}-${end - 1}/${blob.size}`;
      const status = range.kind === 'range' ? 206 : 200;
      if (head || end === start) {
        res.writeHead(status, headers);
        res.end();
        return;
      }
      const controller = new AbortController();
      res.once('close', () => controller.abort());
      if (start === 0 && end === blob.size) {
        // the whole blob: hashed (on a worker thread) as it is sent, its last chunk held back until the digest matches;
        // once proven, sent unhashed while its files keep their identity (see CheckedBlobReader.sendWhole)
        res.writeHead(status, headers);
        await reader.sendWhole(digest, res, { signal: controller.signal }).catch((error: unknown) => {
          // a mismatch mid-stream: the response is cut short of its Content-Length, never completed wrong
          warnDamaged(error);
          if (!res.destroyed) res.destroy(error as Error);
        });
        return;
      }
      // a part: served only from a blob proven whole (remembered while its files keep their identity), else refused before a byte is sent
      let body: Readable;
      try {
        body = await reader.openRange(digest, { start, end, signal: controller.signal });
      } catch (error) {
        if (controller.signal.aborted) return;
        if (!warnDamaged(error)) throw error;
        return sendError(res, 500, 'DIGEST_INVALID', (error as Error).message);
      }
      res.writeHead(status, headers);
      await pipeline(body, res).catch((error: unknown) => {
        // a mismatch mid-stream: the response is cut short of its Content-Length, never completed wrong
        warnDamaged(error);
        if (!res.destroyed) res.destroy(error as Error);
      });
      return;
    }
    sendError(res, 404, 'NAME_UNKNOWN', `no such route: ${path}`);
  }

  /** A manifest's bytes, checked against its digest (or made by the server); undefined once a damaged one was refused (500). */
  async function readManifest(res: ServerResponse, digest: string): Promise<Buffer | undefined> {
    const made = index.madeManifests?.get(digest);
    if (made) return made;
    try {
      return await reader.readManifest(digest);
    } catch (error) {
      if (!warnDamaged(error)) throw error;
      sendError(res, 500, 'DIGEST_INVALID', (error as Error).message);
      return undefined;
    }
  }
}

/** True when `If-None-Match` names this digest's ETag (quoted or not, as distribution allows; or `*`). */
function etagMatches(header: string | undefined, digest: string): boolean {
  if (!header) return false;
  return header.split(',').some((value) => {
    const tag = value.trim();
    return tag === '*' || tag === digest || tag === `"${digest}"` || tag === `W/"${digest}"`;
  });
}

function sendJson(res: ServerResponse, value: unknown, head: boolean, link?: string): void {
  const body = Buffer.from(`${JSON.stringify(value)}\n`);
  res.writeHead(200, { ...API_VERSION, 'Content-Type': JSON_TYPE, 'Content-Length': body.length, ...(link ? { Link: link } : {}) });
  res.end(head ? undefined : body);
}

function sendError(res: ServerResponse, status: number, code: DistributionErrorCode, message: string): void {
  const body = Buffer.from(`${JSON.stringify({ errors: [{ code, message, detail: null }] })}\n`);
  res.writeHead(status, { ...API_VERSION, 'Content-Type': JSON_TYPE, 'Content-Length': body.length });
  res.end(body);
}
