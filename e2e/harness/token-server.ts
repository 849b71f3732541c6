import { createPrivateKey, randomUUID, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { listenOnLoopback } from './listen-loopback.js';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { makeSelfSigned } from './certs.js';

/** One access grant as it appears in the token's `access` claim. */
export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
}

/** What the token server saw and answered for one request. */
export interface TokenRequestRecord {
  method: string;
  /** Basic user name, or undefined for an anonymous request. */
  user: string | undefined;
  service: string | null;
  /** The raw scope strings asked for. */
  scopes: string[];
  /** HTTP status answered. */
  status: number;
  /** What the issued token grants (empty when refused). */
  granted: TokenAccess[];
}

/** Options for {@link startTokenServer}. */
export interface TokenServerOptions {
  /** Directory for the signing key/certificate (must exist). */
  dir: string;
  /** The registry's `auth.token.service`, put into `aud`. */
  service: string;
  /** The registry's `auth.token.issuer`, put into `iss`. */
  issuer: string;
  username: string;
  password: string;
  /** Whether anonymous requests get pull access (default true); when false they get an empty grant. */
  anonymousPull?: boolean;
  /** Token lifetime in seconds (default 300). */
  expiresIn?: number;
}

/** A running Docker-token-flow server. */
export interface TokenServerHandle {
  /** `http://127.0.0.1:PORT/token` — the registry's `auth.token.realm`. */
  realm: string;
  /** Self-signed certificate of the signing key: the registry's `auth.token.rootcertbundle`. */
  certFile: string;
  service: string;
  issuer: string;
  /** How many token requests (GET or POST /token) it has answered, including refused ones. */
  readonly tokenRequests: number;
  /** Every token request, oldest first. */
  readonly requests: readonly TokenRequestRecord[];
  stop(): Promise<void>;
}

/** Base64url without padding. */
function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Splits `repository:NAME:pull,push` into its parts (NAME may itself contain colons). */
function parseScope(scope: string): TokenAccess | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope.slice(last + 1).split(',').filter(Boolean),
  };
}

/** Reads a request body (for the OAuth2 POST form). */
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Signs an ES256 JWT whose header carries the signing certificate in `x5c` (what distribution 2.8 verifies). */
function signJwt(key: KeyObject, certDerB64: string, claims: object): string {
  const header = { typ: 'JWT', alg: 'ES256', x5c: [certDerB64] };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

/**
 * Starts a token server for distribution's `auth.token` on 127.0.0.1 (plain http).
 * GET /token?service=S&scope=repository:NAME:pull,push (Basic credentials optional) and the OAuth2
 * form POST /token (grant_type=password, username, password, service, scope) answer
 * `{ token, access_token, expires_in, issued_at }`. Valid credentials get every requested action,
 * anonymous requests get pull only (or nothing with anonymousPull: false), a wrong password gets 401.
 * Token claims follow distribution 2.8: `iss`, `sub`, `aud` (a string — 2.8 rejects an array),
 * `exp`, `nbf`, `iat`, `jti`, `access`.
 */
export async function startTokenServer(options: TokenServerOptions): Promise<TokenServerHandle> {
  const { certFile, keyFile } = await makeSelfSigned(options.dir, 'token-signing', '/CN=Ferry test token issuer');
  const key = createPrivateKey(await readFile(keyFile));
  const certDerB64 = new X509Certificate(await readFile(certFile)).raw.toString('base64');
  const anonymousPull = options.anonymousPull ?? true;
  const expiresIn = options.expiresIn ?? 300;
  const requests: TokenRequestRecord[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/token' || (req.method !== 'GET' && req.method !== 'POST')) {
      res.writeHead(404).end();
      return;
    }
    let params = url.searchParams;
    let user: string | undefined;
    let password: string | undefined;
    if (req.method === 'POST') {
      params = new URLSearchParams(await readBody(req));
      user = params.get('username') ?? undefined;
      password = params.get('password') ?? undefined;
    }
    const authHeader = req.headers.authorization ?? '';
    if (authHeader.toLowerCase().startsWith('basic ')) {
      const decoded = Buffer.from(authHeader.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      user = colon >= 0 ? decoded.slice(0, colon) : decoded;
      password = colon >= 0 ? decoded.slice(colon + 1) : '';
    }
    const scopes = params.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    const record: TokenRequestRecord = {
      method: req.method,
      user,
      service: params.get('service'),
      scopes,
      status: 200,
      granted: [],
    };
    requests.push(record);
    if (user !== undefined && (user !== options.username || password !== options.password)) {
      record.status = 401;
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="ferry-token"' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }));
      return;
    }
    const granted: TokenAccess[] = [];
    for (const scope of scopes) {
      const wanted = parseScope(scope);
      if (!wanted) continue;
      const actions = user !== undefined ? wanted.actions : anonymousPull && wanted.type === 'repository' ? wanted.actions.filter((a) => a === 'pull') : [];
      if (actions.length > 0) granted.push({ ...wanted, actions });
    }
    record.granted = granted;
    const now = Math.floor(Date.now() / 1000);
    const token = signJwt(key, certDerB64, {
      iss: options.issuer,
      sub: user ?? '',
      aud: options.service,
      exp: now + expiresIn,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access: granted,
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: expiresIn, issued_at: new Date(now * 1000).toISOString() }));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  const port = await listenOnLoopback(server);
  let stopped: Promise<void> | undefined;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certFile,
    service: options.service,
    issuer: options.issuer,
    get tokenRequests() {
      return requests.length;
    },
    requests,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
