import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { JobControls } from '../bundle/create-bundle.js';
import { FerryError } from '../errors/ferry-error.js';
import { groupBundleDirs } from '../verify/group-bundle-dirs.js';
import { openVerifiedBundle, type VerifiedBundle } from '../verify/open-verified-bundle.js';
import type { VerifyBundleOptions } from '../verify/verify-bundle.js';
import { BundleSet, checkDeltasComplete, type BundleMember } from './bundle-set.js';
import { CheckedBlobReader } from './checked-blob-reader.js';
import { DEFAULT_LISTEN, parseListenAddress } from './listen-address.js';
import { createRegistryHandler, type ServedRequest } from './registry-handler.js';
import { addTagSchemaIndexes } from './tag-schema-indexes.js';
import type { VerifiedBlobs } from './verified-blobs.js';
import { buildRepositoryIndex, mergeRepositoryIndexes, type BundleIndex } from './repository-index.js';

/** What to serve and where, and what the bundle must prove first (as for import: trusted keys, approval, policy, cosign keys). */
export interface ServeBundleOptions extends VerifyBundleOptions {
  /** `ADDR:PORT` (default `127.0.0.1:5000`, loopback only); port 0 picks a free port. */
  listen?: string;
  /** Serve HTTPS with this certificate chain and key (PEM files). */
  tls?: { cert: string; key: string };
  /** Called once per finished request (method, path, status, bytes; never headers or credentials). */
  onRequest?: (request: ServedRequest) => void;
  /** The memo of blobs proven whole (default: a new one); a caller may give its own to read its counters or set its clock. */
  verifiedBlobs?: VerifiedBlobs;
}

/** A running bundle registry. */
export interface ServedBundle {
  /** `http://HOST:PORT` or `https://HOST:PORT`. */
  url: string;
  /** `HOST:PORT`, as image references name it. */
  host: string;
  /** The repositories served, sorted. */
  repositories: string[];
  /** The bundles served as one registry, in the order given (one, or a delta with its bases). */
  bundles: { id: string; created: string; dirs: string[]; delta: boolean }[];
  /** Every repository:tag two bundles give different digests, and which one is served (the newer bundle's). */
  conflicts: string[];
  /** Stops listening, drops open connections and closes the archives. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serves a bundle as a read-only OCI distribution registry straight from its archive parts (split
 * or spread over volumes; nothing reassembled): each image under its source repository path
 * without the registry host (`library/nginx`, `test/multi`). The whole bundle is verified first, as
 * `ferry verify` does (progress through `controls.onProgress`), and nothing listens unless it passes;
 * while serving, every manifest is checked again against its digest as it is read, every blob until it is proven
 * whole (then while its files keep their identity; see `VerifiedBlobs`), and a mismatch (the media changed) is
 * refused or cut off and reported as a `warning` progress event.
 *
 * Several bundles (`ferry serve DELTA BASE...`; folders are grouped by bundle id, so the volumes of a set stay one
 * bundle) are each verified and served as one registry: blobs and manifests looked up across all of them, repositories
 * and tags together, a repository:tag in two bundles resolved by the newer bundle (`created`) with a warning. A delta
 * whose blobs held offline are not in any other bundle given is refused, naming them. Aborting `controls.signal` closes it.
 */
export async function serveBundle(options: ServeBundleOptions, controls: JobControls = {}): Promise<ServedBundle> {
  const listen = parseListenAddress(options.listen ?? DEFAULT_LISTEN);
  const tls = options.tls ? await readTls(options.tls) : undefined;
  const { dirs, trustedKeys, requireApproval, policy, cosignKeys, onRequest } = options;
  const checks: VerifyBundleOptions = { dirs, ...(trustedKeys ? { trustedKeys } : {}), ...(requireApproval ? { requireApproval } : {}), ...(policy !== undefined ? { policy } : {}), ...(cosignKeys ? { cosignKeys } : {}) };
  // nothing listens before every bundle is proven (and trusted, signed, within policy when asked)
  const groups = await groupBundleDirs(dirs);
  const verified: VerifiedBundle[] = [];
  for (const group of groups) verified.push(await openVerifiedBundle({ ...checks, dirs: group, consequence: groups.length > 1 ? 'nothing is served' : 'it is not served' }, controls));
  const members: BundleMember[] = [];
  try {
    for (const bundle of verified) members.push({ manifest: bundle.manifest, dirs: bundle.dirs, archive: await bundle.openArchive(controls.signal ? { signal: controls.signal } : {}) });
  } catch (error) {
    await Promise.all(members.map((m) => m.archive.close()));
    throw error;
  }
  const archive = new BundleSet(members);
  const reader = new CheckedBlobReader({ archive, ...(options.verifiedBlobs ? { verified: options.verifiedBlobs } : {}) });
  let server: Server;
  try {
    // a delta is served only with every blob it relies on in another bundle given
    await checkDeltasComplete(members);
    const indexes: BundleIndex[] = [];
    for (const member of members) indexes.push({ id: member.manifest.id, created: member.manifest.created, index: await buildRepositoryIndex(member.manifest, archive) });
    const { index, conflicts } = mergeRepositoryIndexes(indexes);
    addTagSchemaIndexes(index);
    for (const message of conflicts) controls.onProgress?.({ kind: 'warning', message });
    const handler = createRegistryHandler({
      archive,
      index,
      reader,
      ...(onRequest ? { onRequest } : {}),
      onWarning: ({ message, subject }) => controls.onProgress?.({ kind: 'warning', message, subject }),
    });
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
        await reader.close();
        await archive.close();
      })();
      return closed;
    };
    const onAbort = (): void => void close();
    if (controls.signal?.aborted) onAbort();
    else controls.signal?.addEventListener('abort', onAbort, { once: true });
    const bundles = members.map((m) => ({ id: m.manifest.id, created: m.manifest.created, dirs: m.dirs, delta: (m.manifest.delta?.omitted.length ?? 0) > 0 }));
    return { url: `${tls ? 'https' : 'http'}://${host}`, host, repositories: [...index.repositories.keys()].sort(), bundles, conflicts, close };
  } catch (error) {
    await reader.close();
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
