import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What the guard needs to know about the running web host. */
export interface GuardSettings {
  /** The per-launch token (64 hex characters). */
  token: string;
  /** The port listened on (the Host header must name it). */
  port: number;
  /** The host names the Host header may carry (`127.0.0.1`, `localhost`, `[::1]`). */
  hostNames: string[];
}

/** How a request fared: allowed (and whether its token came in the query), or refused with a status. */
export type GuardVerdict = { ok: true; tokenFromQuery: boolean } | { ok: false; status: 401 | 403; message: string };

/** The name of the cookie holding the token (per port: cookies are shared across ports of one host). */
export function tokenCookieName(port: number): string {
  return `ferry-token-${port}`;
}

/** The token a request carries: `Authorization: Bearer`, then `?token=`, then the cookie. */
function presentedToken(req: IncomingMessage, url: URL, port: number): { token: string; fromQuery: boolean } | undefined {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    return { token: m?.[1] ?? '', fromQuery: false };
  }
  // the query first: a stale cookie from an earlier launch on the same port must not hide a fresh URL's token
  const query = url.searchParams.get('token');
  if (query !== null) return { token: query, fromQuery: true };
  const name = tokenCookieName(port);
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return { token: v.join('='), fromQuery: false };
  }
  return undefined;
}

/** Compares tokens in constant time. */
function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Checks a request (or WebSocket upgrade) to the web host: the Host header must be one of the
 * loopback names with our port and the Origin, when present, the same (DNS rebinding: 403); the
 * token is required (none: 401, wrong: 403).
 */
export function guardRequest(req: IncomingMessage, url: URL, settings: GuardSettings): GuardVerdict {
  const allowed = settings.hostNames.map((h) => `${h}:${settings.port}`);
  const host = (req.headers.host ?? '').toLowerCase();
  if (!allowed.includes(host)) return { ok: false, status: 403, message: `Refused: Host "${host.slice(0, 100)}" is not this Ferry UI.` };
  const origin = req.headers.origin;
  if (origin !== undefined && !allowed.some((a) => origin.toLowerCase() === `http://${a}`)) {
    return { ok: false, status: 403, message: `Refused: a page from ${origin.slice(0, 100)} may not use this Ferry UI.` };
  }
  const presented = presentedToken(req, url, settings.port);
  if (presented === undefined) return { ok: false, status: 401, message: 'This Ferry UI needs the token printed by `ferry ui`: open the URL it printed.' };
  if (!sameToken(presented.token, settings.token)) return { ok: false, status: 403, message: 'Wrong token: open the URL `ferry ui` printed for this launch.' };
  return { ok: true, tokenFromQuery: presented.fromQuery };
}
