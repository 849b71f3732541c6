import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { BundleArchive } from '../bundle/bundle-archive.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { FerryError } from '../errors/ferry-error.js';
import { DEFAULT_LISTEN, parseListenAddress } from './listen-address.js';
import { createRegistryHandler, type ServedRequest } from './registry-handler.js';
import { buildRepositoryIndex } from './repository-index.js';

/** What to serve and where. */
export interface ServeBundleOptions {
  /** The bundle folder, or every volume of a multi-volume set. */
  dirs: string[];
  /** `ADDR:PORT` (default `127.0.0.1:5000`, loopback only); port 0 picks a free port. */
  listen?: string;
  /** Serve HTTPS with this certificate chain and key (PEM files). */
  tls?: { cert: string; key: string };
  /** Called once per finished request (method, path, status, bytes; never headers or credentials). */
  onRequest?: (request: ServedRequest) => void;
}

/** A running bundle registry. */
export interface ServedBundle {
  /** `http://HOST:PORT` or `https://HOST:PORT`. */
  url: string;
  /** `HOST:PORT`, as image references name it. */
  host: string;
  /** The repositories served, sorted. */
  repositories: string[];
  /** Stops listening, drops open connections and closes the archive. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serves a bundle as a read-only OCI distribution registry straight from its archive parts (split
 * or spread over volumes; nothing reassembled): each image under its source repository path
 * without the registry host (`library/nginx`, `test/multi`). Aborting `controls.signal` closes it.
 */
export async function serveBundle(options: ServeBundleOptions, controls: JobControls = {}): Promise<ServedBundle> {
  const listen = parseListenAddress(options.listen ?? DEFAULT_LISTEN);
  const tls = options.tls ? await readTls(options.tls) : undefined;
  const archive = await BundleArchive.open(options.dirs, { signal: controls.signal });
  let server: Server;
  try {
    const index = await buildRepositoryIndex(archive.manifest, archive);
    const handler = createRegistryHandler(archive, index, options.onRequest);
    try {
      server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createHttpServer(handler);
    } catch (error) {
      throw new FerryError('bad-usage', `The TLS certificate ${options.tls?.cert} and key ${options.tls?.key} cannot be used: ${(error as Error).message}.`, { subject: options.tls?.cert, cause: error });
    }
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(new FerryError('io', `Cannot listen on ${options.listen ?? DEFAULT_LISTEN}: ${error.code ?? error.message}.`, { subject: options.listen ?? DEFAULT_LISTEN, cause: error })),
      );
      server.listen(listen.port, listen.host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const hostPart = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
    const host = `${hostPart}:${port}`;
    let closed: Promise<void> | undefined;
    const close = (): Promise<void> => {
      closed ??= (async () => {
        controls.signal?.removeEventListener('abort', onAbort);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await archive.close();
      })();
      return closed;
    };
    const onAbort = (): void => void close();
    if (controls.signal?.aborted) onAbort();
    else controls.signal?.addEventListener('abort', onAbort, { once: true });
    return { url: `${tls ? 'https' : 'http'}://${host}`, host, repositories: [...index.repositories.keys()].sort(), close };
  } catch (error) {
    await archive.close();
    throw error;
  }
}

async function readTls(files: { cert: string; key: string }): Promise<{ cert: Buffer; key: Buffer }> {
  const read = async (path: string, what: string): Promise<Buffer> => {
    try {
      return await readFile(path);
    } catch (error) {
      throw new FerryError('bad-usage', `Cannot read the TLS ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`, { subject: path, cause: error });
    }
  };
  return { cert: await read(files.cert, 'certificate'), key: await read(files.key, 'key') };
}
