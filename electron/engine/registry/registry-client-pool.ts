import { FerryError } from '../errors/ferry-error.js';
import { RegistryClient, type RegistryClientOptions } from './registry-client.js';

/** Options for {@link RegistryClientPool}. */
export interface RegistryClientPoolOptions {
  /** Clients kept at once (one per distinct set of options); the least recently used idle one is closed beyond this (default 4). */
  maxClients?: number;
  /** Makes a client (default `new RegistryClient(options)`). */
  create?: (options: RegistryClientOptions) => RegistryClient;
}

interface PoolEntry {
  client: RegistryClient;
  users: number;
  retired: boolean;
  closed?: Promise<void>;
  /** close() calls waiting for the last user to finish. */
  waiters: (() => void)[];
}

/** Stable ids for credential resolvers (functions), so two option sets with the same resolver share a key. */
const resolverIds = new WeakMap<object, number>();
let nextResolverId = 1;

/** The key of a set of client options: equal options (the same credential resolver included) give equal keys. */
export function registryOptionsKey(options: RegistryClientOptions): string {
  let credentials = 0;
  if (options.credentials) {
    credentials = resolverIds.get(options.credentials) ?? nextResolverId++;
    resolverIds.set(options.credentials, credentials);
  }
  return JSON.stringify([
    [...new Set((options.insecureRegistries ?? []).map((h) => h.toLowerCase()))].sort(),
    [...new Set(options.caFiles ?? [])].sort(),
    credentials,
    options.maxConcurrencyPerHost ?? null,
    options.retries ?? null,
    options.timeoutMs ?? null,
    options.lowSpeedLimit ?? null,
    options.lowSpeedTimeMs ?? null,
    options.userAgent ?? null,
    options.env ? 'env' : null,
  ]);
}

/**
 * Registry clients shared by many short calls of one session (the app's live image lookups), so bearer tokens, resolved
 * endpoints and keep-alive connections are reused instead of made anew per call. One client per distinct set of options;
 * a new `generation` (the settings changed: logins, CA files, insecure hosts) retires every client made before it. A
 * retired client is closed once the calls using it have finished.
 */
export class RegistryClientPool {
  readonly #entries = new Map<string, PoolEntry>();
  readonly #retired = new Set<PoolEntry>();
  readonly #maxClients: number;
  readonly #create: (options: RegistryClientOptions) => RegistryClient;
  #generation: string | number | undefined;
  #closed = false;

  constructor(options: RegistryClientPoolOptions = {}) {
    this.#maxClients = Math.max(1, options.maxClients ?? 4);
    this.#create = options.create ?? ((o) => new RegistryClient(o));
  }

  /** Runs `fn` with the pool's client for `options` (made on first use); `generation` changing retires every older client. */
  async use<T>(options: RegistryClientOptions, fn: (client: RegistryClient) => Promise<T>, generation?: string | number): Promise<T> {
    if (this.#closed) throw new FerryError('cancelled', 'Cancelled: the session is closing, so no registry is contacted any more.');
    if (generation !== this.#generation) {
      for (const entry of this.#entries.values()) this.#retire(entry);
      this.#entries.clear();
      this.#generation = generation;
    }
    const key = registryOptionsKey(options);
    let entry = this.#entries.get(key);
    if (entry) this.#entries.delete(key); // re-inserted below: most recently used last
    else entry = { client: this.#create(options), users: 0, retired: false, waiters: [] };
    this.#entries.set(key, entry);
    for (const [oldKey, old] of this.#entries) {
      if (this.#entries.size <= this.#maxClients) break;
      if (old === entry) continue;
      this.#entries.delete(oldKey);
      this.#retire(old);
    }
    entry.users++;
    try {
      return await fn(entry.client);
    } finally {
      entry.users--;
      if (entry.retired && entry.users === 0) void this.#closeEntry(entry);
    }
  }

  /** Clients currently kept (for tests and diagnostics). */
  get size(): number {
    return this.#entries.size;
  }

  /** Closes every client once the calls using it have finished; later `use` calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const entry of this.#entries.values()) this.#retire(entry);
    this.#entries.clear();
    await Promise.all([...this.#retired].map((e) => this.#closeEntry(e)));
  }

  #retire(entry: PoolEntry): void {
    entry.retired = true;
    this.#retired.add(entry);
    if (entry.users === 0) void this.#closeEntry(entry);
  }

  #closeEntry(entry: PoolEntry): Promise<void> {
    if (entry.users > 0) {
      // closed by use() when its last call finishes; wait for that
      return new Promise<void>((resolve) => entry.waiters.push(resolve));
    }
    entry.closed ??= entry.client
      .close()
      .catch(() => undefined)
      .finally(() => {
        this.#retired.delete(entry);
        for (const wake of entry.waiters.splice(0)) wake();
      });
    return entry.closed;
  }
}
