import { getMaxListeners, setMaxListeners } from 'node:events';
import { Readable } from 'node:stream';
import { FerryError } from '../errors/ferry-error.js';
import type { ImageReference } from '../reference/image-reference.js';
import { abortError, sleep, throwIfAborted, untilAborted } from './abort.js';
import { defaultCredentialResolver, type Credential, type CredentialResolver } from './credentials.js';
import { parseDigest, type ParsedDigest } from '../oci/digest.js';
import { TOOL_VERSION } from '../version.js';
import { formatReference } from '../reference/format-reference.js';
import { HostSemaphore, type ReleaseSlot } from './host-semaphore.js';
import { HttpTransport, type HttpRequest, type HttpResponse, type RequestBody } from './http-transport.js';
import { DEFAULT_LOW_SPEED_LIMIT, DEFAULT_LOW_SPEED_TIME_MS, LowSpeedGuard, lowSpeedError, type LowSpeedLimit } from './low-speed-guard.js';
import { MANIFEST_ACCEPT } from './manifest-media-types.js';
import { MAX_LONE_SEGMENT, ParallelRangeStream, rangeSegmentSize } from './parallel-ranges.js';
import { readCappedBody } from './read-capped-body.js';
import { registryErrorDetail } from './registry-error-detail.js';
import { RegistryAuth, type AuthTarget } from './registry-auth.js';
import { apiHostFor } from './registry-host.js';
import { backoffDelay } from './retry-backoff.js';
import { discard, sendWithRetries, type FinalResponse, type RetryContext } from './send-with-retries.js';
import { classifyTransportError, toFerryTransportError } from './transport-errors.js';
import { VerifiedBlobStream, type ResumedBody } from './verified-blob-stream.js';
import { verifyManifest } from './verify-manifest.js';
import { parseWwwAuthenticate } from './www-authenticate.js';
import { parseStrictJson } from '../util/parse-strict-json.js';

/** The largest manifest Ferry reads (4 MiB, like containerd and distribution). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Names asked for per page of a catalog or tag list (`?n=`); registries may send fewer and a `Link` to the next page. */
export const DEFAULT_LIST_PAGE_SIZE = 1000;
/** The token scope that lists a registry's catalog. */
const CATALOG_SCOPE = 'registry:catalog:*';
/** The largest page of a catalog or tag list Ferry reads. */
const MAX_LIST_PAGE_BYTES = 16 * 1024 * 1024;
/** The most pages, and names, of one list Ferry follows. */
const MAX_LIST_PAGES = 100_000;
const MAX_LISTED_NAMES = 1_000_000;

/** How a catalog or tag list is read. */
export interface ListOptions {
  /** Names asked for per page (`?n=`; default {@link DEFAULT_LIST_PAGE_SIZE}). */
  pageSize?: number;
  signal?: AbortSignal;
}

/** Options for {@link RegistryClient}; every field is optional. */
export interface RegistryClientOptions {
  /** `host[:port]` registries that may use plain HTTP or unverified HTTPS (HTTPS tried first, like docker). Only these. */
  insecureRegistries?: string[];
  /** Extra PEM CA files trusted in addition to the system CAs. */
  caFiles?: string[];
  /** Where logins come from; default {@link defaultCredentialResolver}(env). */
  credentials?: CredentialResolver;
  /** Requests plus open blob streams per registry host at once; default 6. */
  maxConcurrencyPerHost?: number;
  /** Retries for connection errors, timeouts, 429 and 5xx, and resumes of a broken blob body; default 4. */
  retries?: number;
  /** Response-header timeout and body idle timeout, in ms; default 30000. */
  timeoutMs?: number;
  /**
   * The least rate of a blob or manifest body, in bytes per second, averaged over `lowSpeedTimeMs` (curl's
   * `--speed-limit`); a slower body is cut and retried (blobs resume with Range) like a broken one. Default 1024; 0 turns it off.
   */
  lowSpeedLimit?: number;
  /** The window `lowSpeedLimit` is averaged over, in ms (curl's `--speed-time`); default 30000. */
  lowSpeedTimeMs?: number;
  /** Environment for proxies and credential files; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** User-Agent header; default `ferry/<version>`. */
  userAgent?: string;
  /**
   * Parallel Range requests per large registry blob (each at most 4 MiB, held in memory until its turn) where the
   * registry answers ranges correctly, else one stream. Ranges beyond the first use only idle host slots (none that
   * another blob waits for), so all blobs together hold at most one segment per slot. Default: as many as the host
   * has slots (`maxConcurrencyPerHost`), at most {@link DEFAULT_MAX_RANGE_STREAMS}; 1 turns it off.
   */
  rangeStreams?: number;
  /** Blobs of at least this many bytes are fetched as parallel ranges; default 32 MiB. */
  rangeThreshold?: number;
  /**
   * A first range arriving at least this fast (bytes per second) shows that one stream is enough: the rest of that blob
   * comes as one stream, since on a fast link (a LAN, loopback) parallel ranges only add work. Default 64 MiB/s; 0 opens
   * the parallel ranges at once, without measuring.
   */
  oneStreamRate?: number;
  /** The clock (milliseconds) a first range's rate is measured with; default `performance.now`. */
  now?: () => number;
}

/** A manifest as fetched: its media type, the digest of its bytes, and the bytes. */
export interface FetchedManifest {
  mediaType: string;
  digest: string;
  bytes: Buffer;
}

/** What is known about a blob before fetching it (from a manifest descriptor). */
export interface BlobDescriptor {
  digest: string;
  size: number;
  mediaType?: string;
  urls?: string[];
}

/** One registry API request of a write operation (the push side: blob-upload.ts, push-manifest.ts). */
export interface RegistryOperation {
  /** Registry as users name it (`127.0.0.1:5000`). */
  registry: string;
  repository: string;
  method: NonNullable<HttpRequest['method']>;
  /** An API path (`/v2/NAME/blobs/uploads/`) or an absolute URL (an upload's `Location`). */
  url: string | URL;
  headers?: Record<string, string>;
  body?: RequestBody;
  /** Authenticate for `pull,push` (default false: pull). */
  push?: boolean;
  /** Also authenticate for pulling this repository (the source of a cross-repository mount). */
  mountFrom?: string;
  /** Error subject and what is being done, for messages. */
  subject: string;
  action: string;
  /** Retry transport failures, 429 and 5xx (default true); pass false for uploads the caller restarts itself. */
  retry?: boolean;
  signal?: AbortSignal;
}

/** Registry blobs of at least this many bytes may come as parallel ranges (unless the client is told otherwise). */
export const DEFAULT_RANGE_THRESHOLD = 32 * 1024 * 1024;

/**
 * The most parallel ranges per blob by default: a blob alone on a capped link may use every idle slot of its host (no
 * more connections than pulling that many blobs at once would open), up to 8 (32 MiB of segments).
 */
export const DEFAULT_MAX_RANGE_STREAMS = 8;

type ResolvedOptions = Required<Omit<RegistryClientOptions, 'credentials'>> & { credentials: CredentialResolver };

/** Applies the defaults of {@link RegistryClientOptions} (the one place they live). */
export function resolveRegistryClientOptions(options: RegistryClientOptions = {}): ResolvedOptions {
  const env = options.env ?? process.env;
  const maxConcurrencyPerHost = options.maxConcurrencyPerHost ?? 6;
  return {
    insecureRegistries: options.insecureRegistries ?? [],
    caFiles: options.caFiles ?? [],
    credentials: options.credentials ?? defaultCredentialResolver(env),
    maxConcurrencyPerHost,
    retries: Math.max(0, options.retries ?? 4),
    timeoutMs: options.timeoutMs ?? 30_000,
    lowSpeedLimit: options.lowSpeedLimit ?? DEFAULT_LOW_SPEED_LIMIT,
    lowSpeedTimeMs: options.lowSpeedTimeMs ?? DEFAULT_LOW_SPEED_TIME_MS,
    env,
    userAgent: options.userAgent ?? `ferry/${TOOL_VERSION}`,
    rangeStreams: Math.max(1, Math.floor(options.rangeStreams ?? Math.min(maxConcurrencyPerHost, DEFAULT_MAX_RANGE_STREAMS))),
    rangeThreshold: options.rangeThreshold ?? DEFAULT_RANGE_THRESHOLD,
    oneStreamRate: Math.max(0, options.oneStreamRate ?? 64 * 1024 * 1024),
    now: options.now ?? (() => performance.now()),
  };
}

interface StatusContext {
  registry: string;
  repository: string;
  subject: string;
  /** `manifest` for image lookups, `blob DIGEST` for blobs. */
  what: 'manifest' | { blob: string };
}

/**
 * Talks to OCI / Docker registries: ping, manifests and blobs, with auth, TLS and proxy rules, retries,
 * per-host concurrency limits and content verification. Errors are FerryErrors (or the abort error when cancelled).
 */
export class RegistryClient {
  readonly #options: ResolvedOptions;
  readonly #transport: HttpTransport;
  readonly #auth: RegistryAuth;
  readonly #slots: HostSemaphore;
  readonly #credentials = new Map<string, Promise<Credential | undefined>>();
  readonly #endpoints = new Map<string, Promise<URL>>();
  /** Endpoints once probed: every later request skips the wait on the shared probe. */
  readonly #knownEndpoints = new Map<string, URL>();

  constructor(options: RegistryClientOptions = {}) {
    this.#options = resolveRegistryClientOptions(options);
    this.#transport = new HttpTransport(this.#options);
    this.#slots = new HostSemaphore(this.#options.maxConcurrencyPerHost);
    this.#auth = new RegistryAuth({
      transport: this.#transport,
      retries: this.#options.retries,
      timeoutMs: this.#options.timeoutMs,
      credentialFor: (registry) => this.#credentialFor(registry),
    });
  }

  /**
   * Checks that `registry` answers `GET /v2/` like a registry (TLS and reachability included). When it asks for auth
   * and a login is configured, the login is checked too; without a login a 401 is fine (pulls may still work).
   */
  async ping(registry: string, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const { signal } = opts;
    allowManyListeners(signal);
    await this.#withSlot(registry, signal, async () => {
      const endpoint = await this.#endpoint(registry, signal);
      const target: AuthTarget = { registry, endpoint, ...(signal ? { signal } : {}) };
      const url = new URL('/v2/', endpoint);
      const ctx = this.#retryContext(registry, registry, `contacting ${registry}`, signal);
      const authorization = await this.#auth.current(target);
      let { response } = await sendWithRetries({ url, headers: authHeader({}, authorization) }, ctx);
      if (response.statusCode === 401) {
        const challenges = parseWwwAuthenticate(response.headers['www-authenticate']);
        await discard(response);
        const login = await this.#credentialFor(registry);
        if (!login) {
          this.#auth.learn(registry, challenges);
          return;
        }
        const answer = await this.#auth.answer(target, challenges);
        if (answer === undefined) {
          if (!this.#transport.mayCarrySecrets(endpoint)) return; // the login is withheld over plain HTTP: nothing to check
          throw new FerryError('unauthorized', `${registry} asks for a login Ferry cannot answer; check the registry address.`, { subject: registry });
        }
        ({ response } = await sendWithRetries({ url, headers: authHeader({}, answer) }, ctx));
      }
      const status = response.statusCode;
      await discard(response);
      if (status === 200) return;
      if (status === 401) {
        throw new FerryError('unauthorized', `${registry} rejected the saved login; check it with "docker login ${registry}".`, { subject: registry });
      }
      if (status === 404) {
        throw new FerryError('registry-error', `${registry} does not look like a container registry (GET /v2/ answered 404); check the address.`, {
          subject: registry,
        });
      }
      throw new FerryError('registry-error', `${registry} answered HTTP ${status} to GET /v2/; try again later.`, { subject: registry });
    });
  }

  /** Fetches a manifest or index by tag or digest, verified (digest, size cap, media type, no schema 1). */
  async getManifest(ref: ImageReference, opts: { signal?: AbortSignal } = {}): Promise<FetchedManifest> {
    const { signal } = opts;
    allowManyListeners(signal);
    const subject = formatReference(ref);
    if (ref.digest !== undefined && !parseDigest(ref.digest)) {
      throw new FerryError('bad-reference', `Image "${subject}" has a digest Ferry cannot check; use sha256:<64 hex digits>.`, { subject });
    }
    const reference = ref.digest ?? ref.tag ?? 'latest';
    const path = `/v2/${ref.repository}/manifests/${reference}`;
    const status: StatusContext = { registry: ref.registry, repository: ref.repository, subject, what: 'manifest' };
    const action = `fetching the manifest of ${subject}`;
    return this.#withSlot(ref.registry, signal, async () => {
      for (let attempt = 0; ; attempt++) {
        const headers = { accept: MANIFEST_ACCEPT };
        const response = await this.#registryRequest(ref.registry, ref.repository, path, headers, subject, action, signal);
        if (response.statusCode !== 200) throw await this.#statusError(response, status);
        let bytes: Buffer | undefined;
        const manifestOf = `${ref.repository}${ref.digest !== undefined ? '@' : ':'}${reference}`;
        const guard = new LowSpeedGuard(this.#lowSpeed, (rate) =>
          response.body.destroy(lowSpeedError(`registry ${ref.registry} sent the manifest of ${manifestOf}`, rate, this.#lowSpeed, subject)),
        );
        guard.start();
        try {
          bytes = await readCappedBody(response, MAX_MANIFEST_BYTES, (n) => guard.record(n));
        } catch (error) {
          // The body broke off or was too slow: fetch the (small) manifest again.
          if (signal?.aborted) throw abortError(signal);
          if ((guard.tripped || classifyTransportError(error).retryable) && attempt < this.#options.retries) {
            await sleep(backoffDelay(attempt), signal);
            continue;
          }
          if (guard.tripped && error instanceof FerryError) throw error;
          const host = apiHostFor(ref.registry);
          const { timeoutMs } = this.#options;
          throw toFerryTransportError(error, { host, registry: ref.registry, subject, timeoutMs, action, ...(signal ? { signal } : {}) });
        } finally {
          guard.stop();
        }
        if (bytes === undefined) {
          throw new FerryError(
            'manifest-too-large',
            `The manifest of image "${subject}" is larger than ${MAX_MANIFEST_BYTES / (1024 * 1024)} MiB; Ferry refuses manifests that big.`,
            { subject },
          );
        }
        return verifyManifest({
          bytes,
          contentType: response.headers['content-type'],
          headerDigest: response.headers['docker-content-digest'],
          expectedDigest: ref.digest,
          subject,
          registry: ref.registry,
        });
      }
    });
  }

  /**
   * Every repository the registry's catalog lists (`GET /v2/_catalog?n=PAGE`), following `Link: <…>; rel="next"` page
   * by page, in the registry's order. A registry without a catalog (404, 405) or refusing it is a FerryError naming it.
   */
  async listRepositories(registry: string, opts: ListOptions = {}): Promise<string[]> {
    return this.#listPages({ registry, path: '/v2/_catalog', key: 'repositories', what: `the catalog of ${registry}` }, opts);
  }

  /** Every tag of a repository (`GET /v2/NAME/tags/list?n=PAGE`, paginated like the catalog); none when the registry knows no tag (404). */
  async listTags(registry: string, repository: string, opts: ListOptions = {}): Promise<string[]> {
    return this.#listPages({ registry, repository, path: `/v2/${repository}/tags/list`, key: 'tags', what: `the tags of ${registry}/${repository}` }, opts);
  }

  async #listPages(list: { registry: string; repository?: string; path: string; key: 'repositories' | 'tags'; what: string }, opts: ListOptions): Promise<string[]> {
    const { signal } = opts;
    allowManyListeners(signal);
    const { registry, repository, what } = list;
    const pageSize = opts.pageSize ?? DEFAULT_LIST_PAGE_SIZE;
    const endpoint = await this.#endpoint(registry, signal);
    const target: AuthTarget = { registry, endpoint, ...(repository !== undefined ? { repository } : { scope: CATALOG_SCOPE }), ...(signal ? { signal } : {}) };
    const ctx = this.#retryContext(what, registry, `listing ${what}`, signal);
    const names: string[] = [];
    const asked = new Set<string>();
    let url: URL | undefined = new URL(list.path, endpoint);
    url.searchParams.set('n', String(pageSize));
    while (url !== undefined) {
      const page: URL = url;
      if (asked.has(page.href) || asked.size >= MAX_LIST_PAGES) {
        throw new FerryError('registry-error', `${registry} keeps sending more pages of ${what} (${asked.size} read); Ferry stopped there.`, { subject: registry });
      }
      asked.add(page.href);
      const result = await this.#withSlot(registry, signal, async (): Promise<{ items: string[]; next?: URL } | undefined> => {
        const sent = await this.#auth.current(target);
        let { response } = await sendWithRetries({ url: page, headers: authHeader({ accept: 'application/json' }, sent) }, ctx);
        if (response.statusCode === 401) {
          const answer = await this.#auth.answer(target, parseWwwAuthenticate(response.headers['www-authenticate']));
          if (answer !== undefined && answer !== sent) {
            await discard(response);
            ({ response } = await sendWithRetries({ url: page, headers: authHeader({ accept: 'application/json' }, answer) }, ctx));
          }
        }
        if (response.statusCode === 404 && repository !== undefined) {
          await discard(response);
          return undefined;
        }
        if (response.statusCode !== 200) throw await this.#listStatusError(response, registry, what);
        let bytes: Buffer | undefined;
        try {
          bytes = await readCappedBody(response, MAX_LIST_PAGE_BYTES);
        } catch (error) {
          throw toFerryTransportError(error, { host: apiHostFor(registry), registry, subject: registry, timeoutMs: this.#options.timeoutMs, action: `listing ${what}`, ...(signal ? { signal } : {}) });
        }
        if (bytes === undefined) throw new FerryError('registry-error', `${registry} sent a page of ${what} larger than ${MAX_LIST_PAGE_BYTES / (1024 * 1024)} MiB; Ferry refuses pages that big.`, { subject: registry });
        const items = parseNameList(bytes, list.key, registry, what);
        const next = nextPage(response.headers.link, page, registry, what);
        return { items, ...(next ? { next } : {}) };
      });
      if (result === undefined) break;
      names.push(...result.items);
      if (names.length > MAX_LISTED_NAMES) throw new FerryError('registry-error', `${what} holds more than ${MAX_LISTED_NAMES} entries; Ferry stopped there.`, { subject: registry });
      url = result.items.length > 0 ? result.next : undefined;
    }
    return names;
  }

  /** The user-facing error for a catalog or tag list that was refused; consumes the body. */
  async #listStatusError(response: HttpResponse, registry: string, what: string): Promise<FerryError> {
    const status = response.statusCode;
    const detail = await registryErrorDetail(response);
    const suffix = detail ? ` (the registry said: ${detail})` : '';
    if (status === 401 || status === 403) {
      const login = await this.#credentialFor(registry).catch(() => undefined);
      return new FerryError(status === 401 ? 'unauthorized' : 'denied', `${registry} refused to list ${what}${suffix}; ${login ? 'check that the saved login may list it' : `log in with "docker login ${registry}"`}.`, { subject: registry });
    }
    if (status === 404 || status === 405) return new FerryError('not-found', `${registry} does not offer ${what} (HTTP ${status})${suffix}.`, { subject: registry });
    return new FerryError('registry-error', `${registry} answered HTTP ${status} when listing ${what}${suffix}.`, { subject: registry });
  }

  /**
   * Opens a blob for streaming. Resolves once the registry answered (a 404 or auth failure rejects here); the stream
   * holds a concurrency slot until it ends, errors or is destroyed, resumes broken transfers with Range, and errors
   * with 'size-mismatch' / 'digest-mismatch' instead of ending when the bytes are wrong.
   */
  async openBlob(registry: string, repository: string, desc: BlobDescriptor, opts: { signal?: AbortSignal } = {}): Promise<Readable> {
    const { signal } = opts;
    allowManyListeners(signal);
    const subject = `${registry}/${repository}@${desc.digest}`;
    const parsed = checkDescriptor(desc, subject);
    const path = `/v2/${repository}/blobs/${desc.digest}`;
    const action = `downloading blob ${desc.digest} of ${registry}/${repository}`;
    const status: StatusContext = { registry, repository, subject, what: { blob: desc.digest } };
    const open = async (offset: number): Promise<ResumedBody> => {
      const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
      const response = await this.#registryRequest(registry, repository, path, headers, subject, action, signal);
      return this.#blobBody(response, offset, desc, subject, () => this.#statusError(response, status));
    };
    const sender = `registry ${registry} sent blob ${desc.digest} of ${repository}`;
    const { rangeStreams, rangeThreshold } = this.#options;
    const ranged =
      rangeStreams > 1 && desc.size >= rangeThreshold
        ? (release: ReleaseSlot) =>
            this.#openRanged(registry, desc, parsed, subject, `${registry}/${repository}`, signal, release, async (start, end, rangeSignal) => {
              const response = await this.#registryRequest(registry, repository, path, { range: `bytes=${start}-${end}` }, subject, action, rangeSignal);
              return { response, statusError: () => this.#statusError(response, status) };
            })
        : undefined;
    return this.#openVerified(registry, desc, parsed, subject, `${registry}/${repository}`, open, apiHostFor(registry), registry, sender, signal, ranged);
  }

  /** Opens a foreign (non-distributable) blob from its descriptor's `urls`, trying each in turn, without registry auth; verified like {@link openBlob}. */
  async openForeignBlob(desc: BlobDescriptor, opts: { signal?: AbortSignal } = {}): Promise<Readable> {
    const { signal } = opts;
    allowManyListeners(signal);
    const urls = (desc.urls ?? []).flatMap((u) => {
      try {
        const url = new URL(u);
        return url.protocol === 'https:' || url.protocol === 'http:' ? [url] : [];
      } catch {
        return [];
      }
    });
    if (urls.length === 0) {
      throw new FerryError('not-found', `Foreign blob ${desc.digest} has no http(s) URL to download it from.`, { subject: desc.digest });
    }
    let lastError: unknown;
    for (const url of urls) {
      throwIfAborted(signal);
      const where = `${url.origin}${url.pathname}`;
      const subject = `${where} (${desc.digest})`;
      const parsed = checkDescriptor(desc, subject);
      const open = async (offset: number): Promise<ResumedBody> => {
        const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
        const ctx = this.#retryContext(subject, url.host, `downloading foreign blob ${desc.digest} from ${url.host}`, signal);
        const { response } = await sendWithRetries({ url, headers, ...(signal ? { signal } : {}) }, ctx);
        return this.#blobBody(response, offset, desc, subject, async () => {
          await discard(response);
          return new FerryError(
            response.statusCode === 404 ? 'not-found' : 'registry-error',
            `${where} answered HTTP ${response.statusCode} for foreign blob ${desc.digest}.`,
            { subject },
          );
        });
      };
      try {
        const sender = `${url.host} sent foreign blob ${desc.digest}`;
        return await this.#openVerified(url.host, desc, parsed, subject, where, open, url.host, url.host, sender, signal);
      } catch (error) {
        if (signal?.aborted) throw abortError(signal);
        lastError = error;
      }
    }
    if (urls.length === 1) throw lastError;
    const detail = lastError instanceof Error ? ` The last one failed: ${lastError.message}` : '';
    throw new FerryError(
      lastError instanceof FerryError ? lastError.code : 'network',
      `None of the ${urls.length} URLs of foreign blob ${desc.digest} could be downloaded.${detail}`,
      { subject: desc.digest },
    );
  }

  /**
   * Sends one registry API request with the client's TLS, auth (the login is sent only to the registry's own origin),
   * redirect and retry rules, answering one 401; returns the response whatever its status, and the URL that answered.
   * The caller holds a host slot ({@link withHostSlot}) when it needs one.
   */
  async send(op: RegistryOperation): Promise<FinalResponse> {
    const { signal } = op;
    allowManyListeners(signal);
    const endpoint = await this.#endpoint(op.registry, signal);
    const url = typeof op.url === 'string' ? new URL(op.url, endpoint) : op.url;
    const sameOrigin = url.origin === endpoint.origin;
    const target: AuthTarget = {
      registry: op.registry,
      repository: op.repository,
      endpoint,
      ...(op.push ? { push: true } : {}),
      ...(op.mountFrom !== undefined ? { mountFrom: op.mountFrom } : {}),
      ...(signal ? { signal } : {}),
    };
    const ctx: RetryContext = { ...this.#retryContext(op.subject, op.registry, op.action, signal), ...(op.retry === false ? { retries: 0, retryStatuses: false } : {}) };
    const request = (authorization: string | undefined): HttpRequest => ({
      url,
      method: op.method,
      headers: authHeader(op.headers ?? {}, sameOrigin ? authorization : undefined),
      ...(op.body !== undefined ? { body: op.body } : {}),
    });
    const sent = sameOrigin ? await this.#auth.current(target) : undefined;
    const first = await sendWithRetries(request(sent), ctx);
    if (first.response.statusCode !== 401 || !sameOrigin) return first;
    const answer = await this.#auth.answer(target, parseWwwAuthenticate(first.response.headers['www-authenticate']));
    if (answer === undefined || answer === sent) return first;
    await discard(first.response);
    return sendWithRetries(request(answer), ctx);
  }

  /** Runs `fn` holding one of the registry's concurrency slots (the per-host limit shared with pulls). */
  withHostSlot<T>(registry: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    return this.#withSlot(registry, signal, fn);
  }

  /** Where the registry API is reached (`https://host`, or `http://host` for an insecure host that has no TLS). */
  endpoint(registry: string, opts: { signal?: AbortSignal } = {}): Promise<URL> {
    return this.#endpoint(registry, opts.signal);
  }

  /** The retries configured for transport failures (the push side restarts an upload up to this many times). */
  get retries(): number {
    return this.#options.retries;
  }

  /** Whether a saved login exists for `registry` (for error advice). */
  async hasLogin(registry: string): Promise<boolean> {
    return (await this.#credentialFor(registry).catch(() => undefined)) !== undefined;
  }

  /** Closes every connection; open blob streams fail. */
  async close(): Promise<void> {
    await this.#transport.close();
  }

  async #openVerified(
    slotHost: string,
    desc: BlobDescriptor,
    parsed: ParsedDigest,
    subject: string,
    source: string,
    open: (offset: number) => Promise<ResumedBody>,
    host: string,
    registry: string,
    sender: string,
    signal: AbortSignal | undefined,
    ranged?: (release: ReleaseSlot) => Promise<Readable | ResumedBody | undefined>,
  ): Promise<Readable> {
    const limit = this.#lowSpeed;
    const release = await this.#slots.acquire(slotHost, signal);
    try {
      const probed = ranged ? await ranged(release) : undefined;
      if (probed instanceof Readable) return probed;
      const first = probed ?? (await open(0));
      return new VerifiedBlobStream({
        digest: desc.digest,
        parsedDigest: parsed,
        size: desc.size,
        body: first.body,
        reopen: open,
        retries: this.#options.retries,
        source,
        subject,
        toError: (error) =>
          toFerryTransportError(error, {
            host,
            registry,
            subject,
            timeoutMs: this.#options.timeoutMs,
            action: `downloading blob ${desc.digest} from ${source}`,
            ...(signal ? { signal } : {}),
          }),
        lowSpeed: { limit, error: (rate) => lowSpeedError(sender, rate, limit, subject) },
        ...(signal ? { signal } : {}),
        onClose: release,
      });
    } catch (error) {
      release();
      throw error;
    }
  }

  /**
   * Asks for the first range of a large blob: a correct 206 goes on as a {@link ParallelRangeStream}; a 200 (Range
   * ignored) is the whole blob as one stream; a wrong range is dropped (undefined: the caller opens one stream).
   */
  async #openRanged(
    registry: string,
    desc: BlobDescriptor,
    parsed: ParsedDigest,
    subject: string,
    source: string,
    signal: AbortSignal | undefined,
    release: ReleaseSlot,
    request: (start: number, end: number, signal: AbortSignal | undefined) => Promise<{ response: HttpResponse; statusError: () => Promise<Error> }>,
  ): Promise<Readable | ResumedBody | undefined> {
    // ranges beyond the first use only idle capacity; with every other slot busy (many blobs in flight) the blob starts
    // as one stream of longer ranges, so it can still spread over the slots that free up while it arrives (a plain GET
    // could not: the last blob of a set then came alone at one stream's rate while the other slots sat idle)
    const streams = this.#options.rangeStreams;
    const firstEnd = Math.min(desc.size, this.#slots.idle(registry) ? rangeSegmentSize(desc.size, streams) : MAX_LONE_SEGMENT) - 1;
    const { response, statusError } = await request(0, firstEnd, signal);
    if (response.statusCode === 200) return this.#blobBody(response, 0, desc, subject, statusError);
    if (response.statusCode !== 206) throw await statusError();
    if (!rangeMatches(response, 0, firstEnd, desc.size)) {
      await discard(response);
      return undefined;
    }
    const toError = (error: unknown): Error =>
      toFerryTransportError(error, {
        host: apiHostFor(registry),
        registry,
        subject,
        timeoutMs: this.#options.timeoutMs,
        action: `downloading blob ${desc.digest} from ${source}`,
        ...(signal ? { signal } : {}),
      });
    return new ParallelRangeStream({
      digest: desc.digest,
      parsedDigest: parsed,
      size: desc.size,
      streams,
      first: { body: response.body, end: firstEnd },
      fetchRange: async (start, end, stop) => {
        const next = await request(start, end, signal ? AbortSignal.any([signal, stop]) : stop);
        if (next.response.statusCode === 206 && rangeMatches(next.response, start, end, desc.size)) return next.response.body;
        if (next.response.statusCode !== 206 && next.response.statusCode !== 200) throw await next.statusError();
        await discard(next.response);
        throw new FerryError('registry-error', `Fetching blob ${desc.digest} from ${source} in ranges failed: the server sent a different byte range than asked for (bytes ${start}-${end}).`, { subject });
      },
      retries: this.#options.retries,
      source,
      subject,
      toError,
      takeSlot: () => this.#slots.tryAcquire(registry),
      ...(this.#options.oneStreamRate > 0 ? { oneStreamRate: this.#options.oneStreamRate, now: this.#options.now } : {}),
      ...(signal ? { signal } : {}),
      onClose: release,
    });
  }

  /** Checks a blob response (200 from the start, or 206 at the offset) and hands its body to the verifying stream. */
  async #blobBody(
    response: HttpResponse,
    offset: number,
    desc: BlobDescriptor,
    subject: string,
    statusError: () => Promise<Error>,
  ): Promise<ResumedBody> {
    const status = response.statusCode;
    if (status === 200) {
      const length = Number(response.headers['content-length']);
      if (offset === 0 && response.headers['content-length'] !== undefined && Number.isFinite(length) && length !== desc.size) {
        await discard(response);
        throw new FerryError(
          'size-mismatch',
          `Blob ${desc.digest} is ${length} bytes on the server but its descriptor says ${desc.size}; the image is inconsistent.`,
          { subject },
        );
      }
      return { body: response.body, fromStart: true };
    }
    if (status === 206 && offset > 0) {
      const range = /^bytes (\d+)-/.exec(String(response.headers['content-range'] ?? ''));
      if (range && Number(range[1]) === offset) return { body: response.body, fromStart: false };
      await discard(response);
      throw new FerryError('registry-error', `Resuming blob ${desc.digest} failed: the server sent a different byte range than asked for.`, { subject });
    }
    throw await statusError();
  }

  /** Sends a request to the registry API, authenticating up front when the challenge is known, or after one 401. */
  async #registryRequest(
    registry: string,
    repository: string,
    path: string,
    headers: Record<string, string>,
    subject: string,
    action: string,
    signal: AbortSignal | undefined,
  ): Promise<HttpResponse> {
    const endpoint = await this.#endpoint(registry, signal);
    const url = new URL(path, endpoint);
    const target: AuthTarget = { registry, repository, endpoint, ...(signal ? { signal } : {}) };
    const ctx = this.#retryContext(subject, registry, action, signal);
    const sent = await this.#auth.current(target);
    const first = await sendWithRetries({ url, headers: authHeader(headers, sent) }, ctx);
    if (first.response.statusCode !== 401) return first.response;
    const answer = await this.#auth.answer(target, parseWwwAuthenticate(first.response.headers['www-authenticate']));
    if (answer === undefined || answer === sent) return first.response;
    await discard(first.response);
    return (await sendWithRetries({ url, headers: authHeader(headers, answer) }, ctx)).response;
  }

  /** The user-facing error for an unexpected status; consumes the body. */
  async #statusError(response: HttpResponse, ctx: StatusContext): Promise<FerryError> {
    const status = response.statusCode;
    const detail = await registryErrorDetail(response);
    const { registry, repository, subject } = ctx;
    const suffix = detail ? ` (the registry said: ${detail})` : '';
    if (status === 404) {
      return ctx.what === 'manifest'
        ? new FerryError('not-found', `Image "${subject}" not found on ${registry}; check the repository name and the tag or digest.`, { subject })
        : new FerryError('not-found', `Blob ${ctx.what.blob} of ${registry}/${repository} was not found on the registry; the image is incomplete there.`, { subject });
    }
    if (status === 401) {
      const login = await this.#credentialFor(registry).catch(() => undefined);
      return new FerryError(
        'unauthorized',
        login
          ? `${registry} refused the saved login for ${repository}${suffix}; check that it may pull this repository, or log in again with "docker login ${registry}".`
          : `${registry} requires a login to pull ${repository}${suffix}; log in with "docker login ${registry}" (or check the image name).`,
        { subject },
      );
    }
    if (status === 403) {
      return new FerryError('denied', `${registry} denied access to ${repository}${suffix}; check that your login may pull it.`, { subject });
    }
    if (status === 429) {
      return new FerryError('registry-error', `${registry} keeps answering "too many requests"${suffix}; wait a while and try again (logging in raises Docker Hub's limits).`, {
        subject,
      });
    }
    if (status >= 500) {
      return new FerryError('registry-error', `${registry} failed with HTTP ${status}${suffix}; try again later.`, { subject });
    }
    return new FerryError('registry-error', `${registry} answered HTTP ${status} for ${subject}${suffix}.`, { subject });
  }

  /** Where the registry API is. Insecure-listed hosts are probed: HTTPS (unverified) first, plain HTTP if that fails. */
  #endpoint(registry: string, signal: AbortSignal | undefined): Promise<URL> {
    const host = apiHostFor(registry);
    if (!this.#transport.isInsecureHost(registry) && !this.#transport.isInsecureHost(host)) {
      return Promise.resolve(new URL(`https://${host}`));
    }
    const settled = this.#knownEndpoints.get(host);
    if (settled) return signal?.aborted ? Promise.reject(abortError(signal)) : Promise.resolve(settled);
    let known = this.#endpoints.get(host);
    if (!known) {
      // shared by every caller, so no one caller's signal stops it; each caller stops waiting on its own signal
      known = this.#probe(registry, host, undefined);
      this.#endpoints.set(host, known);
      known.then(
        (url) => this.#knownEndpoints.set(host, url),
        () => this.#endpoints.delete(host),
      );
    }
    return untilAborted(known, signal);
  }

  async #probe(registry: string, host: string, signal: AbortSignal | undefined): Promise<URL> {
    // Any HTTP answer settles the scheme; only transport failures are retried (and only over plain HTTP).
    const ctx = { ...this.#retryContext(registry, registry, `contacting ${registry}`, signal), retries: 0, retryStatuses: false };
    for (const scheme of ['https', 'http'] as const) {
      const endpoint = new URL(`${scheme}://${host}`);
      try {
        const { response } = await sendWithRetries({ url: new URL('/v2/', endpoint) }, scheme === 'http' ? { ...ctx, retries: this.#options.retries } : ctx);
        if (response.statusCode === 401) this.#auth.learn(registry, parseWwwAuthenticate(response.headers['www-authenticate']));
        await discard(response);
        return endpoint;
      } catch (error) {
        if (signal?.aborted || scheme === 'http') throw error;
      }
    }
    throw new FerryError('internal', 'unreachable');
  }

  #withSlot<T>(host: string, signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
    return this.#slots.acquire(host, signal).then(async (release: ReleaseSlot) => {
      try {
        return await run();
      } finally {
        release();
      }
    });
  }

  #credentialFor(registry: string): Promise<Credential | undefined> {
    let known = this.#credentials.get(registry);
    if (!known) {
      known = this.#options.credentials(registry);
      this.#credentials.set(registry, known);
      known.catch(() => this.#credentials.delete(registry));
    }
    return known;
  }

  /** The minimum body rate (off when `lowSpeedLimit` is 0). */
  get #lowSpeed(): LowSpeedLimit {
    return { bytesPerSecond: this.#options.lowSpeedLimit, windowMs: this.#options.lowSpeedTimeMs };
  }

  #retryContext(subject: string, registry: string, action: string, signal: AbortSignal | undefined): RetryContext {
    return {
      transport: this.#transport,
      retries: this.#options.retries,
      timeoutMs: this.#options.timeoutMs,
      subject,
      registry,
      action,
      ...(signal ? { signal } : {}),
    };
  }
}

/**
 * Lets many concurrent requests and streams share one caller signal without Node's "possible memory leak" warning
 * (each request and open stream listens to it until it settles).
 */
/** Whether a 206 answers exactly `bytes=start-end` of a blob of `size` bytes (Content-Range and Content-Length). */
function rangeMatches(response: HttpResponse, start: number, end: number, size: number): boolean {
  const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(response.headers['content-range'] ?? '').trim());
  if (!range || Number(range[1]) !== start || Number(range[2]) !== end || (range[3] !== '*' && Number(range[3]) !== size)) return false;
  const length = response.headers['content-length'];
  return length === undefined || Number(length) === end - start + 1;
}

function allowManyListeners(signal: AbortSignal | undefined): void {
  if (signal && getMaxListeners(signal) < 1000) setMaxListeners(1000, signal);
}

/** Headers plus an Authorization header when there is one. */
function authHeader(headers: Record<string, string>, authorization: string | undefined): Record<string, string> {
  return authorization === undefined ? headers : { ...headers, authorization };
}

/** Validates a blob descriptor's digest and size before any request. */
function checkDescriptor(desc: BlobDescriptor, subject: string): ParsedDigest {
  const parsed = parseDigest(desc.digest);
  if (!parsed) {
    throw new FerryError('unsupported-manifest', `Blob digest "${desc.digest}" is not a sha256 or sha512 digest Ferry can check.`, { subject });
  }
  if (!Number.isSafeInteger(desc.size) || desc.size < 0) {
    throw new FerryError('unsupported-manifest', `Blob ${desc.digest} has an invalid size (${desc.size}) in its descriptor.`, { subject });
  }
  return parsed;
}

/** The strings of a catalog (`repositories`) or tag list (`tags`; null means none) page, or a `registry-error`. */
function parseNameList(bytes: Buffer, key: 'repositories' | 'tags', registry: string, what: string): string[] {
  let body: unknown;
  try {
    body = parseStrictJson(bytes, { maxDepth: 8 });
  } catch (error) {
    throw new FerryError('registry-error', `${registry} sent ${what} as something other than JSON (${(error as Error).message}).`, { subject: registry });
  }
  const items = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
  if (items === null || items === undefined) return [];
  if (!Array.isArray(items) || !items.every((i): i is string => typeof i === 'string')) {
    throw new FerryError('registry-error', `${registry} sent ${what} without a list of names in "${key}".`, { subject: registry });
  }
  return items;
}

/** The next page named by a `Link: <URL>; rel="next"` header, resolved against the page that sent it; only on the same origin. */
function nextPage(header: string | string[] | undefined, current: URL, registry: string, what: string): URL | undefined {
  for (const value of Array.isArray(header) ? header : header === undefined ? [] : [header]) {
    for (const m of value.matchAll(/<([^>]*)>\s*;([^,]*)/g)) {
      if (!/(?:^|;)\s*rel\s*=\s*"?next"?\s*(?:;|$)/i.test(m[2]!)) continue;
      let next: URL;
      try {
        next = new URL(m[1]!, current);
      } catch {
        throw new FerryError('registry-error', `${registry} named the next page of ${what} with an unreadable link.`, { subject: registry });
      }
      if (next.origin !== current.origin) throw new FerryError('registry-error', `${registry} named the next page of ${what} on another server (${next.origin}); Ferry does not follow it.`, { subject: registry });
      return next;
    }
  }
  return undefined;
}
