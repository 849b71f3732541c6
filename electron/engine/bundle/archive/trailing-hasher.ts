import { Worker } from 'node:worker_threads';
import type { PartSpec } from './parted-file.js';
import { HASH_WORKER_SOURCE } from './hash-worker-source.js';
import { takePrestartedArchiveHasher } from './prestart-archive-hasher.js';

/** The sha256 of the whole archive and of each part. */
export interface ArchiveDigests {
  sha256: string;
  parts: string[];
}

type WorkerMessage =
  | { type: 'hashed'; bytes: number }
  | { type: 'done'; sha256: string; parts: string[] }
  | { type: 'error'; message: string };

/**
 * Hashes the archive while it is still being written, trailing just behind the writers.
 *
 * Entries are written in parallel at their offsets; as soon as the bytes from the hasher's
 * cursor onward are complete, a worker thread reads them back (from the page cache: they were
 * just written) and feeds the whole-archive hash and the current part's hash. So the archive
 * and every part get their sha256 without a second pass once the last blob lands, and the
 * hashing runs on another core than the one receiving and verifying blobs.
 */
export class TrailingHasher {
  /** Region ends keyed by region start, for regions complete but not yet handed to the worker. */
  private readonly completed = new Map<number, number>();
  private cursor = 0;
  /** The end of the bytes handed to the worker (≤ cursor). */
  private sent = 0;
  /** A range is with the worker: further completions pile up into the next one (fewer, larger messages). */
  private busy = false;
  private readonly total: number;
  private worker: Worker | undefined;
  private result: Promise<ArchiveDigests> | undefined;

  constructor(
    private readonly parts: PartSpec[],
    private readonly onHashed: (bytes: number) => void = () => {},
  ) {
    const last = parts[parts.length - 1];
    this.total = last ? last.start + last.size : 0;
  }

  /** Starts the worker; `signal` stops it. */
  start(signal?: AbortSignal): Promise<ArchiveDigests> {
    if (this.result) return this.result;
    const workerData = { parts: this.parts.map((p) => ({ path: p.path, start: p.start, size: p.size })) };
    // one booted ahead of need (`ferry bundle` starts one while its modules load), else a new one
    const worker = takePrestartedArchiveHasher(workerData) ?? new Worker(HASH_WORKER_SOURCE, { eval: true, workerData });
    this.worker = worker;
    this.result = new Promise<ArchiveDigests>((resolve, reject) => {
      const onAbort = (): void => {
        void worker.terminate();
        reject(signal!.reason instanceof Error ? signal!.reason : new DOMException('This operation was aborted', 'AbortError'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = (fn: () => void): void => {
        signal?.removeEventListener('abort', onAbort);
        void worker.terminate();
        fn();
      };
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'hashed') {
          this.busy = false;
          this.onHashed(m.bytes);
          this.post();
        }
        else if (m.type === 'done') settle(() => resolve({ sha256: m.sha256, parts: m.parts }));
        else settle(() => reject(new Error(m.message)));
      });
      worker.on('error', (error) => settle(() => reject(error)));
    });
    // avoid an unhandled rejection while the writers are still busy; callers await `done()`
    this.result.catch(() => {});
    this.flush();
    return this.result;
  }

  /**
   * Marks [start, end) as fully written: regions may come in any order and any size (a whole entry, or each write as
   * it lands). Bytes are final once written: a region starting behind the bytes already hashed is refused (throws),
   * so a rewrite can never leave a sum that does not match the file.
   */
  complete(start: number, end: number): void {
    if (end <= start) return;
    if (start < this.cursor || this.completed.has(start)) {
      throw new Error(`archive hash: bytes at offset ${start} were written again after they were handed to the hasher`);
    }
    this.completed.set(start, end);
    this.flush();
  }

  /** The digests, once every region has been completed. */
  done(): Promise<ArchiveDigests> {
    const result = this.start();
    if (this.cursor !== this.total) {
      return Promise.reject(new Error(`archive hash: bytes from ${this.cursor} of ${this.total} were never completed`));
    }
    this.post(true);
    this.worker?.postMessage({ type: 'finish' });
    return result;
  }

  /** Stops the worker (after a failure elsewhere). */
  async stop(): Promise<void> {
    await this.worker?.terminate();
  }

  private flush(): void {
    if (!this.worker) return;
    let end = this.completed.get(this.cursor);
    while (end !== undefined) {
      this.completed.delete(this.cursor);
      this.cursor = end;
      end = this.completed.get(this.cursor);
    }
    this.post();
  }

  /** Hands the worker the bytes completed since the last range: when it is idle, or (`force`) at the end. */
  private post(force = false): void {
    if (!this.worker || this.cursor === this.sent || (this.busy && !force)) return;
    this.worker.postMessage({ type: 'range', start: this.sent, end: this.cursor });
    this.sent = this.cursor;
    this.busy = true;
  }
}
