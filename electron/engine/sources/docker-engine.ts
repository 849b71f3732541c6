import type { Dispatcher } from 'undici';
import { Agent, request } from '../registry/undici-lite.js';
import { FerryError } from '../errors/ferry-error.js';

/** Where the Docker Engine API is reached: a unix socket or Windows named pipe, or a plain TCP address. */
export interface DockerEndpoint {
  /** The socket or named pipe (absent for `tcp://`). */
  socketPath?: string;
  /** The HTTP origin requests are made against. */
  origin: string;
  /** What to name in messages: the socket path or the address. */
  label: string;
}

/**
 * The Docker Engine endpoint as the docker CLI finds it: `DOCKER_HOST` (`unix:///path`, `npipe:////./pipe/NAME`,
 * `tcp://HOST:PORT` without TLS), else `/var/run/docker.sock` (`\\.\pipe\docker_engine` on Windows).
 */
export function dockerEndpoint(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): DockerEndpoint {
  const host = env.DOCKER_HOST?.trim();
  if (!host) {
    const socketPath = platform === 'win32' ? '\\\\.\\pipe\\docker_engine' : '/var/run/docker.sock';
    return { socketPath, origin: 'http://localhost', label: socketPath };
  }
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    return { socketPath, origin: 'http://localhost', label: socketPath };
  }
  if (host.startsWith('npipe://')) {
    const socketPath = host.slice('npipe://'.length).replace(/\//g, '\\');
    return { socketPath, origin: 'http://localhost', label: socketPath };
  }
  if (host.startsWith('tcp://')) {
    if (env.DOCKER_TLS_VERIFY) throw new FerryError('unsupported', `DOCKER_HOST ${host} asks for TLS (DOCKER_TLS_VERIFY); Ferry reaches a Docker Engine over its socket or plain TCP only.`, { subject: host });
    return { origin: `http://${host.slice('tcp://'.length).replace(/\/+$/, '')}`, label: host };
  }
  throw new FerryError('unsupported', `DOCKER_HOST ${host} is not a unix://, npipe:// or tcp:// address Ferry can reach.`, { subject: host });
}

/** A connection to a Docker Engine API (or podman's compatible service). */
export class DockerEngine {
  readonly #agent: Agent;

  constructor(readonly endpoint: DockerEndpoint) {
    // no body timeout: an image stream may pause while the engine assembles a layer
    this.#agent = new Agent({ ...(endpoint.socketPath ? { connect: { socketPath: endpoint.socketPath } } : {}), bodyTimeout: 0, headersTimeout: 120_000 });
  }

  /**
   * GETs an API path; a status other than 200 is an error naming `subject` (404 `not-found`, 401/403 `denied`) with
   * the engine's own message; no engine answering is a `network` error naming the socket.
   */
  async get(path: string, subject: string, signal?: AbortSignal): Promise<Dispatcher.ResponseData> {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(`${this.endpoint.origin}${path}`, { dispatcher: this.#agent, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (signal?.aborted) throw error;
      const code = (error as NodeJS.ErrnoException).code ?? (error as { cause?: NodeJS.ErrnoException }).cause?.code;
      throw new FerryError('network', `${subject}: no Docker Engine answers at ${this.endpoint.label} (${code ?? (error as Error).message}); is it running? DOCKER_HOST names another.`, { subject, cause: error });
    }
    if (response.statusCode === 200) return response;
    const text = (await response.body.text().catch(() => '')).slice(0, 2000);
    let message = text.trim();
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // not JSON: the text as it came
    }
    const code = response.statusCode === 404 ? 'not-found' : response.statusCode === 401 || response.statusCode === 403 ? 'denied' : 'network';
    throw new FerryError(code, `${subject}: the Docker Engine at ${this.endpoint.label} answered ${response.statusCode}${message ? `: ${message}` : ''}.`, { subject });
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.#agent.close();
  }
}
