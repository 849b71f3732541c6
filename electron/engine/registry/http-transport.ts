import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import type { Dispatcher } from 'undici';
import { Agent, EnvHttpProxyAgent, request } from './undici-lite.js';
import { FerryError } from '../errors/ferry-error.js';
import { isLoopbackHost, normalizeHost } from './registry-host.js';

/** Settings for {@link HttpTransport}, with defaults already applied. */
export interface HttpTransportSettings {
  caFiles: string[];
  insecureRegistries: string[];
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  userAgent: string;
}

/** One HTTP request as the transport sends it. */
export interface HttpRequest {
  url: URL;
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH';
  headers?: Record<string, string>;
  /** A fixed body, or a factory called for every send (a fresh stream for each retry or redirect). */
  body?: RequestBody;
  signal?: AbortSignal;
}

/** What a request carries: bytes, or a factory of a fresh stream per send. */
export type RequestBody = string | Buffer | (() => Readable);

/** An HTTP response with a streaming body that must be consumed, dumped or destroyed. */
export type HttpResponse = Dispatcher.ResponseData;

type DispatcherKey = `${'direct' | 'proxy'}-${'verified' | 'unverified'}`;

/**
 * Sends single HTTP requests through undici with Ferry's TLS and proxy rules: system CAs plus `caFiles`;
 * certificate checks skipped only for `insecureRegistries`; HTTP(S)_PROXY / NO_PROXY from the given env,
 * loopback never proxied (like docker). No redirects, retries or auth here.
 */
export class HttpTransport {
  readonly #settings: HttpTransportSettings;
  readonly #insecure: Set<string>;
  readonly #dispatchers = new Map<DispatcherKey, Dispatcher>();
  #ca: Promise<string[]> | undefined;
  #closed = false;

  constructor(settings: HttpTransportSettings) {
    this.#settings = settings;
    this.#insecure = new Set(settings.insecureRegistries.map(normalizeHost));
  }

  /** True when `host[:port]` was listed as an insecure registry (plain HTTP or unverified HTTPS allowed). */
  isInsecureHost(host: string): boolean {
    return this.#insecure.has(normalizeHost(host));
  }

  /** True when secrets may be sent to this URL: HTTPS, or a host listed as insecure. */
  mayCarrySecrets(url: URL): boolean {
    return url.protocol === 'https:' || this.isInsecureHost(url.host);
  }

  /** Sends one request; rejects with undici/socket errors as they are (see transport-errors.ts). */
  async send(req: HttpRequest): Promise<HttpResponse> {
    if (this.#closed) throw new FerryError('internal', 'The registry client was used after close().');
    const dispatcher = await this.#dispatcherFor(req.url);
    return request(req.url, {
      dispatcher,
      method: req.method ?? 'GET',
      headers: { 'user-agent': this.#settings.userAgent, ...req.headers },
      ...(req.body !== undefined ? { body: typeof req.body === 'function' ? req.body() : req.body } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
      headersTimeout: this.#settings.timeoutMs,
      bodyTimeout: this.#settings.timeoutMs,
    });
  }

  /** Destroys every connection; in-flight requests and bodies fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#dispatchers.values()];
    this.#dispatchers.clear();
    await Promise.all(all.map((d) => d.destroy().catch(() => undefined)));
  }

  async #dispatcherFor(url: URL): Promise<Dispatcher> {
    const unverified = url.protocol === 'https:' && this.isInsecureHost(url.host);
    const proxied = !isLoopbackHost(url.hostname) && this.#proxySettings() !== undefined;
    const key: DispatcherKey = `${proxied ? 'proxy' : 'direct'}-${unverified ? 'unverified' : 'verified'}`;
    let dispatcher = this.#dispatchers.get(key);
    if (!dispatcher) {
      const ca = await this.#loadCa();
      const tls = {
        ...(unverified ? { rejectUnauthorized: false } : { ca }),
        timeout: this.#settings.timeoutMs,
      };
      const proxy = this.#proxySettings();
      dispatcher =
        proxied && proxy
          ? new EnvHttpProxyAgent({ ...proxy, connect: tls, requestTls: tls, proxyTls: { ca, timeout: this.#settings.timeoutMs } })
          : new Agent({ connect: tls });
      // Another request may have created it while the CA files were read.
      const existing = this.#dispatchers.get(key);
      if (existing) {
        void dispatcher.destroy().catch(() => undefined);
        dispatcher = existing;
      } else this.#dispatchers.set(key, dispatcher);
    }
    return dispatcher;
  }

  #proxySettings(): { httpProxy: string; httpsProxy: string; noProxy: string } | undefined {
    const env = this.#settings.env;
    const httpProxy = env.http_proxy ?? env.HTTP_PROXY ?? '';
    const httpsProxy = env.https_proxy ?? env.HTTPS_PROXY ?? '';
    if (httpProxy === '' && httpsProxy === '') return undefined;
    return { httpProxy, httpsProxy, noProxy: env.no_proxy ?? env.NO_PROXY ?? '' };
  }

  #loadCa(): Promise<string[]> {
    this.#ca ??= (async () => {
      const extra = await Promise.all(
        this.#settings.caFiles.map(async (file) => {
          try {
            return await readFile(file, 'utf8');
          } catch (error) {
            throw new FerryError(
              'io',
              `Cannot read the CA file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the CA file's path.`,
              { subject: file },
            );
          }
        }),
      );
      for (const [i, pem] of extra.entries()) {
        if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
          throw new FerryError('io', `The CA file ${this.#settings.caFiles[i]} holds no PEM certificate.`, {
            subject: this.#settings.caFiles[i]!,
          });
        }
      }
      return [...rootCertificates, ...extra];
    })();
    this.#ca.catch(() => {
      this.#ca = undefined;
    });
    return this.#ca;
  }
}
