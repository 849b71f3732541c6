import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { HASH_POOL_WORKER_SOURCE } from './hash-pool-worker-source.js';

type WorkerMessage = { t: 'hashed'; id: number } | { t: 'digest'; id: number; hex: string } | { t: 'error'; id: number; message: string };

/** One blob's hash, computed on a pool worker from shared buffers. */
export interface HashJob {
  /** Hashes the first `length` bytes of `buffer` next; resolves once they are hashed (the buffer may then be reused). */
  update(buffer: SharedArrayBuffer, length: number): Promise<void>;
  /** The hex digest of every byte given, once all of them are hashed. Ends the job. */
  digest(): Promise<string>;
  /** Drops the job (a request that went away); what it was given may still be read by the worker, so drop it too. */
  discard(): void;
}

/** Options for a {@link HashWorkerPool}. */
export interface HashWorkerPoolOptions {
  /** Most worker threads (default: one fewer than the cores, one to two); each is started when first needed. */
  size?: number;
}

interface PoolWorker {
  worker: Worker;
  jobs: Set<number>;
}

interface JobState {
  owner: PoolWorker;
  hashed: { resolve: () => void; reject: (error: Error) => void }[];
  digest?: { resolve: (hex: string) => void; reject: (error: Error) => void };
}

/**
 * Worker threads that hash served blobs off the main thread, which is left to read the media and write to the sockets:
 * each blob's chunks go, in order, to one worker (the one with the fewest blobs under way), as shared buffers, never
 * copied. A worker that fails fails the blobs it was hashing (never a wrong digest); the next blob starts a new one.
 */
export class HashWorkerPool {
  readonly #size: number;
  readonly #workers: PoolWorker[] = [];
  readonly #jobs = new Map<number, JobState>();
  #nextId = 1;
  #closed = false;

  constructor(options: HashWorkerPoolOptions = {}) {
    // one core is left to the thread that reads and writes; one worker hashes (sha256 with SHA-NI) faster than a loopback socket takes bytes
    this.#size = Math.max(1, options.size ?? Math.min(2, availableParallelism() - 1));
  }

  /** Starts hashing one blob with `algorithm` (`sha256`, `sha512`). */
  open(algorithm: 'sha256' | 'sha512'): HashJob {
    if (this.#closed) throw new Error('the hash worker pool is closed');
    const owner = this.#pick();
    const id = this.#nextId++;
    const state: JobState = { owner, hashed: [] };
    this.#jobs.set(id, state);
    // a worker keeps the process alive only while it has blobs to hash
    if (owner.jobs.size === 0) owner.worker.ref();
    owner.jobs.add(id);
    let ended = false;
    const post = (message: object): void => owner.worker.postMessage(message);
    return {
      update: (buffer, length) =>
        new Promise<void>((resolve, reject) => {
          if (ended || !this.#jobs.has(id)) return reject(new Error('the hash job has ended'));
          state.hashed.push({ resolve, reject });
          post({ t: 'update', id, algorithm, buffer, length });
        }),
      digest: () =>
        new Promise<string>((resolve, reject) => {
          if (ended || !this.#jobs.has(id)) return reject(new Error('the hash job has ended'));
          ended = true;
          state.digest = { resolve, reject };
          post({ t: 'digest', id, algorithm });
        }),
      discard: () => {
        if (!this.#jobs.has(id)) return;
        ended = true;
        this.#failJob(id, new Error('the hash job was discarded'));
        post({ t: 'discard', id });
      },
    };
  }

  /** Stops every worker; jobs under way fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const workers = this.#workers.splice(0);
    for (const w of workers) this.#failWorker(w, new Error('the server is closing'));
    await Promise.allSettled(workers.map((w) => w.worker.terminate()));
  }

  #pick(): PoolWorker {
    const idle = this.#workers.reduce<PoolWorker | undefined>((best, w) => (!best || w.jobs.size < best.jobs.size ? w : best), undefined);
    if (idle && (idle.jobs.size === 0 || this.#workers.length >= this.#size)) return idle;
    return this.#start();
  }

  #start(): PoolWorker {
    const worker = new Worker(HASH_POOL_WORKER_SOURCE, { eval: true });
    // an idle pool never keeps the process alive (see open and #end)
    worker.unref();
    const entry: PoolWorker = { worker, jobs: new Set() };
    this.#workers.push(entry);
    worker.on('message', (m: WorkerMessage) => this.#onMessage(m));
    const gone = (error: Error): void => {
      const at = this.#workers.indexOf(entry);
      if (at >= 0) this.#workers.splice(at, 1);
      this.#failWorker(entry, error);
    };
    worker.on('error', (error) => gone(error));
    worker.on('exit', (code) => gone(new Error(`a hash worker stopped (exit code ${code})`)));
    return entry;
  }

  #onMessage(m: WorkerMessage): void {
    const state = this.#jobs.get(m.id);
    if (!state) return;
    if (m.t === 'hashed') state.hashed.shift()?.resolve();
    else if (m.t === 'digest') {
      this.#end(m.id);
      state.digest?.resolve(m.hex);
    } else this.#failJob(m.id, new Error(`hash worker: ${m.message}`));
  }

  #end(id: number): void {
    const state = this.#jobs.get(id);
    if (!state) return;
    this.#jobs.delete(id);
    state.owner.jobs.delete(id);
    if (state.owner.jobs.size === 0) state.owner.worker.unref();
  }

  #failJob(id: number, error: Error): void {
    const state = this.#jobs.get(id);
    if (!state) return;
    this.#end(id);
    for (const h of state.hashed.splice(0)) h.reject(error);
    state.digest?.reject(error);
  }

  #failWorker(entry: PoolWorker, error: Error): void {
    for (const id of [...entry.jobs]) this.#failJob(id, error);
  }
}
