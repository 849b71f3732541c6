import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiResponse, HostCommand } from '../../../shared/api-contract.js';
import type { SerializedError } from '../../../shared/errors.js';
import type { ApiHost } from '../api/api-host.js';
import { FerryError } from '../errors/ferry-error.js';
import { parseListenAddress } from '../serve/listen-address.js';
import { guardRequest, tokenCookieName, type GuardSettings } from './request-guard.js';
import { securityHeaders, serveStatic } from './static-files.js';

/** Options for {@link startWebHost}. */
export interface WebHostOptions {
  /** The API host the HTTP calls and the event socket are served from. */
  api: ApiHost;
  /** `127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT` or a bare port; loopback only (default `127.0.0.1:0`, a free port). */
  listen?: string;
  /** The built renderer (`dist/renderer`); without it only the API is served. */
  rendererDir?: string;
  /** The token (default: 32 random bytes, hex, new every launch). */
  token?: string;
}

/** A running web host. */
export interface WebHost {
  /** The base URL (`http://127.0.0.1:PORT/`). */
  url: string;
  /** The URL to open: the base URL with the token. */
  openUrl: string;
  token: string;
  port: number;
  /** Pushes a command to the open app windows (`open-bundle`); with none open yet, the first to connect gets it. */
  send(command: HostCommand): void;
  close(): Promise<void>;
}

/** The largest JSON body an API call may send. */
const MAX_BODY = 1024 * 1024;

function sendJson(res: ServerResponse, status: number, body: ApiResponse | { error: SerializedError }): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...securityHeaders(), 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function refuse(res: ServerResponse, status: number, code: SerializedError['code'], message: string): void {
  sendJson(res, status, { error: { code, message } });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new FerryError('bad-usage', `The request body is larger than ${MAX_BODY} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** HTTP status of a call's outcome. */
function statusOf(reason: 'unknown-channel' | 'bad-input' | 'failed', error: SerializedError): number {
  if (reason === 'unknown-channel') return 404;
  if (reason === 'bad-input') return 400;
  return error.code === 'internal' ? 500 : 422;
}

/**
 * Starts `ferry ui`'s web host: the built renderer (with a strict CSP), `POST /api/<channel>` (JSON)
 * and the job-event WebSocket `/api/events`, on loopback only. Every request and socket needs the
 * per-launch token (`Authorization: Bearer`, the cookie set on the first page load, or `?token=`):
 * 401 without, 403 wrong; a foreign Host or Origin is refused (403) against DNS rebinding.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const listen = parseListenAddress(options.listen ?? '127.0.0.1:0');
  if (!listen.loopback) {
    throw new FerryError('bad-usage', `ferry ui listens on loopback only (127.0.0.1, localhost or ::1), not ${listen.host}; reach it from elsewhere through an SSH tunnel.`, {
      subject: options.listen,
    });
  }
  const token = options.token ?? randomBytes(32).toString('hex');
  const listenName = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  const settings: GuardSettings = { token, port: 0, hostNames: [...new Set(['127.0.0.1', 'localhost', '[::1]', listenName])] };
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const verdict = guardRequest(req, url, settings);
    if (!verdict.ok) return refuse(res, verdict.status, verdict.status === 401 ? 'unauthorized' : 'denied', verdict.message);
    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return refuse(res, 405, 'bad-usage', 'API calls are POST requests with a JSON body.');
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return refuse(res, 415, 'bad-usage', 'API calls send JSON (Content-Type: application/json).');
      let input: unknown;
      try {
        const body = await readBody(req);
        input = body.trim() === '' ? {} : JSON.parse(body);
      } catch (error) {
        return refuse(res, 400, 'bad-usage', error instanceof FerryError ? error.message : 'The request body is not valid JSON.');
      }
      const outcome = await options.api.invoke(decodeURIComponent(url.pathname.slice('/api/'.length)), input);
      if (outcome.ok) return sendJson(res, 200, { result: outcome.result });
      return sendJson(res, statusOf(outcome.reason, outcome.error), { error: outcome.error });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'bad-usage', 'Only GET is served here.');
    if (verdict.tokenFromQuery) {
      // keep the token out of the address bar and history: a cookie from now on
      url.searchParams.delete('token');
      res.writeHead(303, {
        ...securityHeaders(),
        'Set-Cookie': `${tokenCookieName(settings.port)}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: `${url.pathname}${url.search}`,
      });
      res.end();
      return;
    }
    if (options.rendererDir && (await serveStatic(res, options.rendererDir, url.pathname))) return;
    refuse(res, 404, 'not-found', options.rendererDir ? `Nothing at ${url.pathname}.` : 'The app is not built (npm run build); only the API is served.');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) refuse(res, 500, 'internal', 'The web host failed to answer.');
      else res.destroy();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const verdict = url.pathname === '/api/events' ? guardRequest(req, url, settings) : ({ ok: false, status: 403, message: 'no socket here' } as const);
    if (!verdict.ok) {
      socket.end(`HTTP/1.1 ${verdict.status} ${verdict.status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      for (const command of queued.splice(0)) ws.send(JSON.stringify(command));
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => ws.terminate());
      ws.on('message', () => undefined); // the socket is one-way: host → renderer
    });
  });

  /** Commands sent before any window connected. */
  const queued: HostCommand[] = [];
  const unsubscribe = options.api.subscribe((message) => {
    const text = JSON.stringify(message);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new FerryError('io', `Cannot listen on ${listen.host}:${listen.port}: ${error.code ?? error.message}.`, { subject: `${listen.host}:${listen.port}` })),
    );
    server.listen(listen.port, listen.host === 'localhost' ? '127.0.0.1' : listen.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  settings.port = port;
  const hostName = listen.host === 'localhost' ? '127.0.0.1' : listenName;
  const url = `http://${hostName}:${port}/`;
  return {
    url,
    openUrl: `${url}?token=${token}`,
    token,
    port,
    send(command) {
      const open = [...sockets].filter((ws) => ws.readyState === ws.OPEN);
      if (open.length === 0) queued.push(command);
      for (const ws of open) ws.send(JSON.stringify(command));
    },
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
