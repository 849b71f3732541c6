/**
 * A minimum transfer rate for response bodies (curl's `--speed-limit` / `--speed-time`): a body that delivers fewer
 * than `bytesPerSecond × windowMs` bytes within a window is too slow, whatever its idle timeout says (a registry that
 * drips one byte every few seconds never goes idle).
 */
import { FerryError } from '../errors/ferry-error.js';

/** A minimum rate: at least `bytesPerSecond` averaged over every `windowMs`; 0 in either turns the guard off. */
export interface LowSpeedLimit {
  bytesPerSecond: number;
  windowMs: number;
}

/** The least rate by default: 1 KiB/s. */
export const DEFAULT_LOW_SPEED_LIMIT = 1024;

/** The window the rate is averaged over by default: 30 s. */
export const DEFAULT_LOW_SPEED_TIME_MS = 30_000;

/** The timers a {@link LowSpeedGuard} runs on (the global ones by default, looked up on every call so mock timers apply). */
export interface GuardTimers {
  setInterval: (callback: () => void, ms: number) => unknown;
  clearInterval: (handle: unknown) => void;
}

const systemTimers: GuardTimers = {
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

/** Slices per window: the window slides by a tenth of its length. */
const SLICES = 10;

/**
 * Watches one transfer at a time: {@link start} when bytes are wanted, {@link record} what arrives, {@link stop} while
 * the reader applies backpressure or between attempts. Every tenth of a window it sums the bytes of the last whole
 * window watched; below the minimum it stops and calls `onTooSlow` with the observed rate (bytes per second), once per
 * watch.
 * A window starts afresh at every {@link start}, so time spent stopped never counts against the sender.
 */
export class LowSpeedGuard {
  readonly #limit: LowSpeedLimit;
  readonly #onTooSlow: (bytesPerSecond: number) => void;
  readonly #timers: GuardTimers;
  /** Bytes of each finished slice of the current watch, oldest first (at most {@link SLICES}). */
  #slices: number[] = [];
  #current = 0;
  #timer: unknown;
  #tripped = false;

  constructor(limit: LowSpeedLimit, onTooSlow: (bytesPerSecond: number) => void, timers: GuardTimers = systemTimers) {
    this.#limit = limit;
    this.#onTooSlow = onTooSlow;
    this.#timers = timers;
  }

  /** False when the limit turns the guard off (a zero, negative or non-finite rate or window). */
  get enabled(): boolean {
    return isEnabled(this.#limit);
  }

  /** True when the guard found a window below the minimum (since the last {@link start}). */
  get tripped(): boolean {
    return this.#tripped;
  }

  /** True while the guard is watching. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Starts watching with a fresh window (after a trip too: a new attempt); does nothing when already watching or turned off. */
  start(): void {
    if (this.#timer !== undefined || !this.enabled) return;
    this.#tripped = false;
    this.#slices = [];
    this.#current = 0;
    // a tick of an interval already cleared (some timer implementations fire once more) is ignored
    const timer: unknown = this.#timers.setInterval(() => {
      if (this.#timer === timer) this.#tick();
    }, this.#limit.windowMs / SLICES);
    (timer as { unref?: () => void } | undefined)?.unref?.();
    this.#timer = timer;
  }

  /** Counts bytes that arrived. */
  record(bytes: number): void {
    this.#current += bytes;
  }

  /** Stops watching (backpressure, a finished or broken body); {@link start} begins a new window. */
  stop(): void {
    if (this.#timer === undefined) return;
    this.#timers.clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    this.#slices.push(this.#current);
    this.#current = 0;
    if (this.#slices.length > SLICES) this.#slices.shift();
    if (this.#slices.length < SLICES) return;
    const bytes = this.#slices.reduce((sum, n) => sum + n, 0);
    const { bytesPerSecond, windowMs } = this.#limit;
    if (bytes >= (bytesPerSecond * windowMs) / 1000) return;
    this.stop();
    this.#tripped = true;
    this.#onTooSlow((bytes * 1000) / windowMs);
  }
}

/** True when a limit is on: a positive, finite rate and window. */
function isEnabled(limit: LowSpeedLimit): boolean {
  return limit.bytesPerSecond > 0 && limit.windowMs > 0 && Number.isFinite(limit.bytesPerSecond) && Number.isFinite(limit.windowMs);
}

/** A rate as people read it, in binary units like the limit: `12 B/s`, `1 KiB/s`, `1.5 MiB/s`. */
export function formatRate(bytesPerSecond: number): string {
  const units = ['B/s', 'KiB/s', 'MiB/s', 'GiB/s'];
  let value = bytesPerSecond;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = value < 10 && unit > 0 ? String(Math.round(value * 10) / 10) : String(Math.round(value));
  return `${shown} ${units[unit]}`;
}

/**
 * The error for a transfer that fell below the limit: `what` says who sent what (`registry 127.0.0.1:5000 sent blob
 * sha256:… of team/app`); code 'timeout', which callers retry like a stalled connection.
 */
export function lowSpeedError(what: string, bytesPerSecond: number, limit: LowSpeedLimit, subject: string): FerryError {
  const seconds = Math.round(limit.windowMs / 100) / 10;
  return new FerryError(
    'timeout',
    `${what} at ${formatRate(bytesPerSecond)}, below the minimum of ${formatRate(limit.bytesPerSecond)} over ${seconds} s; ` +
      'check the network and proxy.',
    { subject, hint: 'low-speed' },
  );
}
