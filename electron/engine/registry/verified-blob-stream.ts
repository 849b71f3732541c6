import type { Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { FerryError } from '../errors/ferry-error.js';
import { abortError, sleep } from './abort.js';
import { hashFor, type ParsedDigest } from '../oci/digest.js';
import { LowSpeedGuard, type LowSpeedLimit } from './low-speed-guard.js';
import { backoffDelay } from './retry-backoff.js';
import { classifyTransportError } from './transport-errors.js';

/** A body to continue a blob from: positioned at the requested offset, or at byte 0 when the server ignored Range. */
export interface ResumedBody {
  body: Readable;
  fromStart: boolean;
}

/** What a {@link VerifiedBlobStream} needs. */
export interface VerifiedBlobStreamOptions {
  /** The digest as given (`sha256:…`) and parsed. */
  digest: string;
  parsedDigest: ParsedDigest;
  size: number;
  /** The first response body, from byte 0. */
  body: Readable;
  /** Re-requests the blob from `offset` (with `Range: bytes=offset-`). Rejects with a user-facing error. */
  reopen: (offset: number) => Promise<ResumedBody>;
  /** How many times a broken body may be resumed. */
  retries: number;
  /** Where the blob comes from, for messages: `registry.example/team/app` or a URL host. */
  source: string;
  /** Error subject. */
  subject: string;
  /** Turns a transport error that can't be resumed into a user-facing error. */
  toError: (error: unknown) => Error;
  /**
   * The least rate a body must keep up (not counting time the reader holds it back); a slower body is dropped and
   * resumed like a broken one, and once the resumes are used up the stream fails with `error(observed bytes/s)`.
   */
  lowSpeed?: { limit: LowSpeedLimit; error: (bytesPerSecond: number) => Error };
  signal?: AbortSignal;
  /** Called once when the stream closes for any reason (ended, errored or destroyed). */
  onClose: () => void;
}

/**
 * The bytes of one blob, checked while they stream: more bytes than the size is an error right away; at the end a
 * short count ('size-mismatch') or a wrong hash ('digest-mismatch') errors the stream instead of ending it.
 * A connection failure mid-body, or a body slower than `lowSpeed`, resumes with `Range` (same hash continued) up to
 * `retries` times.
 */
export class VerifiedBlobStream extends Readable {
  readonly #options: VerifiedBlobStreamOptions;
  readonly #hash: Hash;
  #body: Readable | undefined;
  #received = 0;
  #skip = 0;
  #resumes = 0;
  readonly #onAbort: () => void;
  /** Fires when the stream is destroyed, to cut short a pending resume (made with the first resume: most blobs never need one). */
  #stopped: AbortController | undefined;
  readonly #guard: LowSpeedGuard | undefined;

  constructor(options: VerifiedBlobStreamOptions) {
    super({ highWaterMark: 64 * 1024 });
    this.#options = options;
    this.#hash = hashFor(options.parsedDigest);
    const lowSpeed = options.lowSpeed;
    this.#guard = lowSpeed ? new LowSpeedGuard(lowSpeed.limit, (rate) => this.#broken(lowSpeed.error(rate), true)) : undefined;
    this.#onAbort = () => this.destroy(abortError(options.signal));
    options.signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.once('close', () => {
      options.signal?.removeEventListener('abort', this.#onAbort);
      options.onClose();
    });
    this.#attach({ body: options.body, fromStart: true });
    if (options.signal?.aborted) queueMicrotask(this.#onAbort);
  }

  /** Bytes of the blob received and verified so far. */
  get bytesReceived(): number {
    return this.#received;
  }

  override _read(): void {
    if (!this.#body) return;
    this.#body.resume();
    this.#guard?.start();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#stopped?.abort();
    this.#detach(true);
    callback(error);
  }

  #attach(resumed: ResumedBody): void {
    const body = resumed.body;
    this.#body = body;
    this.#skip = resumed.fromStart ? this.#received : 0;
    body.on('data', this.#onData);
    body.once('end', this.#onEnd);
    body.once('error', this.#onError);
    this.#guard?.start();
  }

  #detach(destroy: boolean): void {
    const body = this.#body;
    this.#guard?.stop();
    if (!body) return;
    this.#body = undefined;
    body.off('data', this.#onData);
    body.off('end', this.#onEnd);
    body.off('error', this.#onError);
    body.on('error', () => undefined);
    if (destroy) body.destroy();
  }

  readonly #onData = (data: Buffer): void => {
    this.#guard?.record(data.length);
    let chunk = data;
    if (this.#skip > 0) {
      if (chunk.length <= this.#skip) {
        this.#skip -= chunk.length;
        return;
      }
      chunk = chunk.subarray(this.#skip);
      this.#skip = 0;
    }
    if (this.#received + chunk.length > this.#options.size) {
      this.#fail(
        'size-mismatch',
        `Blob ${this.#options.digest} from ${this.#options.source} is larger than the ${this.#options.size} bytes its descriptor says; the registry sent different content.`,
      );
      return;
    }
    this.#hash.update(chunk);
    this.#received += chunk.length;
    if (!this.push(chunk)) {
      // the reader holds back: time paused is not the sender's
      this.#body?.pause();
      this.#guard?.stop();
    }
  };

  readonly #onEnd = (): void => {
    this.#detach(false);
    if (this.destroyed) return;
    const { size, digest, parsedDigest, source } = this.#options;
    if (this.#received !== size) {
      this.#fail('size-mismatch', `Blob ${digest} from ${source} ended after ${this.#received} of ${size} bytes; the registry sent different content.`);
      return;
    }
    const actual = this.#hash.digest('hex');
    if (actual !== parsedDigest.hex) {
      this.#fail(
        'digest-mismatch',
        `Blob ${digest} from ${source} does not match its digest (it hashes to ${parsedDigest.algorithm}:${actual}); the registry or a proxy corrupted it.`,
      );
      return;
    }
    this.push(null);
  };

  readonly #onError = (error: Error): void => {
    this.#broken(error, !(error instanceof FerryError) && classifyTransportError(error).retryable);
  };

  /** The body broke off (or was too slow): resume it when `retryable` and resumes are left, else fail with `error`. */
  #broken(error: Error, retryable: boolean): void {
    this.#detach(true);
    if (this.destroyed) return;
    const signal = this.#options.signal;
    if (signal?.aborted) {
      this.destroy(abortError(signal));
      return;
    }
    if (retryable && this.#resumes < this.#options.retries) {
      this.#resumes++;
      void this.#resume();
      return;
    }
    this.destroy(error instanceof FerryError ? error : this.#options.toError(error));
  }

  async #resume(): Promise<void> {
    try {
      const signal = this.#options.signal;
      const stopped = (this.#stopped ??= new AbortController()).signal;
      await sleep(backoffDelay(this.#resumes - 1), signal ? AbortSignal.any([signal, stopped]) : stopped);
      if (this.destroyed) return;
      const resumed = await this.#options.reopen(this.#received);
      if (this.destroyed) {
        resumed.body.on('error', () => undefined).destroy();
        return;
      }
      this.#attach(resumed);
    } catch (error) {
      if (this.destroyed) return;
      const signal = this.#options.signal;
      this.destroy(signal?.aborted ? abortError(signal) : error instanceof Error ? error : new Error(String(error)));
    }
  }

  #fail(code: 'size-mismatch' | 'digest-mismatch', message: string): void {
    this.#detach(true);
    this.destroy(new FerryError(code, message, { subject: this.#options.subject }));
  }
}
