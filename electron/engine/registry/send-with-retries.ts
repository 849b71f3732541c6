import { FerryError } from '../errors/ferry-error.js';
import { abortError, sleep } from './abort.js';
import type { HttpRequest, HttpResponse, HttpTransport, RequestBody } from './http-transport.js';
import { backoffDelay, parseRetryAfter } from './retry-backoff.js';
import { classifyTransportError, toFerryTransportError } from './transport-errors.js';

/** The most redirects followed for one request. */
export const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** How a request is retried and how its failures are described. */
export interface RetryContext {
  transport: HttpTransport;
  retries: number;
  timeoutMs: number;
  /** Error subject: the image reference or registry host. */
  subject: string;
  /** The registry as users name it, for advice in TLS errors. */
  registry?: string;
  /** What is being done, for messages: `fetching the manifest of X`. */
  action?: string;
  /** Retry 429 and 5xx answers too (default true); false retries only transport failures. */
  retryStatuses?: boolean;
  signal?: AbortSignal;
}

/** A response and the URL that finally answered it (after redirects). */
export interface FinalResponse {
  response: HttpResponse;
  url: URL;
}

/** True for statuses worth retrying: 429 and 5xx (except 501 Not Implemented and 505). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/**
 * Sends a request, following redirects by hand (dropping `Authorization` when the origin changes) and retrying
 * connection errors, timeouts, 429 and 5xx with exponential backoff and full jitter (honouring `Retry-After`).
 * Returns the last response whatever its status (a retryable status once retries are exhausted);
 * transport failures become FerryError('network' | 'tls' | 'timeout') or the abort error.
 */
export async function sendWithRetries(req: HttpRequest, ctx: RetryContext): Promise<FinalResponse> {
  for (let attempt = 0; ; attempt++) {
    let result: FinalResponse;
    try {
      result = await followRedirects(req, ctx);
    } catch (caught) {
      if (ctx.signal?.aborted) throw abortError(ctx.signal);
      const host = caught instanceof HostTaggedError ? caught.host : req.url.host;
      const error = caught instanceof HostTaggedError ? caught.cause : caught;
      if (error instanceof FerryError) throw error;
      const failure = classifyTransportError(error);
      if (failure.retryable && attempt < ctx.retries) {
        await sleep(backoffDelay(attempt), ctx.signal);
        continue;
      }
      throw toFerryTransportError(error, { ...transportContext(ctx), host });
    }
    const { response } = result;
    if (ctx.retryStatuses !== false && isRetryableStatus(response.statusCode) && attempt < ctx.retries) {
      const delay = parseRetryAfter(response.headers['retry-after']) ?? backoffDelay(attempt);
      await discard(response);
      await sleep(delay, ctx.signal);
      continue;
    }
    return result;
  }
}

/** Reads and drops a response body, ignoring errors (used before retrying or redirecting). */
export async function discard(response: HttpResponse): Promise<void> {
  try {
    await response.body.dump({ limit: 256 * 1024 });
  } catch {
    response.body.destroy();
  }
}

async function followRedirects(req: HttpRequest, ctx: RetryContext): Promise<FinalResponse> {
  let url = req.url;
  let method = req.method ?? 'GET';
  let body: RequestBody | undefined = req.body;
  const headers = { ...req.headers };
  for (let hop = 0; ; hop++) {
    let response: HttpResponse;
    try {
      response = await ctx.transport.send({ url, method, headers, ...(body !== undefined ? { body } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) });
    } catch (error) {
      throw new HostTaggedError(error, url.host);
    }
    const location = response.headers['location'];
    if (!REDIRECT_STATUSES.has(response.statusCode) || typeof location !== 'string' || location === '') {
      return { response, url };
    }
    await discard(response);
    if (hop >= MAX_REDIRECTS) {
      throw new FerryError('registry-error', `${req.url.host} redirected more than ${MAX_REDIRECTS} times${ctx.action ? ` while ${ctx.action}` : ''}.`, {
        subject: ctx.subject,
      });
    }
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new FerryError('registry-error', `${url.host} redirected to an invalid address${ctx.action ? ` while ${ctx.action}` : ''}.`, {
        subject: ctx.subject,
      });
    }
    if (next.protocol !== 'https:' && next.protocol !== 'http:') {
      throw new FerryError('registry-error', `${url.host} redirected to an unsupported ${next.protocol} address.`, { subject: ctx.subject });
    }
    if (next.origin !== url.origin) {
      // Credentials belong to the registry: never hand them to the blob store or CDN it redirects to.
      for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
    }
    if (response.statusCode === 303 && method !== 'HEAD') {
      method = 'GET';
      body = undefined;
    }
    url = next;
  }
}

/** Carries the host a transport error happened at, through the redirect loop. */
class HostTaggedError extends Error {
  readonly host: string;
  constructor(cause: unknown, host: string) {
    super('transport error', { cause });
    this.host = host;
  }
}

function transportContext(ctx: RetryContext) {
  return {
    subject: ctx.subject,
    timeoutMs: ctx.timeoutMs,
    ...(ctx.registry ? { registry: ctx.registry } : {}),
    ...(ctx.action ? { action: ctx.action } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  };
}
