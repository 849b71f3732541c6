import type { Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { FerryError } from '../errors/ferry-error.js';
import { hashFor, type ParsedDigest } from '../oci/digest.js';
import { abortError, sleep } from './abort.js';
import type { ReleaseSlot } from './host-semaphore.js';
import { backoffDelay } from './retry-backoff.js';
import { classifyTransportError } from './transport-errors.js';

/** The most bytes one ranged request asks for (and so the most one stream buffers). */
export const MAX_RANGE_SEGMENT = 4 * 1024 * 1024;

/** The most bytes a range of a blob on a fast link (one stream enough) spans; its body is paused while the reader holds back. */
export const MAX_SOLO_SEGMENT = 8 * MAX_RANGE_SEGMENT;

/**
 * The most bytes a range of a slow-link blob spans while no host slot is idle for more ranges: short, since once slots
 * free up (other blobs finishing) the blob's next ranges spread over them, but the bytes of a range already asked for
 * still come at one stream's rate (a 32 MiB range took 1.7 s alone at 20 MB/s while seven slots sat idle).
 */
export const MAX_LONE_SEGMENT = 2 * MAX_RANGE_SEGMENT;

/** The segment size for a blob of `size` fetched by `streams` parallel requests: at most {@link MAX_RANGE_SEGMENT}. */
export function rangeSegmentSize(size: number, streams: number): number {
  return Math.max(1, Math.min(MAX_RANGE_SEGMENT, Math.ceil(size / Math.max(1, streams))));
}

/**
 * The bytes of the first range whose arrival decides whether the link needs parallel ranges, timed from its answer
 * (not its asking: a busy server's delay before answering would make a fast link look slow). A whole segment, since
 * bytes that piled up in the socket while this process was busy look fast, and the larger the sample the less they
 * count; a slow link is known long before the sample is in (as soon as the rate is out of reach).
 */
export const PROBE_BYTES = MAX_RANGE_SEGMENT;

/**
 * The most segments one blob holds at once (in flight, or arrived and waiting for the reader): `streams` in flight and
 * half as many again arrived, so a reader that falls behind for a moment (a burst of ranges arriving together) does not
 * hold the next ranges back from the link, while a reader that stays behind stops new ranges.
 */
export function maxHeldSegments(streams: number): number {
  const n = Math.max(1, streams);
  return n + Math.ceil(n / 2);
}

/** The smallest range the tail of a blob is split into (smaller ones would cost more in request latency than they save). */
export const MIN_TAIL_SEGMENT = 1024 * 1024;

/**
 * The span of the parallel range starting at `start`: a full segment, except in the last round (the streams each take
 * a segment per round), which is shared out evenly among the streams when it is short, so they finish together
 * instead of the last segments arriving alone at one stream's rate while the other streams idle.
 */
export function rangeSpanAt(start: number, size: number, segmentSize: number, streams: number): number {
  const round = segmentSize * Math.max(1, streams);
  const lastRound = Math.floor((size - 1) / round) * round;
  if (start < lastRound) return Math.min(segmentSize, size - start);
  const share = Math.max(Math.min(MIN_TAIL_SEGMENT, segmentSize), Math.ceil((size - lastRound) / Math.max(1, streams)));
  return Math.min(segmentSize, share, size - start);
}

/** What a {@link ParallelRangeStream} needs. */
export interface ParallelRangeStreamOptions {
  digest: string;
  parsedDigest: ParsedDigest;
  size: number;
  /** Ranged requests in flight at once. */
  streams: number;
  /** The answered first range (`bytes=0-…`): its body and the inclusive end it covers. */
  first: { body: Readable; end: number };
  /** Requests `bytes=start-end` (inclusive); resolves with a body checked to be exactly that range, else rejects. */
  fetchRange: (start: number, end: number, signal: AbortSignal) => Promise<Readable>;
  /** How many times each range may be resumed after its body broke off. */
  retries: number;
  /** Where the blob comes from, for messages. */
  source: string;
  subject: string;
  /** Turns a transport error that can't be resumed into a user-facing error. */
  toError: (error: unknown) => Error;
  signal?: AbortSignal;
  /**
   * Takes an idle host slot for one more range in flight (undefined: none is idle). Every range beyond the one the
   * blob's own slot covers holds such a slot until it has arrived, so ranges only ever use capacity no other blob waits
   * for, and all blobs together have at most one range in flight per slot (each blob holding at most
   * {@link maxHeldSegments} segments). Without it, `streams` run regardless.
   */
  takeSlot?: () => ReleaseSlot | undefined;
  /**
   * Measure the link first: no further range starts until the first {@link PROBE_BYTES} of the first range have
   * arrived, and if they came at least this fast (bytes per second) the rest follows as one stream (ranges of up to
   * {@link MAX_SOLO_SEGMENT}, one at a time). The parallel ranges start as soon as the rate is out of reach (a slow
   * link is known after PROBE_BYTES / oneStreamRate, about 62 ms at 64 MiB/s), while the first range goes on.
   * Without it, the parallel ranges start at once.
   */
  oneStreamRate?: number;
  /** The clock (milliseconds) the first range is timed with, read at each of its chunks while measuring; default `performance.now`. */
  now?: () => number;
  /** Called once when the stream closes for any reason. */
  onClose: () => void;
}

interface Segment {
  start: number;
  /** Inclusive. */
  end: number;
  chunks: Buffer[];
  got: number;
  /** Bytes received and not yet handed to the reader. */
  held: number;
  /** The extra host slot this range holds, released once it has arrived. */
  release: ReleaseSlot | undefined;
  done: boolean;
  resumes: number;
  body: Readable | undefined;
}

/**
 * The bytes of one blob fetched as up to `streams` parallel Range requests of at most {@link MAX_RANGE_SEGMENT} each,
 * handed on in order and hashed once over the whole. Each range must come back at exactly its length; a range that
 * breaks off resumes from where it stopped. Memory is bounded: a new range starts as soon as one has arrived, while at
 * most `streams` are in flight and {@link maxHeldSegments} held (in flight or waiting for the reader); a short last
 * round is shared out evenly ({@link rangeSpanAt}) so no range arrives alone at the end. Ranges beyond the first take
 * idle host slots only (`takeSlot`); when none is idle the blob goes on as one stream (ranges of up to
 * {@link MAX_LONE_SEGMENT}, paused while the reader holds back) and asks again for idle slots as its bytes arrive.
 * Ends only when the size and digest match.
 */
export class ParallelRangeStream extends Readable {
  readonly #options: ParallelRangeStreamOptions;
  readonly #hash: Hash;
  readonly #segmentSize: number;
  readonly #maxHeld: number;
  /** Segments in flight or waiting for the reader, oldest first. */
  readonly #active: Segment[] = [];
  #nextStart = 0;
  #sent = 0;
  #wanted = true;
  #peak = 0;
  readonly #stopped = new AbortController();
  readonly #onAbort: () => void;
  /** While the first range is measuring the link: when it started. */
  #probeStarted: number | undefined;
  /** The range measuring the link. */
  #probe: Segment | undefined;
  readonly #now: () => number;
  /** The link proved fast: the rest comes as one stream. */
  #solo = false;
  /** More ranges were due but no host slot was idle: the blob asks again as bytes arrive. */
  #starved = false;
  /** The segment held on the blob's own slot (undefined: the slot is free for the next range). */
  #onOwnSlot: Segment | undefined;

  constructor(options: ParallelRangeStreamOptions) {
    super({ highWaterMark: 64 * 1024 });
    this.#options = options;
    this.#hash = hashFor(options.parsedDigest);
    this.#segmentSize = rangeSegmentSize(options.size, options.streams);
    this.#maxHeld = maxHeldSegments(options.streams);
    this.#onAbort = () => this.destroy(abortError(options.signal));
    options.signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.once('close', () => {
      options.signal?.removeEventListener('abort', this.#onAbort);
      options.onClose();
    });
    const first = this.#newSegment(options.first.end);
    this.#onOwnSlot = first;
    this.#now = options.now ?? (() => performance.now());
    if (options.oneStreamRate !== undefined) {
      this.#probeStarted = this.#now();
      this.#probe = first;
    }
    this.#attach(first, options.first.body);
    this.#launch();
    if (options.signal?.aborted) queueMicrotask(this.#onAbort);
  }

  /** The most ranged requests that were in flight at once. */
  get peakStreams(): number {
    return this.#peak;
  }

  override _read(): void {
    this.#wanted = true;
    this.#pump();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#stopped.abort();
    for (const segment of this.#active) {
      this.#detach(segment);
      segment.release?.();
    }
    this.#active.length = 0;
    callback(error);
  }

  #newSegment(end: number, release?: ReleaseSlot): Segment {
    const segment: Segment = { start: this.#nextStart, end, chunks: [], got: 0, held: 0, done: false, resumes: 0, body: undefined, release };
    this.#nextStart = end + 1;
    this.#active.push(segment);
    return segment;
  }

  /**
   * Starts ranges until `streams` are in flight, {@link maxHeldSegments} are held or the blob is covered. One range in
   * flight at a time rides on the blob's own slot (the next range takes it over once the range on it has arrived);
   * each further one needs an idle slot, held until its range has arrived. With none idle and nothing in flight, a
   * lone range spans up to {@link MAX_LONE_SEGMENT}; wanting a slot, the blob asks again as its bytes arrive.
   */
  #launch(): void {
    const { size, streams, takeSlot } = this.#options;
    // the first range is still measuring the link
    if (this.#probeStarted !== undefined) return;
    this.#starved = false;
    while (!this.destroyed && this.#nextStart < size && this.#active.length < this.#maxHeld) {
      const inFlight = this.#inFlight();
      if (inFlight >= streams) break;
      let release: ReleaseSlot | undefined;
      let onOwnSlot = false;
      let span = rangeSpanAt(this.#nextStart, size, this.#segmentSize, streams);
      if (this.#solo) {
        // one stream: the next range starts once the one before has arrived (so one is always under way)
        if (inFlight > 0) break;
        span = MAX_SOLO_SEGMENT;
      } else if (takeSlot) {
        if (this.#onOwnSlot === undefined) {
          // the blob's own slot is free (the range on it has arrived): this range rides on it
          onOwnSlot = true;
          if (inFlight === 0) {
            // alone: with no idle slot for more, one longer range (the idle one taken here was only a probe)
            const idle = takeSlot();
            if (idle) idle();
            else {
              span = MAX_LONE_SEGMENT;
              this.#starved = true;
            }
          }
        } else {
          release = takeSlot();
          if (!release) {
            this.#starved = true;
            break;
          }
        }
      }
      const end = Math.min(size, this.#nextStart + span) - 1;
      const segment = this.#newSegment(end, release);
      if (onOwnSlot) this.#onOwnSlot = segment;
      void this.#fetch(segment);
    }
    this.#peak = Math.max(this.#peak, this.#inFlight());
  }

  /** Ranges asked for and not yet arrived whole. */
  #inFlight(): number {
    let count = 0;
    for (const segment of this.#active) if (!segment.done) count++;
    return count;
  }

  async #fetch(segment: Segment): Promise<void> {
    try {
      if (segment.resumes > 0) await sleep(backoffDelay(segment.resumes - 1), this.#stopped.signal);
      if (this.destroyed) return;
      const body = await this.#options.fetchRange(segment.start + segment.got, segment.end, this.#stopped.signal);
      if (this.destroyed) {
        body.on('error', () => undefined).destroy();
        return;
      }
      this.#attach(segment, body);
    } catch (error) {
      this.#broken(segment, error);
    }
  }

  #attach(segment: Segment, body: Readable): void {
    segment.body = body;
    const length = segment.end - segment.start + 1;
    body.on('data', (data: Buffer) => {
      if (segment.body !== body || this.destroyed) return;
      if (segment.got + data.length > length) {
        this.#fail('size-mismatch', `Blob ${this.#options.digest} from ${this.#options.source} sent more than the ${length} bytes asked for at offset ${segment.start}; the registry sent different content.`);
        return;
      }
      segment.chunks.push(data);
      segment.got += data.length;
      segment.held += data.length;
      if (segment === this.#probe) this.#measure(segment, false);
      else if (this.#starved) this.#launch();
      // only a solo range can outgrow a segment: it waits for the reader instead of piling up in memory
      if (segment.held >= MAX_RANGE_SEGMENT && length > MAX_RANGE_SEGMENT) body.pause();
      if (segment === this.#active[0]) this.#pump();
    });
    body.once('end', () => {
      if (segment.body !== body) return;
      this.#detach(segment);
      if (segment.got < length) {
        this.#broken(segment, Object.assign(new Error(`range ended after ${segment.got} of ${length} bytes`), { code: 'ECONNRESET' }));
        return;
      }
      segment.done = true;
      // arrived: its slot is free for the next range while its bytes wait for the reader
      segment.release?.();
      segment.release = undefined;
      if (segment === this.#onOwnSlot) this.#onOwnSlot = undefined;
      if (segment === this.#probe) this.#measure(segment, true);
      this.#launch();
      this.#pump();
    });
    body.once('error', (error: Error) => {
      if (segment.body !== body) return;
      this.#detach(segment);
      this.#broken(segment, error);
    });
  }

  /**
   * Times the first range: once {@link PROBE_BYTES} of it (or all of it) arrived, a rate of at least `oneStreamRate`
   * means one stream is enough; as soon as that rate is out of reach, the parallel ranges start.
   */
  #measure(segment: Segment, ended: boolean): void {
    const started = this.#probeStarted;
    if (started === undefined) return;
    const rate = this.#options.oneStreamRate ?? Infinity;
    const sample = Math.min(PROBE_BYTES, segment.end - segment.start + 1);
    const elapsedMs = this.#now() - started;
    if (ended || segment.got >= sample) this.#solo = segment.got * 1000 >= rate * elapsedMs;
    else if (rate * elapsedMs < sample * 1000) return;
    // decided: the rest comes as one stream, or (the rate is out of reach) as parallel ranges from now on
    this.#probeStarted = undefined;
    this.#probe = undefined;
    if (!ended) this.#launch();
  }

  #detach(segment: Segment): void {
    const body = segment.body;
    if (!body) return;
    segment.body = undefined;
    body.removeAllListeners('data');
    body.on('error', () => undefined);
    body.destroy();
  }

  /** A range broke off: resume it from where it stopped while resumes are left, else fail the blob. */
  #broken(segment: Segment, error: unknown): void {
    if (this.destroyed) return;
    const signal = this.#options.signal;
    if (signal?.aborted) {
      this.destroy(abortError(signal));
      return;
    }
    const retryable = error instanceof Error && !(error instanceof FerryError) && classifyTransportError(error).retryable;
    if (retryable && segment.resumes < this.#options.retries) {
      segment.resumes++;
      void this.#fetch(segment);
      return;
    }
    this.destroy(error instanceof FerryError ? error : this.#options.toError(error));
  }

  /** Hands on the oldest segment's bytes while the reader wants them; finishes when the whole blob went out. */
  #pump(): void {
    while (this.#wanted && !this.destroyed) {
      const head = this.#active[0];
      if (!head) {
        if (this.#nextStart >= this.#options.size) this.#finish();
        return;
      }
      const chunk = head.chunks.shift();
      if (chunk) {
        head.held -= chunk.length;
        if (head.body?.isPaused() && head.held < MAX_RANGE_SEGMENT / 2) head.body.resume();
        this.#hash.update(chunk);
        this.#sent += chunk.length;
        this.#wanted = this.push(chunk);
        continue;
      }
      if (!head.done) return;
      this.#active.shift();
      this.#launch();
    }
  }

  #finish(): void {
    const { size, digest, parsedDigest, source } = this.#options;
    if (this.#sent !== size) {
      this.#fail('size-mismatch', `Blob ${digest} from ${source} came to ${this.#sent} of ${size} bytes; the registry sent different content.`);
      return;
    }
    const actual = this.#hash.digest('hex');
    if (actual !== parsedDigest.hex) {
      this.#fail('digest-mismatch', `Blob ${digest} from ${source} does not match its digest (it hashes to ${parsedDigest.algorithm}:${actual}); the registry or a proxy corrupted it.`);
      return;
    }
    this.#wanted = false;
    this.push(null);
  }

  #fail(code: 'size-mismatch' | 'digest-mismatch', message: string): void {
    this.destroy(new FerryError(code, message, { subject: this.#options.subject }));
  }
}
