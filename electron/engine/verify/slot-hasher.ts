import { Worker } from 'node:worker_threads';
import { SLOT_HASH_WORKER_SOURCE } from './slot-hash-worker-source.js';

type WorkerMessage =
  | { type: 'free'; slot: number; file?: number; sha256?: string }
  | { type: 'digest'; file: number; sha256: string }
  | { type: 'error'; message: string };

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
    void this.worker.terminate();
  }
}
