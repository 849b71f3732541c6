import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArchiveView } from './bundle-set.js';
import { FerryError } from '../errors/ferry-error.js';
import type { CheckedBlobReader } from './checked-blob-reader.js';
import { parseRange } from './parse-range.js';
import type { RepositoryIndex } from './repository-index.js';

/** OCI distribution error codes this server answers with. */
export type DistributionErrorCode = 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN' | 'NAME_UNKNOWN' | 'UNSUPPORTED' | 'DIGEST_INVALID' | 'NAME_INVALID';

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
 * repository (GET/HEAD, ranges), tag lists and the catalog. Writes are answered 405. Nothing is
 * sent that does not match its digest: see {@link CheckedBlobReader}.
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
    handle(req, res, path, query).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'UNSUPPORTED', `internal error: ${(error as Error).message}`);
      else res.destroy(error as Error);
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendError(res, 405, 'UNSUPPORTED', 'this registry is read-only (served from a ferry bundle)');
      return;
    }
    const head = method === 'HEAD';
    if (path === '/v2' || path === '/v2/') {
      sendJson(res, 200, {}, head);
      return;
    }
    if (path === '/v2/_catalog') {
      const names = [...index.repositories.keys()].sort();
      sendJson(res, 200, { repositories: paginate(names, query) }, head);
      return;
    }
    let m = TAGS_ROUTE.exec(path);
    if (m) {
      const repo = index.repositories.get(m[1]!);
      if (!repo) return sendError(res, 404, 'NAME_UNKNOWN', `repository ${m[1]} is not in this bundle`);
      sendJson(res, 200, { name: repo.name, tags: paginate([...repo.tags.keys()].sort(), query) }, head);
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
      const repo = index.repositories.get(m[1]!);
      if (!repo) return sendError(res, 404, 'NAME_UNKNOWN', `repository ${m[1]} is not in this bundle`);
      const ref = m[2]!;
      const digest = ref.startsWith('sha256:') ? ref : repo.tags.get(ref);
      const mediaType = digest && repo.digests.has(digest) ? index.manifestTypes.get(digest) : undefined;
      if (!digest || !mediaType) return sendError(res, 404, 'MANIFEST_UNKNOWN', `manifest ${ref} is not in ${repo.name}`);
      let body: Buffer;
      try {
        body = await reader.readManifest(digest);
      } catch (error) {
        if (!warnDamaged(error)) throw error;
        return sendError(res, 500, 'DIGEST_INVALID', (error as Error).message);
      }
      res.writeHead(200, { ...API_VERSION, 'Content-Type': mediaType, 'Content-Length': body.length, 'Docker-Content-Digest': digest, ETag: `"${digest}"` });
      res.end(head ? undefined : body);
      return;
    }
    m = BLOB_ROUTE.exec(path);
    if (m) {
      const repo = index.repositories.get(m[1]!);
      if (!repo) return sendError(res, 404, 'NAME_UNKNOWN', `repository ${m[1]} is not in this bundle`);
      const digest = m[2]!;
      if (!DIGEST.test(digest)) return sendError(res, 404, 'BLOB_UNKNOWN', `blob ${digest} is not in ${repo.name}`);
      const blob = repo.digests.has(digest) ? archive.blob(digest) : undefined;
      if (!blob) return sendError(res, 404, 'BLOB_UNKNOWN', `blob ${digest} is not in ${repo.name}`);
      const range = parseRange(req.headers.range, blob.size);
      const common = { ...API_VERSION, 'Docker-Content-Digest': digest, ETag: `"${digest}"`, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' };
      if (range.kind === 'unsatisfiable') {
        res.writeHead(416, { ...API_VERSION, 'Content-Range': `bytes */${blob.size}`, 'Content-Length': 0 });
        res.end();
        return;
      }
      const start = range.kind === 'range' ? range.start : 0;
      const end = range.kind === 'range' ? range.end : blob.size;
      const headers: Record<string, string | number> = { ...common, 'Content-Length': end - start };
      if (range.kind === 'range') headers['Content-Range'] = `bytes ${start}-${end - 1}/${blob.size}`;
      const status = range.kind === 'range' ? 206 : 200;
      if (head || end === start) {
        res.writeHead(status, headers);
        res.end();
        return;
      }
      const controller = new AbortController();
      res.once('close', () => controller.abort());
      let body: Readable;
      if (start === 0 && end === blob.size) {
        // the whole blob: hashed as it streams, its last chunk held back until the digest matches
        body = reader.openWhole(digest, { signal: controller.signal });
      } else {
        // a part: served only from a blob proven whole (once; remembered), else refused before a byte is sent
        try {
          body = await reader.openRange(digest, { start, end, signal: controller.signal });
        } catch (error) {
          if (controller.signal.aborted) return;
          if (!warnDamaged(error)) throw error;
          return sendError(res, 500, 'DIGEST_INVALID', (error as Error).message);
        }
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
}

/** `n` and `last` pagination of a sorted list (distribution spec). */
function paginate(names: string[], query: URLSearchParams): string[] {
  const last = query.get('last');
  let list = last ? names.filter((n) => n > last) : names;
  const n = Number(query.get('n'));
  if (query.has('n') && Number.isInteger(n) && n >= 0) list = list.slice(0, n);
  return list;
}

function sendJson(res: ServerResponse, status: number, value: unknown, head: boolean): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { ...API_VERSION, 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(head ? undefined : body);
}

function sendError(res: ServerResponse, status: number, code: DistributionErrorCode, message: string): void {
  const body = Buffer.from(JSON.stringify({ errors: [{ code, message, detail: null }] }));
  res.writeHead(status, { ...API_VERSION, 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}
