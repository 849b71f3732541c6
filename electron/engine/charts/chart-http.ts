import { readFile } from 'node:fs/promises';
import type { Dispatcher } from 'undici';
import { Agent, request } from '../registry/undici-lite.js';
import { FerryError } from '../errors/ferry-error.js';
import { MAX_CHART_BYTES } from './chart-media-types.js';

/** Access to HTTP chart repositories: Basic credentials and the same TLS options as registries. */
export interface ChartHttpOptions {
  username?: string;
  password?: string;
  /** Extra CA files (PEM) to trust. */
  caFiles?: string[];
  /** Hosts (`host[:port]`) whose TLS certificate is not checked. */
  insecureHosts?: string[];
  signal?: AbortSignal;
}

/** A small HTTP client for chart repositories (index.yaml, .tgz, .prov): capped bodies, redirects followed, Basic auth kept on the same origin. */
export class ChartHttp {
  private readonly agents = new Map<string, Dispatcher>();
  private cas: string[] | undefined;

  constructor(private readonly options: ChartHttpOptions = {}) {}

  /** GETs `url` whole; `undefined` on 404 when `optional`. */
  async get(url: string, what: string, optional = false): Promise<Buffer | undefined> {
    let current = new URL(url);
    const origin = current.origin;
    for (let hop = 0; hop < 6; hop++) {
      const headers: Record<string, string> = { 'user-agent': 'ferry' };
      if (this.options.username !== undefined && current.origin === origin) {
        headers.authorization = `Basic ${Buffer.from(`${this.options.username}:${this.options.password ?? ''}`).toString('base64')}`;
      }
      let response: Dispatcher.ResponseData;
      try {
        response = await request(current, { method: 'GET', headers, dispatcher: await this.agentFor(current), ...(this.options.signal ? { signal: this.options.signal } : {}) });
      } catch (error) {
        throw new FerryError('network', `Cannot fetch ${what} from ${current.toString()}: ${(error as Error).message}.`, { subject: url, cause: error });
      }
      const location = response.headers.location;
      if (response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string') {
        await response.body.dump();
        current = new URL(location, current);
        continue;
      }
      if (response.statusCode === 404 && optional) {
        await response.body.dump();
        return undefined;
      }
      if (response.statusCode === 401 || response.statusCode === 403) {
        await response.body.dump();
        throw new FerryError('unauthorized', `${what} at ${current.toString()} needs credentials (HTTP ${response.statusCode}).`, { subject: url, hint: 'chart-login' });
      }
      if (response.statusCode !== 200) {
        await response.body.dump();
        throw new FerryError('not-found', `Fetching ${what} from ${current.toString()} answered HTTP ${response.statusCode}.`, { subject: url });
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_CHART_BYTES) {
          response.body.destroy();
          throw new FerryError('bad-usage', `${what} at ${current.toString()} is larger than ${MAX_CHART_BYTES} bytes.`, { subject: url });
        }
        chunks.push(chunk as Buffer);
      }
      return Buffer.concat(chunks);
    }
    throw new FerryError('network', `Fetching ${what} from ${url}: too many redirects.`, { subject: url });
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.close()));
  }

  private async agentFor(url: URL): Promise<Dispatcher> {
    const insecure = (this.options.insecureHosts ?? []).map((h) => h.toLowerCase()).includes(url.host.toLowerCase());
    const key = insecure ? 'insecure' : 'secure';
    let agent = this.agents.get(key);
    if (!agent) {
      this.cas ??= await Promise.all((this.options.caFiles ?? []).map((f) => readFile(f, 'utf8')));
      const { rootCertificates } = await import('node:tls');
      agent = new Agent({ connect: { rejectUnauthorized: !insecure, ...(this.cas.length > 0 ? { ca: [...rootCertificates, ...this.cas] } : {}) } });
      this.agents.set(key, agent);
    }
    return agent;
  }
}
