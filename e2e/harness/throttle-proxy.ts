import { Agent, createServer, request, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listenOnLoopback } from './listen-loopback.js';

/** How a {@link ThrottleProxy} misbehaves with ranged requests (swap between tests). */
export interface ThrottleFaults {
  /** Drop the client's Range header, so the registry answers 200 with the whole blob. */
  ignoreRange?: boolean;
  /** Answer every ranged request with a Content-Range one byte off from what was sent (a proxy that mangles ranges). */
  wrongContentRange?: boolean;
  /** Reset the connection of the `nth` ranged request (1-based) after `bytes` body bytes. */
  cutRanged?: { nth: number; bytes: number };
  /** Flip the bits of body byte `at` of the `nth` ranged request (1-based). */
  corruptRanged?: { nth: number; at: number };
}

/** One request a {@link ThrottleProxy} saw: when it came and when its response ended (`performance.now()` of this process). */
export interface ThrottledRequest {
  method: string;
  url: string;
  /** The Range header, if any. */
  range: string | undefined;
  /** The client connection it came on (numbered from 1 in order of connecting). */
  connection: number;
  startedMs: number;
  /** Undefined while the response is still going out. */
  endedMs: number | undefined;
  /** Body bytes sent. */
  bytes: number;
}

/** A loopback HTTP proxy that caps every client connection's download rate and adds a round trip of latency. */
export interface ThrottleProxy {
  /** `127.0.0.1:PORT`. */
  host: string;
  /** The Range header of every ranged request seen, oldest first. */
  readonly ranges: string[];
  /** Requests seen (ranged or not). */
  readonly requests: number;
  /** The most ranged requests whose responses were in flight at once. */
  readonly peakConcurrentRanged: number;
  /** The most client connections open at once. */
  readonly peakConnections: number;
  /** Every request seen since the last reset, oldest first, with its timing (for timelines in benches). */
  readonly log: readonly ThrottledRequest[];
  faults: ThrottleFaults;
  /** Clears the counters and the faults. */
  reset(): void;
  stop(): Promise<void>;
}

/** What {@link startThrottleProxy} takes. */
export interface ThrottleProxyOptions {
  /** Per-connection cap in bytes per second (default 20 MB/s). */
  bytesPerSecond?: number;
  /** Added before each response's headers go out, in ms (default 20). */
  latencyMs?: number;
}

const SLICE = 16 * 1024;

/** Starts a throttling proxy in front of `target` (`http://host:port`); each client connection gets its own rate cap. */
export async function startThrottleProxy(target: string, options: ThrottleProxyOptions = {}): Promise<ThrottleProxy> {
  const rate = options.bytesPerSecond ?? 20_000_000;
  const latencyMs = options.latencyMs ?? 20;
  const upstreamUrl = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const sockets = new Set<Socket>();
  const nextFree = new WeakMap<Socket, number>();
  let ranges: string[] = [];
  let requests = 0;
  let inFlightRanged = 0;
  let peakConcurrentRanged = 0;
  let peakConnections = 0;
  let faults: ThrottleFaults = {};
  let log: ThrottledRequest[] = [];
  const connectionIds = new WeakMap<Socket, number>();
  let connections = 0;

  /** Writes `chunk` at the connection's rate; false when the client went away. */
  const throttled = async (res: ServerResponse, socket: Socket, chunk: Buffer): Promise<boolean> => {
    for (let at = 0; at < chunk.length; at += SLICE) {
      const slice = chunk.subarray(at, at + SLICE);
      // a small burst credit keeps the average at the cap although timers fire late
      const now = performance.now();
      const due = Math.max(now - 20, nextFree.get(socket) ?? now) + (slice.length / rate) * 1000;
      nextFree.set(socket, due);
      if (due - now > 5) await new Promise((resolve) => setTimeout(resolve, due - now));
      if (res.destroyed) return false;
      if (!res.write(slice)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off('drain', done).off('close', done);
            resolve();
          };
          res.on('drain', done).on('close', done);
        });
      }
    }
    return !res.destroyed;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    requests++;
    const socket = req.socket;
    const range = req.headers.range;
    const nth = range ? ranges.push(range) : 0;
    const entry: ThrottledRequest = { method: req.method ?? 'GET', url: req.url ?? '', range, connection: connectionIds.get(socket) ?? 0, startedMs: performance.now(), endedMs: undefined, bytes: 0 };
    log.push(entry);
    const active = faults;
    const headers: OutgoingHttpHeaders = { ...req.headers, host: upstreamUrl.host };
    if (range && active.ignoreRange) delete headers.range;
    if (range) {
      inFlightRanged++;
      peakConcurrentRanged = Math.max(peakConcurrentRanged, inFlightRanged);
    }
    try {
      await new Promise((resolve) => setTimeout(resolve, latencyMs));
      const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
        const out = request({ host: upstreamUrl.hostname, port: upstreamUrl.port, path: req.url, method: req.method, headers, agent }, resolve);
        out.on('error', reject);
        req.pipe(out);
      });
      const outHeaders: OutgoingHttpHeaders = { ...upstream.headers };
      delete outHeaders['transfer-encoding'];
      delete outHeaders.connection;
      delete outHeaders['keep-alive'];
      const sentRange = /^bytes (\d+)-(\d+)\/(\S+)$/.exec(String(upstream.headers['content-range'] ?? ''));
      if (active.wrongContentRange && sentRange) outHeaders['content-range'] = `bytes ${Number(sentRange[1]) + 1}-${Number(sentRange[2]) + 1}/${sentRange[3]}`;
      res.writeHead(upstream.statusCode ?? 502, outHeaders);
      const cut = nth > 0 && active.cutRanged?.nth === nth ? active.cutRanged.bytes : Infinity;
      const corrupt = nth > 0 && active.corruptRanged?.nth === nth ? active.corruptRanged.at : -1;
      let sent = 0;
      for await (const data of upstream) {
        let chunk = data as Buffer;
        if (corrupt >= sent && corrupt < sent + chunk.length) {
          chunk = Buffer.from(chunk);
          chunk[corrupt - sent] = chunk[corrupt - sent]! ^ 0xff;
        }
        if (sent + chunk.length >= cut) {
          await throttled(res, socket, chunk.subarray(0, cut - sent));
          socket.resetAndDestroy();
          upstream.destroy();
          return;
        }
        sent += chunk.length;
        entry.bytes = sent;
        if (!(await throttled(res, socket, chunk))) {
          upstream.destroy();
          return;
        }
      }
      res.end();
    } catch {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    } finally {
      entry.endedMs = performance.now();
      if (range) inFlightRanged--;
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    connectionIds.set(socket, ++connections);
    peakConnections = Math.max(peakConnections, sockets.size);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listenOnLoopback(server);
  return {
    host: `127.0.0.1:${port}`,
    get ranges() {
      return ranges;
    },
    get requests() {
      return requests;
    },
    get peakConcurrentRanged() {
      return peakConcurrentRanged;
    },
    get peakConnections() {
      return peakConnections;
    },
    get log() {
      return log;
    },
    get faults() {
      return faults;
    },
    set faults(value: ThrottleFaults) {
      faults = value;
    },
    reset() {
      ranges = [];
      requests = 0;
      peakConcurrentRanged = 0;
      peakConnections = sockets.size;
      faults = {};
      log = [];
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
