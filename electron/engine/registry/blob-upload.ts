import { pipeline, Transform, type Readable } from 'node:stream';
import { FerryError } from '../errors/ferry-error.js';
import { abortError, sleep } from './abort.js';
import type { HttpResponse } from './http-transport.js';
import { checkContentDigest, isRetryablePushError, pushStatusError, RetryablePushError, type PushStatusContext } from './push-status-error.js';
import type { RegistryClient } from './registry-client.js';
import { backoffDelay } from './retry-backoff.js';
import { discard } from './send-with-retries.js';

/** Blobs larger than this are uploaded in chunks of this size unless told otherwise (32 MiB). */
export const DEFAULT_CHUNK_SIZE = 32 * 1024 * 1024;

/** How a blob reached its target repository: already there, mounted from another repository, or uploaded. */
export type BlobPushOutcome = 'exists' | 'mounted' | 'uploaded';

/** What {@link pushBlob} pushes and how. */
export interface PushBlobOptions {
  registry: string;
  repository: string;
  digest: string;
  size: number;
  /**
   * Opens the blob's bytes `[start, end)` as a fresh stream (called again for every chunk and every restart). Absent when
   * the bytes are not at hand (a blob a delta bundle relies on): the blob must then already be in the repository or be
   * mounted from `mountFrom`; it is never uploaded, and a registry that refuses the mount ends the push with `not-found`.
   */
  open?: (start: number, end: number) => Readable;
  /** A repository of the same registry that holds the blob: a cross-repository mount from it is tried first. */
  mountFrom?: string;
  /** Blobs larger than this go up in PATCH chunks of this size (at least the registry's `OCI-Chunk-Min-Length`); default 32 MiB. */
  chunkSize?: number;
  signal?: AbortSignal;
  /** Bytes sent so far, as they go (negative when an upload restarts from scratch). */
  onBytes?: (bytes: number) => void;
  /** Called for each PATCH chunk the registry accepted (`[start, end)`). */
  onChunk?: (start: number, end: number) => void;
  /** Called when a broken chunked upload resumes at `offset` (the bytes the registry said it holds) instead of restarting. */
  onResume?: (offset: number) => void;
}

/** One upload session: where to send the next request, and the registry's smallest chunk. */
interface UploadSession {
  location: URL;
  minChunk: number;
}

/** A chunked upload under way: its session and the bytes the registry acknowledged so far. */
interface ChunkedUpload extends UploadSession {
  offset: number;
}

/**
 * Pushes one blob to a repository the way the OCI distribution spec describes: `HEAD` first (nothing sent when it is
 * there), then a cross-repository mount when a source repository is known, else an upload: monolithic `POST` + `PUT
 * ?digest=` for small blobs, `PATCH` chunks for large ones (relative `Location`s, `Range` answers and
 * `OCI-Chunk-Min-Length` honoured). A broken chunked upload asks the registry how much it holds (`GET` on the upload
 * URL, its `Range`) and resumes from there; when the registry cannot tell, the blob restarts from scratch. Resumes and
 * restarts together are bounded by the client's retries.
 */
export async function pushBlob(client: RegistryClient, options: PushBlobOptions): Promise<BlobPushOutcome> {
  const { registry, repository, digest, signal } = options;
  const ctx: PushStatusContext = { registry, repository, what: `blob ${digest}`, subject: `${registry}/${repository}@${digest}` };
  if (await blobExists(client, options, ctx)) return 'exists';
  // bytes reported to onBytes and not yet taken back: on a resume they are set back to the registry's offset, on a restart to 0
  let sent = 0;
  const onBytes = (n: number): void => {
    sent += n;
    options.onBytes?.(n);
  };
  const progress: { upload?: ChunkedUpload } = {};
  let resume: ChunkedUpload | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      return await uploadOnce(client, options, ctx, onBytes, progress, resume);
    } catch (error) {
      const giveUp = signal?.aborted === true || !isRetryablePushError(error) || attempt >= client.retries;
      if (giveUp) {
        if (sent !== 0) onBytes(-sent);
        if (signal?.aborted) throw abortError(signal);
        throw error;
      }
      try {
        await sleep(backoffDelay(attempt), signal);
        resume = progress.upload ? await uploadStatus(client, options, ctx, progress.upload) : undefined;
      } catch (inner) {
        if (sent !== 0) onBytes(-sent);
        throw signal?.aborted ? abortError(signal) : inner;
      }
      progress.upload = undefined;
      // what went over the wire past the registry's offset is lost: take it back from the progress
      onBytes((resume?.offset ?? 0) - sent);
      if (resume) options.onResume?.(resume.offset);
    }
  }
}

/**
 * `GET` on an upload URL (OCI distribution: "get upload status"): the offset the registry holds (`Range: 0-END`) and where
 * to send the rest. Undefined when it cannot tell (error, no Range, the ambiguous `0-0`, an offset past the blob): restart.
 */
async function uploadStatus(client: RegistryClient, options: PushBlobOptions, ctx: PushStatusContext, upload: ChunkedUpload): Promise<ChunkedUpload | undefined> {
  const { registry, repository, digest, size, signal } = options;
  let answer;
  try {
    answer = await client.send({
      registry,
      repository,
      method: 'GET',
      url: upload.location,
      push: true,
      subject: ctx.subject,
      retry: false,
      action: `asking ${registry} how much of blob ${digest} it holds`,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    return undefined; // the status request failed too: restart
  }
  const { response, url } = answer;
  try {
    if (response.statusCode !== 204 && response.statusCode !== 200) return undefined;
    const range = /^(?:bytes=)?0-(\d+)$/.exec(String(response.headers['range'] ?? '').trim());
    // distribution answers 0-0 for both 0 and 1 byte held: restarting then costs at most one chunk
    if (!range || Number(range[1]) === 0) return undefined;
    const offset = Number(range[1]) + 1;
    if (!Number.isSafeInteger(offset) || offset > size) return undefined;
    const session = response.headers['location'] !== undefined ? sessionFrom(response, url, ctx) : upload;
    return { location: session.location, minChunk: upload.minChunk, offset };
  } catch {
    return undefined;
  } finally {
    await discard(response);
  }
}

/** `HEAD /v2/NAME/blobs/DIGEST`: true when the repository already holds the blob with the expected size. */
export async function blobExists(client: RegistryClient, options: Pick<PushBlobOptions, 'registry' | 'repository' | 'digest' | 'size' | 'signal'>, ctx?: PushStatusContext): Promise<boolean> {
  const { registry, repository, digest, size, signal } = options;
  const status = ctx ?? { registry, repository, what: `blob ${digest}`, subject: `${registry}/${repository}@${digest}` };
  const { response } = await client.send({
    registry,
    repository,
    method: 'HEAD',
    url: `/v2/${repository}/blobs/${digest}`,
    push: true,
    subject: status.subject,
    action: `checking blob ${digest} on ${registry}/${repository}`,
    ...(signal ? { signal } : {}),
  });
  if (response.statusCode === 404) {
    await discard(response);
    return false;
  }
  if (response.statusCode !== 200) throw await pushStatusError(client, response, status);
  await discard(response);
  const length = Number(response.headers['content-length']);
  // a blob of another size under this digest cannot be what we hold: upload ours (the registry will verify it)
  return !(response.headers['content-length'] !== undefined && Number.isFinite(length) && length !== size);
}

async function uploadOnce(
  client: RegistryClient,
  options: PushBlobOptions,
  ctx: PushStatusContext,
  onBytes: (n: number) => void,
  progress: { upload?: ChunkedUpload },
  resume: ChunkedUpload | undefined,
): Promise<BlobPushOutcome> {
  const { registry, repository, digest, size, signal, mountFrom } = options;
  const base = {
    registry,
    repository,
    push: true,
    subject: ctx.subject,
    ...(signal ? { signal } : {}),
  };
  if (resume) return uploadChunks(client, options, ctx, onBytes, progress, resume);
  const mount = mountFrom !== undefined && mountFrom !== repository ? mountFrom : undefined;
  if (options.open === undefined && mount === undefined) {
    throw new FerryError('not-found', `${registry}/${repository} does not hold blob ${digest}, and the bundle does not carry it (it relies on the target holding it); nothing was uploaded for it.`, { subject: ctx.subject });
  }
  const query = mount !== undefined ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mount)}` : '';
  const started = await client.send({
    ...base,
    method: 'POST',
    url: `/v2/${repository}/blobs/uploads/${query}`,
    headers: { 'content-length': '0' },
    ...(mount !== undefined ? { mountFrom: mount } : {}),
    action: mount !== undefined ? `mounting blob ${digest} from ${mount} into ${registry}/${repository}` : `starting the upload of blob ${digest} to ${registry}/${repository}`,
  });
  if (started.response.statusCode === 201 && mount !== undefined) {
    checkContentDigest(started.response, digest, ctx);
    await discard(started.response);
    return 'mounted';
  }
  if (started.response.statusCode !== 202) throw await pushStatusError(client, started.response, ctx);
  const session = sessionFrom(started.response, started.url, ctx);
  await discard(started.response);
  const open = options.open;
  if (open === undefined) {
    // the bytes are not at hand: the registry started an upload instead of mounting (left to expire unused)
    throw new FerryError(
      'not-found',
      `${registry} did not mount blob ${digest} into ${repository}${mount !== undefined ? ` from ${mount}` : ''}, and the bundle does not carry it (it relies on the target holding it); nothing was uploaded for it.`,
      { subject: ctx.subject },
    );
  }

  const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  if (size <= chunkSize) {
    const final = withDigest(session.location, digest);
    const done = await client.send({
      ...base,
      method: 'PUT',
      url: final,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: () => counted(open(0, size), onBytes),
      retry: false,
      action: `uploading blob ${digest} to ${registry}/${repository}`,
    });
    return finish(client, done.response, ctx, digest);
  }
  return uploadChunks(client, options, ctx, onBytes, progress, { ...session, offset: 0 });
}

/** Sends the blob from `upload.offset` in PATCH chunks, then the closing `PUT ?digest=`; keeps `progress.upload` current. */
async function uploadChunks(
  client: RegistryClient,
  options: PushBlobOptions,
  ctx: PushStatusContext,
  onBytes: (n: number) => void,
  progress: { upload?: ChunkedUpload },
  upload: ChunkedUpload,
): Promise<BlobPushOutcome> {
  const { registry, repository, digest, size, signal, open } = options;
  if (open === undefined) throw new FerryError('not-found', `The bundle does not carry blob ${digest}: it cannot be uploaded to ${registry}/${repository}.`, { subject: ctx.subject });
  const base = { registry, repository, push: true, subject: ctx.subject, ...(signal ? { signal } : {}) };
  let session: UploadSession = upload;
  const chunk = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK_SIZE, session.minChunk);
  let offset = upload.offset;
  progress.upload = upload;
  while (offset < size) {
    const end = Math.min(size, offset + chunk);
    const from = offset;
    const patched = await client.send({
      ...base,
      method: 'PATCH',
      url: session.location,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(end - from), 'content-range': `${from}-${end - 1}` },
      body: () => counted(open(from, end), onBytes),
      retry: false,
      action: `uploading bytes ${from}-${end - 1} of blob ${digest} to ${registry}/${repository}`,
    });
    if (patched.response.statusCode === 416) {
      // the registry holds another offset than we think: forget this session and start the blob again
      progress.upload = undefined;
      await discard(patched.response);
      throw new RetryablePushError('registry-error', `${registry} refused bytes ${from}-${end - 1} of blob ${digest} (HTTP 416): the upload restarts.`, { subject: ctx.subject });
    }
    if (patched.response.statusCode !== 202) throw await pushStatusError(client, patched.response, ctx);
    session = { ...sessionFrom(patched.response, patched.url, ctx), minChunk: session.minChunk };
    const range = /^(?:bytes=)?0-(\d+)$/.exec(String(patched.response.headers['range'] ?? '').trim());
    await discard(patched.response);
    const next = range ? Number(range[1]) + 1 : end;
    if (next > end || next <= from) {
      throw new FerryError('registry-error', `${registry} reported an impossible upload offset (${next}) for blob ${digest}.`, { subject: ctx.subject });
    }
    if (next < end) onBytes(next - end); // the registry kept less than was sent: send the rest again
    options.onChunk?.(from, next);
    offset = next;
    progress.upload = { ...session, offset };
  }
  const final = withDigest(session.location, digest);
  const done = await client.send({
    ...base,
    method: 'PUT',
    url: final,
    headers: { 'content-length': '0' },
    action: `completing the upload of blob ${digest} to ${registry}/${repository}`,
  });
  return finish(client, done.response, ctx, digest);
}

async function finish(client: RegistryClient, response: HttpResponse, ctx: PushStatusContext, digest: string): Promise<BlobPushOutcome> {
  if (response.statusCode !== 201) throw await pushStatusError(client, response, ctx);
  checkContentDigest(response, digest, ctx);
  await discard(response);
  return 'uploaded';
}

/** The upload session a 202 answer describes; `Location` may be relative to the URL that answered. */
function sessionFrom(response: HttpResponse, answeredBy: URL, ctx: PushStatusContext): UploadSession {
  const header = response.headers['location'];
  const location = Array.isArray(header) ? header[0] : header;
  if (typeof location !== 'string' || location === '') {
    throw new FerryError('registry-error', `${ctx.registry} started an upload of ${ctx.what} without saying where to send it (no Location).`, { subject: ctx.subject });
  }
  let url: URL;
  try {
    url = new URL(location, answeredBy);
  } catch {
    throw new FerryError('registry-error', `${ctx.registry} gave an invalid upload address for ${ctx.what}.`, { subject: ctx.subject });
  }
  const min = Number(response.headers['oci-chunk-min-length']);
  return { location: url, minChunk: Number.isSafeInteger(min) && min > 0 ? min : 0 };
}

/** The upload URL with `digest=` added (keeping the registry's own query, e.g. `_state`). */
function withDigest(location: URL, digest: string): URL {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url;
}

/** A stream that reports the bytes passing through it. */
function counted(source: Readable, onBytes: (n: number) => void): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onBytes(chunk.length);
      callback(null, chunk);
    },
  });
  pipeline(source, counter, () => undefined);
  return counter;
}
