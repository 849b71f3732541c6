import { FerryError } from '../errors/ferry-error.js';
import type { Credential } from './credentials.js';
import type { HttpTransport } from './http-transport.js';
import { readCappedBody } from './read-capped-body.js';
import { discard, sendWithRetries } from './send-with-retries.js';
import type { AuthChallenge } from './www-authenticate.js';

/** How long a token is kept when the token server does not say (seconds). */
export const DEFAULT_TOKEN_LIFETIME_S = 60;

const MAX_TOKEN_RESPONSE = 1024 * 1024;

/** What {@link RegistryAuth} needs from the client. */
export interface RegistryAuthDeps {
  transport: HttpTransport;
  retries: number;
  timeoutMs: number;
  /** The login for a registry (memoized by the caller); undefined for anonymous. */
  credentialFor: (registry: string) => Promise<Credential | undefined>;
}

/** One operation's auth context. */
export interface AuthTarget {
  /** Registry as users name it (`docker.io`). */
  registry: string;
  /** Repository for a `repository:NAME:pull` scope; undefined for `/v2/` pings (no scope). */
  repository?: string;
  /** Ask for `repository:NAME:pull,push` instead of `:pull` (uploads). */
  push?: boolean;
  /** Also ask for `repository:FROM:pull` (a cross-repository blob mount from FROM). */
  mountFrom?: string;
  /** A scope not about one repository (`registry:catalog:*`, listing the catalog); used when `repository` is absent. */
  scope?: string;
  /** Where the registry API is: `https://registry-1.docker.io`. */
  endpoint: URL;
  signal?: AbortSignal;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/**
 * Answers registry auth challenges: Bearer tokens (anonymous, Basic to the realm, or OAuth2 refresh-token POST
 * with an identity token), cached per registry+scope until they expire; and Basic, only over HTTPS or to hosts
 * listed as insecure. Remembers each registry's challenge so later requests authenticate up front.
 */
export class RegistryAuth {
  readonly #deps: RegistryAuthDeps;
  readonly #challenges = new Map<string, AuthChallenge>();
  readonly #tokens = new Map<string, CachedToken>();
  readonly #inflight = new Map<string, Promise<string>>();

  constructor(deps: RegistryAuthDeps) {
    this.#deps = deps;
  }

  /** Records the challenge a registry answered with (Bearer preferred over Basic); returns false when none is usable. */
  learn(registry: string, challenges: AuthChallenge[]): boolean {
    const chosen = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
    if (!chosen) return false;
    this.#challenges.set(registry, chosen);
    return true;
  }

  /** The Authorization header to send before any 401, from what was learned earlier; undefined when nothing is known. */
  async current(target: AuthTarget): Promise<string | undefined> {
    const challenge = this.#challenges.get(target.registry);
    return challenge ? this.#authorize(target, challenge) : undefined;
  }

  /** After a 401: learns the challenge, forgets the cached token, and returns a fresh header (undefined when there is nothing to answer with). */
  async answer(target: AuthTarget, challenges: AuthChallenge[]): Promise<string | undefined> {
    if (!this.learn(target.registry, challenges)) return undefined;
    this.#tokens.delete(tokenKey(target));
    return this.#authorize(target, this.#challenges.get(target.registry)!);
  }

  async #authorize(target: AuthTarget, challenge: AuthChallenge): Promise<string | undefined> {
    if (challenge.scheme === 'basic') {
      const credential = await this.#deps.credentialFor(target.registry);
      if (!credential?.username || credential.password === undefined) return undefined;
      if (!this.#deps.transport.mayCarrySecrets(target.endpoint)) return undefined;
      return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
    }
    const key = tokenKey(target);
    const cached = this.#tokens.get(key);
    if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.#fetchToken(target, challenge).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return `Bearer ${await pending}`;
  }

  async #fetchToken(target: AuthTarget, challenge: AuthChallenge): Promise<string> {
    const { registry } = target;
    const realm = challenge.params['realm'];
    let url: URL;
    try {
      url = new URL(realm ?? '');
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('scheme');
    } catch {
      throw new FerryError('registry-error', `${registry} asked for a bearer token without a valid token server address (realm).`, {
        subject: registry,
      });
    }
    const service = challenge.params['service'];
    const scopes = scopesFor(target);
    const credential = await this.#deps.credentialFor(registry);
    // A login goes to the token server over HTTPS, or over plain HTTP only when the user listed that host, or the
    // registry that named it, as insecure.
    const transport = this.#deps.transport;
    const secure = transport.mayCarrySecrets(url) || transport.isInsecureHost(registry) || transport.isInsecureHost(target.endpoint.host);
    const headers: Record<string, string> = { accept: 'application/json' };
    let method: 'GET' | 'POST' = 'GET';
    let body: string | undefined;
    let sentLogin = false;
    if (credential?.identityToken && secure) {
      method = 'POST';
      headers['content-type'] = 'application/x-www-form-urlencoded';
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credential.identityToken, client_id: 'ferry' });
      if (service !== undefined) form.set('service', service);
      if (scopes.length > 0) form.set('scope', scopes.join(' '));
      body = form.toString();
      sentLogin = true;
    } else {
      if (service !== undefined) url.searchParams.set('service', service);
      for (const scope of scopes) url.searchParams.append('scope', scope);
      if (credential?.username && credential.password !== undefined && secure) {
        headers['authorization'] = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
        sentLogin = true;
      }
    }
    const what = target.repository !== undefined ? `${registry}/${target.repository}` : registry;
    const { response } = await sendWithRetries(
      { url, method, headers, ...(body !== undefined ? { body } : {}), ...(target.signal ? { signal: target.signal } : {}) },
      {
        transport: this.#deps.transport,
        retries: this.#deps.retries,
        timeoutMs: this.#deps.timeoutMs,
        subject: registry,
        registry,
        action: `getting a token for ${what}`,
        ...(target.signal ? { signal: target.signal } : {}),
      },
    );
    const status = response.statusCode;
    if (status === 401 || status === 403) {
      await discard(response);
      const withheld = credential !== undefined && !sentLogin;
      throw new FerryError(
        status === 401 ? 'unauthorized' : 'denied',
        sentLogin
          ? `${registry} rejected the saved login for ${what}; check the user name and password.`
          : `${registry} requires a login to ${target.push ? 'push to' : 'pull'} ${what}.${withheld ? ` Ferry did not send your login because the token server ${url.host} uses plain HTTP.` : ''}`,
        { subject: registry, hint: withheld ? 'insecure-registry' : 'log-in' },
      );
    }
    if (status !== 200) {
      await discard(response);
      throw new FerryError('registry-error', `The token server of ${registry} (${url.host}) answered HTTP ${status}; try again later.`, {
        subject: registry,
      });
    }
    const bytes = await readCappedBody(response, MAX_TOKEN_RESPONSE).catch(() => undefined);
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown } = {};
    try {
      parsed = bytes ? (JSON.parse(bytes.toString('utf8')) as typeof parsed) : {};
    } catch {
      // handled below
    }
    const token = typeof parsed.token === 'string' && parsed.token !== '' ? parsed.token : parsed.access_token;
    if (typeof token !== 'string' || token === '') {
      throw new FerryError('registry-error', `The token server of ${registry} (${url.host}) answered without a token.`, { subject: registry });
    }
    const lifetime = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_TOKEN_LIFETIME_S;
    const margin = Math.min(10_000, lifetime * 100); // renew a little early: 10 % of the lifetime, at most 10 s
    this.#tokens.set(tokenKey(target), { token, expiresAt: Date.now() + lifetime * 1000 - margin });
    return token;
  }
}

function tokenKey(target: AuthTarget): string {
  return `${target.registry}\n${scopesFor(target).join(' ')}`;
}

/** The token scopes an operation needs: pull (or pull,push) on its repository, plus pull on a mount source. */
function scopesFor(target: AuthTarget): string[] {
  if (target.repository === undefined) return target.scope === undefined ? [] : [target.scope];
  const scopes = [`repository:${target.repository}:${target.push ? 'pull,push' : 'pull'}`];
  if (target.mountFrom !== undefined && target.mountFrom !== target.repository) scopes.push(`repository:${target.mountFrom}:pull`);
  return scopes;
}
