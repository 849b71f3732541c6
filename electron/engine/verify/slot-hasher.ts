import { Worker } from 'node:worker_threads';
import { SLOT_HASH_WORKER_SOURCE } from './slot-hash-worker-source.js';

type WorkerMessage =
  | { type: 'free'; slot: number; file?: number; sha256?: string }
  | { type: 'digest'; file: number; sha256: string }
  | { type: 'joined'; file: number; at: number; identity?: string }
  | { type: 'prehash-idle' }
  | { type: 'error'; message: string };

/** How far the worker had hashed a file by itself when the caller joined it ({@link SlotHasher.join}). */
export interface Joined {
  /** Bytes from the start the worker read and hashed itself: the caller's first `at` bytes are not hashed again. */
  at: number;
  /** The file's identity (`dev:ino:size:mtime:ctime`) when the worker opened it; absent when `at` is 0. */
  identity?: string;
}

/** A file's identity as {@link Joined} records it, from a bigint fstat. */
export function fileIdentity(s: { dev: bigint; ino: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint }): string {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

/** A filled-in slot: a shared buffer the caller may read into, then submit or release. */
export interface Slot {
  index: number;
  buffer: Buffer;
}

/**
 * A pool of shared buffers and a worker thread that sha256-hashes files from them: the caller
 * reads a file's chunks into slots and submits them in order; the worker hashes each and frees
 * the slot. Memory is fixed at `slotCount × slotSize`; a caller that outruns the worker waits
 * for a free slot.
 */
export class SlotHasher {
  private readonly slots: Buffer[];
  private readonly free: number[];
  private readonly waiters: { resolve: (slot: Slot) => void; reject: (error: unknown) => void }[] = [];
  private readonly digests = new Map<number, { resolve: (sha256: string) => void; reject: (error: unknown) => void }>();
  private readonly worker: Worker;
  /** Slots submitted with `keep`: how many of the worker and the caller still hold each. */
  private readonly holds = new Map<number, number>();
  /** Paths handed to the worker to hash by itself. */
  private readonly prehashes = new Set<string>();
  /** Waiting for the worker to have nothing left to read by itself. */
  private idleWaiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  /** Files joined, waiting for the worker's answer. */
  private readonly joins = new Map<number, { resolve: (j: Joined) => void; reject: (error: unknown) => void }>();
  private failure: unknown;

  constructor(slotCount: number, slotSize: number, signal?: AbortSignal) {
    const shared = Array.from({ length: slotCount }, () => new SharedArrayBuffer(slotSize));
    this.slots = shared.map((sab) => Buffer.from(sab));
    this.free = this.slots.map((_, i) => i);
    this.worker = new Worker(SLOT_HASH_WORKER_SOURCE, { eval: true, workerData: { slots: shared } });
    this.worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'free') {
        this.unhold(m.slot);
        // the last chunk of a file (`finish`): its digest comes with the slot
        if (m.sha256 !== undefined) this.settle(m.file!, m.sha256);
      } else if (m.type === 'digest') this.settle(m.file, m.sha256);
      else if (m.type === 'prehash-idle') for (const w of this.idleWaiters.splice(0)) w.resolve();
      else if (m.type === 'joined') {
        this.joins.get(m.file)?.resolve(m.identity === undefined ? { at: m.at } : { at: m.at, identity: m.identity });
        this.joins.delete(m.file);
      }
      else this.fail(new Error(`hash worker: ${m.message}`));
    });
    this.worker.on('error', (error) => this.fail(error));
    if (signal) this.watch(signal);
  }

  private watch(signal: AbortSignal): void {
    const onAbort = (): void => this.fail(signal.reason instanceof Error ? signal.reason : new DOMException('This operation was aborted', 'AbortError'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    this.worker.once('exit', () => signal.removeEventListener('abort', onAbort));
  }

  /** Lets the process exit while this hasher waits unused (one started ahead of need). */
  unref(): void {
    this.worker.unref();
  }

  /** Takes over a hasher started ahead of need: false when its worker failed meanwhile (then make another). */
  adopt(signal?: AbortSignal): boolean {
    if (this.failure) return false;
    this.worker.ref();
    if (signal) this.watch(signal);
    return true;
  }

  /** Size of each slot. */
  get slotSize(): number {
    return this.slots[0]!.length;
  }

  /** A slot free right now, or undefined (then {@link acquire} waits for one): a read into it starts at once. */
  tryAcquire(): Slot | undefined {
    if (this.failure) return undefined;
    const index = this.free.pop();
    return index === undefined ? undefined : { index, buffer: this.slots[index]! };
  }

  /** A free slot, once one is free. */
  acquire(): Promise<Slot> {
    if (this.failure) return Promise.reject(this.failure);
    const index = this.free.pop();
    if (index !== undefined) return Promise.resolve({ index, buffer: this.slots[index]! });
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * Hands `length` bytes of a slot to the worker as the next bytes of `file`; the slot is freed once hashed
   * (with `keep`, once hashed and given back by the caller with {@link done}, e.g. after it was written out).
   */
  submit(file: number, slot: Slot, length: number, keep = false): void {
    if (this.failure) throw this.failure;
    if (keep) this.holds.set(slot.index, 2);
    this.worker.postMessage({ type: 'chunk', file, slot: slot.index, length });
  }

  /**
   * Like {@link submit} for the last chunk of `file`, answering the file's sha256 (hex) in the same reply that frees
   * the slot: one message each way for a file that fits one slot.
   */
  finish(file: number, slot: Slot, length: number, keep = false): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    const result = new Promise<string>((resolve, reject) => this.digests.set(file, { resolve, reject }));
    result.catch(() => {});
    if (keep) this.holds.set(slot.index, 2);
    this.worker.postMessage({ type: 'chunk', file, slot: slot.index, length, last: true });
    return result;
  }

  private settle(file: number, sha256: string): void {
    this.digests.get(file)?.resolve(sha256);
    this.digests.delete(file);
  }

  /** Gives back a slot submitted with `keep` (freed once the worker has hashed it too). */
  done(index: number): void {
    this.unhold(index);
  }

  private unhold(index: number): void {
    const held = this.holds.get(index);
    if (held === undefined) return this.release(index);
    if (held > 1) this.holds.set(index, held - 1);
    else {
      this.holds.delete(index);
      this.release(index);
    }
  }

  /** Gives back a slot that was not submitted. */
  release(index: number): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve({ index, buffer: this.slots[index]! });
    else this.free.push(index);
  }

  /**
   * Has the worker start hashing whole files by itself, reading them with its own buffer, in the order given (a path
   * given before is ignored): a verification names its archive files before it has read bundle.json, so they are
   * hashed on the idle core while the main thread is busy. Only a head start: the caller then {@link join}s each file
   * it reads. Links are not followed; only regular files are read. Resolves once the worker has nothing left to read
   * by itself (each file read whole, joined or given up); callers need not wait for it.
   */
  prehash(paths: string[]): Promise<void> {
    if (this.failure) {
      const failed = Promise.reject(this.failure);
      failed.catch(() => {});
      return failed;
    }
    const fresh = paths.filter((path) => !this.prehashes.has(path));
    for (const path of fresh) this.prehashes.add(path);
    const idle = new Promise<void>((resolve, reject) => this.idleWaiters.push({ resolve, reject }));
    idle.catch(() => {});
    // an empty batch still answers once the worker is idle
    this.worker.postMessage({ type: 'prehash', paths: fresh });
    return idle;
  }

  /**
   * Makes `path` the caller's `file` before its first chunk is submitted: the worker stops reading it by itself and
   * answers how far it got (`at`) and the identity of the file it read; the caller still submits every chunk from the
   * start, and the worker hashes only what lies past `at`. The caller must check that it read the same file (the same
   * identity when it opened it and when it was done), else the digest mixes two files. Undefined for a path never
   * handed to {@link prehash}: submit as usual.
   */
  join(file: number, path: string): Promise<Joined> | undefined {
    if (!this.prehashes.has(path)) return undefined;
    this.prehashes.delete(path);
    const result = this.failure ? Promise.reject(this.failure) : new Promise<Joined>((resolve, reject) => this.joins.set(file, { resolve, reject }));
    // awaited only once the file is read: no unhandled rejection meanwhile
    result.catch(() => {});
    if (!this.failure) this.worker.postMessage({ type: 'join', path, file });
    return result;
  }

  /** The sha256 (hex) of everything submitted for `file`. */
  digest(file: number): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    const result = new Promise<string>((resolve, reject) => this.digests.set(file, { resolve, reject }));
    this.worker.postMessage({ type: 'digest', file });
    // callers collect digests and await them later: no unhandled rejection meanwhile
    result.catch(() => {});
    return result;
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = error;
    for (const w of this.waiters.splice(0)) w.reject(error);
    for (const d of this.digests.values()) d.reject(error);
    this.digests.clear();
    for (const j of this.joins.values()) j.reject(error);
    this.joins.clear();
    for (const w of this.idleWaiters.splice(0)) w.reject(error);
    void this.worker.terminate();
  }
}
