import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { formatRate, LowSpeedGuard, lowSpeedError, type GuardTimers } from './low-speed-guard.js';

/** 1 KiB/s over 30 s: at least 30 KiB in any 30 s (the default). */
const LIMIT = { bytesPerSecond: 1024, windowMs: 30_000 };

describe('LowSpeedGuard (mock timers)', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setInterval'] }));
  afterEach(() => mock.timers.reset());

  /** A started guard and the rates it reported. */
  const watch = (limit = LIMIT): { guard: LowSpeedGuard; reports: number[] } => {
    const reports: number[] = [];
    const guard = new LowSpeedGuard(limit, (rate) => reports.push(rate));
    guard.start();
    return { guard, reports };
  };

  it('trips once, after a whole window, for a sender that drips one byte every 5 s', () => {
    const { guard, reports } = watch();
    for (let t = 0; t < 29; t++) {
      if (t % 5 === 0) guard.record(1);
      mock.timers.tick(1000);
    }
    assert.deepEqual(reports, [], 'no verdict before a whole window');
    mock.timers.tick(1000);
    assert.equal(reports.length, 1);
    assert.equal(reports[0], 6 / 30, '6 bytes over 30 s');
    assert.equal(guard.tripped, true);
    assert.equal(guard.running, false);
    mock.timers.tick(120_000);
    assert.equal(reports.length, 1, 'reported once');
  });

  it('never trips a sender at the limit or above, however long it runs', () => {
    const { guard, reports } = watch();
    for (let t = 0; t < 600; t++) {
      guard.record(1024);
      mock.timers.tick(1000);
    }
    assert.deepEqual(reports, []);
    assert.equal(guard.running, true);
    guard.stop();
  });

  it('slides: a sender that stops after a fast start is cut one window after it stopped', () => {
    const { guard, reports } = watch();
    guard.record(10 * 1024 * 1024);
    mock.timers.tick(3000);
    // 10 MiB arrived in the first slice; the window ending at 30 s still holds it
    mock.timers.tick(27_000);
    assert.deepEqual(reports, []);
    mock.timers.tick(3000);
    assert.deepEqual(reports, [0], 'the window 3 s–33 s saw nothing');
    assert.equal(guard.tripped, true);
  });

  it('does not count time stopped (backpressure) against the sender, and restarts the window on start()', () => {
    const { guard, reports } = watch();
    mock.timers.tick(20_000);
    guard.stop();
    mock.timers.tick(600_000);
    guard.start();
    mock.timers.tick(29_000);
    assert.deepEqual(reports, [], 'a fresh window after start()');
    mock.timers.tick(1000);
    assert.deepEqual(reports, [0]);
  });

  it('watches again after a trip when started for a new attempt', () => {
    const { guard, reports } = watch();
    mock.timers.tick(30_000);
    assert.deepEqual(reports, [0]);
    guard.start();
    assert.equal(guard.tripped, false);
    for (let t = 0; t < 30; t++) {
      guard.record(512);
      mock.timers.tick(1000);
    }
    assert.deepEqual(reports, [0, 512]);
  });

  it('is off for a zero limit or window', () => {
    for (const limit of [{ bytesPerSecond: 0, windowMs: 30_000 }, { bytesPerSecond: 1024, windowMs: 0 }]) {
      const { guard, reports } = watch(limit);
      assert.equal(guard.enabled, false);
      assert.equal(guard.running, false);
      mock.timers.tick(600_000);
      assert.deepEqual(reports, []);
    }
  });

  it('runs on injected timers too', () => {
    const intervals: { callback: () => void; ms: number }[] = [];
    const timers: GuardTimers = {
      setInterval: (callback, ms) => intervals.push({ callback, ms }),
      clearInterval: () => undefined,
    };
    const reports: number[] = [];
    const guard = new LowSpeedGuard({ bytesPerSecond: 100, windowMs: 1000 }, (rate) => reports.push(rate), timers);
    guard.start();
    assert.equal(intervals.length, 1);
    assert.equal(intervals[0]!.ms, 100, 'a tenth of the window');
    for (let i = 0; i < 10; i++) {
      guard.record(5);
      intervals[0]!.callback();
    }
    assert.deepEqual(reports, [50]);
  });
});

describe('low-speed messages', () => {
  it('formats rates in binary units', () => {
    assert.equal(formatRate(0), '0 B/s');
    assert.equal(formatRate(12.4), '12 B/s');
    assert.equal(formatRate(1024), '1 KiB/s');
    assert.equal(formatRate(1536), '1.5 KiB/s');
    assert.equal(formatRate(20 * 1024 * 1024), '20 MiB/s');
  });

  it('names the sender, the observed rate and the limit, as a timeout', () => {
    const error = lowSpeedError('registry 127.0.0.1:5000 sent blob sha256:abc of team/app', 12, LIMIT, '127.0.0.1:5000/team/app@sha256:abc');
    assert.equal(error.code, 'timeout');
    assert.equal(error.subject, '127.0.0.1:5000/team/app@sha256:abc');
    assert.match(error.message, /^registry 127\.0\.0\.1:5000 sent blob sha256:abc of team\/app at 12 B\/s, below the minimum of 1 KiB\/s over 30 s; /);
  });
});
