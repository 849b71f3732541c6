import type { OnProgress, Phase } from '../../../shared/progress.js';

/**
 * Turns a stream of byte counts into throttled `bytes` progress events with rate and ETA.
 * Emits at most every `intervalMs` (about ten a second by default) and always on `finish()`.
 */
export class ProgressMeter {
  private done = 0;
  private lastEmit = 0;
  private readonly samples: { t: number; done: number }[] = [];

  constructor(
    private readonly phase: Phase,
    private readonly total: number,
    private readonly onProgress: OnProgress | undefined,
    private readonly intervalMs = 100,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Adds `bytes` to the count. */
  add(bytes: number): void {
    this.done += bytes;
    const t = this.now();
    if (t - this.lastEmit >= this.intervalMs) this.emit(t);
  }

  /** Bytes counted so far. */
  get count(): number {
    return this.done;
  }

  /** Emits a final event. */
  finish(): void {
    this.emit(this.now());
  }

  private emit(t: number): void {
    this.lastEmit = t;
    this.samples.push({ t, done: this.done });
    // a window of about five seconds smooths the rate without hiding a stall for long
    while (this.samples.length > 2 && t - this.samples[0]!.t > 5000) this.samples.shift();
    const first = this.samples[0]!;
    const seconds = (t - first.t) / 1000;
    const rate = seconds > 0 ? (this.done - first.done) / seconds : 0;
    const left = Math.max(0, this.total - this.done);
    const etaSeconds = left === 0 ? 0 : rate > 0 ? left / rate : null;
    this.onProgress?.({ kind: 'bytes', phase: this.phase, done: this.done, total: this.total, rate, etaSeconds });
  }
}
