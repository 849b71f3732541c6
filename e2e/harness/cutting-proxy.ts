import { connect, createServer, type Socket } from 'node:net';
import { listenOnLoopback } from './listen-loopback.js';

/** A TCP proxy on 127.0.0.1 that can drop dead like a registry that stops mid-transfer. */
export interface CuttingProxyHandle {
  /** `127.0.0.1:PORT`. */
  host: string;
  /** Bytes sent from the target to clients so far. */
  readonly bytesDown: number;
  /** Resolves once the proxy has cut. */
  readonly cut: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Forwards TCP to `target` (`host:port`) until `cutAfterBytes` bytes have gone to clients, then
 * resets every connection and refuses new ones — deterministically, wherever the transfer is.
 * With `stall`, it instead stops forwarding and holds the connections open (a hung registry).
 */
export async function startCuttingProxy(target: string, options: { cutAfterBytes: number; stall?: boolean }): Promise<CuttingProxyHandle> {
  const [targetHost, targetPort] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const sockets = new Set<Socket>();
  let bytesDown = 0;
  let cutDone = false;
  let markCut: () => void = () => {};
  const cut = new Promise<void>((resolve) => (markCut = resolve));
  const server = createServer((client) => {
    if (cutDone) {
      // a hung registry accepts connections and never answers
      if (options.stall) sockets.add(client.on('error', () => {}));
      else client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    sockets.add(client).add(upstream);
    const forget = (): void => {
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', forget).on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (cutDone) return;
      const room = options.cutAfterBytes - bytesDown;
      if (chunk.length >= room) {
        client.write(chunk.subarray(0, room));
        bytesDown += room;
        doCut();
        return;
      }
      bytesDown += chunk.length;
      client.write(chunk);
    });
    upstream.on('end', () => client.end());
  });
  const doCut = (): void => {
    cutDone = true;
    if (!options.stall) {
      for (const s of sockets) s.resetAndDestroy();
      sockets.clear();
    }
    markCut();
  };
  const port = await listenOnLoopback(server);
  return {
    host: `127.0.0.1:${port}`,
    get bytesDown() {
      return bytesDown;
    },
    cut,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
