import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';

/** One request the proxy saw. */
export interface RecordedRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: IncomingHttpHeaders;
}

/** How {@link FaultProxy} forwards one request, and how it misbehaves while doing so. */
export interface ForwardOptions {
  /** Drop the client's Range header (the registry then answers 200 with the whole blob). */
  dropRange?: boolean;
  /** Destroy the connection after this many body bytes (a reset mid-body). */
  cutAfter?: number;
  /** Stop sending after this many body bytes and hold the connection open (a stall). */
  stallAfter?: number;
  /** Flip the bits of the body byte at this index. */
  corruptAt?: number;
  /** Send the body slowly: `bytes` every `everyMs` ms (a registry that drips), after the first `after` bytes (default 0) at full speed. */
  drip?: { bytes: number; everyMs: number; after?: number };
  /** Response headers to replace. */
  setHeaders?: Record<string, string>;
}

/** Decides what to do with a request: answer it itself, or call forward(); `hit` counts requests for the same method+path. */
export type FaultHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  ctx: { hit: number; path: string; forward: (options?: ForwardOptions) => Promise<void> },
) => Promise<void> | void;

/** A loopback HTTP server in front of a real registry that forwards requests and misbehaves on purpose. */
export interface FaultProxy {
  /** `127.0.0.1:PORT`. */
  host: string;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Every request, oldest first. */
  requests: RecordedRequest[];
  /** The current handler; undefined forwards everything unchanged. Swap it between tests. */
  handler: FaultHandler | undefined;
  /** Clears the request log and the hit counters. */
  reset(): void;
  stop(): Promise<void>;
}

/** Writes `chunk` (body bytes from offset `sent`) at the drip rate; false when the client went away. */
async function dripOut(res: ServerResponse, chunk: Buffer, sent: number, drip: { bytes: number; everyMs: number; after?: number }): Promise<boolean> {
  let at = 0;
  const fast = Math.max(0, (drip.after ?? 0) - sent);
  if (fast > 0) {
    at = Math.min(fast, chunk.length);
    res.write(chunk.subarray(0, at));
  }
  while (at < chunk.length) {
    await new Promise((resolve) => setTimeout(resolve, drip.everyMs));
    if (res.destroyed) return false;
    const piece = chunk.subarray(at, at + drip.bytes);
    at += piece.length;
    res.write(piece);
  }
  return !res.destroyed;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'host']);

/** Starts a fault proxy on 127.0.0.1 forwarding to `upstream` (`http(s)://host:port`); no upstream means the handler answers everything. */
export async function startFaultProxy(upstream?: string, dispatcher?: Dispatcher): Promise<FaultProxy> {
  const ownDispatcher = dispatcher ? undefined : new Agent();
  const sockets = new Set<Socket>();
  const hits = new Map<string, number>();
  const proxy: FaultProxy = {
    host: '',
    url: '',
    requests: [],
    handler: undefined,
    reset() {
      proxy.requests.length = 0;
      hits.clear();
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ownDispatcher?.destroy();
    },
  };

  const forward = async (req: IncomingMessage, res: ServerResponse, body: Buffer, options: ForwardOptions = {}): Promise<void> => {
    if (!upstream) throw new Error('fault proxy: nothing to forward to');
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name)) continue;
      if (options.dropRange && name === 'range') continue;
      headers[name] = value;
    }
    const answer = await request(`${upstream}${req.url ?? '/'}`, {
      method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
      headers,
      ...(body.length > 0 ? { body } : {}),
      dispatcher: dispatcher ?? ownDispatcher!,
    });
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
    }
    Object.assign(out, options.setHeaders ?? {});
    res.writeHead(answer.statusCode, out);
    let sent = 0;
    for await (const data of answer.body) {
      const chunk = Buffer.from(data as Buffer);
      if (options.corruptAt !== undefined && options.corruptAt >= sent && options.corruptAt < sent + chunk.length) {
        chunk[options.corruptAt - sent] = chunk[options.corruptAt - sent]! ^ 0xff;
      }
      const limit = options.cutAfter ?? options.stallAfter;
      if (limit !== undefined && sent + chunk.length >= limit) {
        const part = chunk.subarray(0, limit - sent);
        await new Promise<void>((resolve) => res.write(part, () => resolve()));
        answer.body.destroy();
        if (options.cutAfter !== undefined) res.socket?.destroy();
        return; // stalled: the socket stays open until the client gives up or stop()
      }
      if (options.drip) {
        if (!(await dripOut(res, chunk, sent, options.drip))) {
          answer.body.destroy();
          return;
        }
        sent += chunk.length;
        continue;
      }
      sent += chunk.length;
      if (!res.write(chunk)) {
        // Wait for the client to take more, or give up when it went away.
        const goOn = res.destroyed ? false : await new Promise<boolean>((resolve) => {
          const onDrain = (): void => finish(true);
          const onClose = (): void => finish(false);
          const finish = (value: boolean): void => {
            res.off('drain', onDrain);
            res.off('close', onClose);
            resolve(value);
          };
          res.on('drain', onDrain);
          res.on('close', onClose);
        });
        if (!goOn) {
          answer.body.destroy();
          return;
        }
      }
    }
    res.end();
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      proxy.requests.push({ method: req.method ?? 'GET', path, headers: req.headers });
      const key = `${req.method} ${path.split('?')[0]}`;
      const hit = (hits.get(key) ?? 0) + 1;
      hits.set(key, hit);
      const body = Buffer.concat(chunks);
      const run = async (): Promise<void> => {
        const ctx = { hit, path, forward: (options?: ForwardOptions) => forward(req, res, body, options) };
        if (proxy.handler) await proxy.handler(req, res, ctx);
        else await ctx.forward();
      };
      run().catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(502).end(String(error));
        else res.destroy();
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  proxy.host = `127.0.0.1:${port}`;
  proxy.url = `http://127.0.0.1:${port}`;
  return proxy;
}
