import { createServer } from 'node:http';
import { listenOnLoopback } from './listen-loopback.js';

/** A plain-http blob server on 127.0.0.1 (foreign layers, redirect targets). */
export interface BlobServerHandle {
  /** `http://127.0.0.1:PORT` — blobs live at `${baseUrl}/${digest}`. */
  baseUrl: string;
  /** The served blobs; read on every request, so blobs may be added after start. */
  blobs: Map<string, Buffer>;
  /** Every request as `METHOD /path`, oldest first. */
  requests: string[];
  stop(): Promise<void>;
}

/** Starts a server answering `GET/HEAD /<digest>` from `blobs` (404 for unknown digests, 405 for other methods). */
export async function startBlobServer(blobs: Map<string, Buffer> = new Map()): Promise<BlobServerHandle> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    requests.push(`${req.method} ${path}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const blob = blobs.get(decodeURIComponent(path.slice(1)));
    if (!blob) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('blob unknown\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(blob.length) });
    res.end(req.method === 'HEAD' ? undefined : blob);
  });
  const port = await listenOnLoopback(server);
  let stopped: Promise<void> | undefined;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    blobs,
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
