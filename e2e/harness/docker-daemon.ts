import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Agent, request } from 'undici';
import { spawnService, type ServiceProcess } from './service-process.js';
import { makeTempDir, removeDir } from './temp-dir.js';
import { waitUntil } from './wait-until.js';

/** A throwaway Docker Engine on its own socket (see {@link startDockerDaemon}). */
export interface DockerDaemonHandle {
  /** The unix socket of its API (`DOCKER_HOST=unix://…`). */
  socket: string;
  /** Loads a `docker save` archive through the API (`POST /images/load`): what `docker load` does. */
  load(tarPath: string): Promise<string>;
  /** Writes `docker save NAME...` to a file through the API (`GET /images/get?names=…`). */
  save(names: string[], tarPath: string): Promise<void>;
  /** GETs an API path, answering the status and body text. */
  get(path: string): Promise<{ status: number; body: string }>;
  output(): string;
  /** Stops the daemon (by its pid) and removes its folders. Idempotent. */
  stop(): Promise<void>;
}

/** Where the engine can be found: `dockerd` from Debian's docker.io (installed by scripts/install-test-tools.sh). */
const DOCKERD = ['/usr/sbin/dockerd', '/usr/bin/dockerd'].find((p) => existsSync(p));

/** Why no Docker Engine can run here, or undefined when one can be started. */
export function dockerDaemonUnavailable(): string | undefined {
  if (!DOCKERD) return 'dockerd is not installed (Debian docker.io; scripts/install-test-tools.sh installs it)';
  if (process.getuid?.() !== 0) return 'dockerd needs root, and the tests do not run as root here';
  return undefined;
}

/**
 * Starts `dockerd` on a socket of its own, with its own data and exec roots, no networking set up (no bridge, no
 * iptables) and overlay2 storage (vfs where overlay2 cannot mount): only its image API is used. Stopped by its pid.
 */
export async function startDockerDaemon(): Promise<DockerDaemonHandle> {
  if (!DOCKERD) throw new Error(dockerDaemonUnavailable());
  // a short base: unix socket paths are limited to 108 bytes
  const dir = await makeTempDir('fdd', '/tmp');
  const socket = join(dir, 'd.sock');
  let service: ServiceProcess | undefined;
  let lastError = '';
  for (const driver of ['overlay2', 'vfs']) {
    const data = join(dir, `data-${driver}`);
    const exec = join(dir, `exec-${driver}`);
    await mkdir(data);
    await mkdir(exec);
    const s = spawnService(DOCKERD, [
      '--data-root', data, '--exec-root', exec, '--pidfile', join(dir, `${driver}.pid`), '-H', `unix://${socket}`,
      '--iptables=false', '--ip6tables=false', '--bridge=none', `--storage-driver=${driver}`,
    ]);
    try {
      await waitUntil(async () => (await ping(socket)) && s.exited() === undefined, { what: `dockerd on ${socket}`, process: s, intervalMs: 200, timeoutMs: 60_000 });
      service = s;
      break;
    } catch (error) {
      lastError = `${(error as Error).message}\n${s.output().slice(-2000)}`;
      await s.stop(2_000);
    }
  }
  if (!service) {
    await removeDir(dir);
    throw new Error(`dockerd did not start: ${lastError}`);
  }
  const agent = new Agent({ connect: { socketPath: socket } });
  const running = service;
  let stopped: Promise<void> | undefined;
  return {
    socket,
    async load(tarPath) {
      const r = await request('http://localhost/images/load?quiet=1', { method: 'POST', dispatcher: agent, body: createReadStream(tarPath), headers: { 'content-type': 'application/x-tar' } });
      const text = await r.body.text();
      if (r.statusCode !== 200 || text.includes('"error"')) throw new Error(`POST /images/load answered ${r.statusCode}: ${text}`);
      return text;
    },
    async save(names, tarPath) {
      const query = names.map((n) => `names=${encodeURIComponent(n)}`).join('&');
      const r = await request(`http://localhost/images/get?${query}`, { dispatcher: agent });
      if (r.statusCode !== 200) throw new Error(`GET /images/get answered ${r.statusCode}: ${await r.body.text()}`);
      await pipeline(r.body, createWriteStream(tarPath));
    },
    async get(path) {
      const r = await request(`http://localhost${path}`, { dispatcher: agent });
      return { status: r.statusCode, body: await r.body.text() };
    },
    output: () => running.output(),
    stop() {
      stopped ??= (async () => {
        await agent.close();
        await running.stop(10_000);
        await removeDir(dir);
      })();
      return stopped;
    },
  };
}

async function ping(socket: string): Promise<boolean> {
  if (!existsSync(socket)) return false;
  const agent = new Agent({ connect: { socketPath: socket } });
  try {
    const r = await request('http://localhost/_ping', { dispatcher: agent, headersTimeout: 2_000, bodyTimeout: 2_000 });
    await r.body.text();
    return r.statusCode === 200;
  } catch {
    return false;
  } finally {
    await agent.close();
  }
}
