// The progress bar's words: amounts, time left (never "0s left"), and every item running in the phase. The progress is
// folded from real engine events with the job helper's applyProgress, as the stores do.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ProgressEvent } from '../../shared/progress.js';
import { applyProgress, idleProgress, type JobProgress } from '../store/job.js';
import { RUNNING_NAMES_SHOWN, progressLine, progressText, timeLeftText } from './progress-text.js';

/** The progress after these events, as a store would hold it. */
const after = (...events: ProgressEvent[]): JobProgress => events.reduce(applyProgress, idleProgress());

describe('progressText', () => {
  test('before anything is known: "Starting…", no time left', () => {
    assert.equal(progressText(idleProgress()), 'Starting…');
  });

  test('bytes, rate and time left', () => {
    const p = after({ kind: 'phase-start', phase: 'fetch', totalBytes: 4_000_000 }, { kind: 'bytes', phase: 'fetch', done: 1_200_000, total: 4_000_000, rate: 300_000, etaSeconds: 65 });
    assert.equal(progressText(p), 'Fetch · 1.20 MB of 4.00 MB · 300.0 kB/s · 1m05s left');
  });

  test('under ten seconds says "a few seconds left", never "0s left"', () => {
    for (const eta of [0, 0.4, 3, 9.4]) {
      const p = after({ kind: 'bytes', phase: 'push', done: 3_900_000, total: 4_000_000, rate: 1_000_000, etaSeconds: eta });
      const text = progressText(p);
      assert.match(text, /a few seconds left/, text);
      assert.doesNotMatch(text, /\b0s left/, text);
    }
    assert.equal(timeLeftText(10), '10s left');
    assert.equal(timeLeftText(9.9), 'a few seconds left');
  });

  test('no time left while it is unknown: no rate yet, no total, null, or not a number', () => {
    assert.doesNotMatch(progressText(after({ kind: 'bytes', phase: 'fetch', done: 0, total: 4_000_000, rate: 0, etaSeconds: 0 })), /left/);
    assert.doesNotMatch(progressText(after({ kind: 'bytes', phase: 'fetch', done: 10, total: 4_000_000, rate: 5, etaSeconds: null })), /left/);
    assert.doesNotMatch(progressText(after({ kind: 'bytes', phase: 'fetch', done: 10, total: 0, rate: 5, etaSeconds: 3 })), /left|of/);
    assert.equal(timeLeftText(Number.NaN), undefined);
    assert.equal(timeLeftText(Number.POSITIVE_INFINITY), undefined);
    assert.equal(timeLeftText(-1), undefined);
    // all done: nothing left to count
    assert.doesNotMatch(progressText(after({ kind: 'bytes', phase: 'push', done: 5, total: 5, rate: 5, etaSeconds: 0 })), /left/);
  });

  test('several images pushing at once are all named, in the order they started', () => {
    const p = after(
      { kind: 'phase-start', phase: 'push' },
      { kind: 'item-start', phase: 'push', item: 'team/a:1' },
      { kind: 'item-start', phase: 'push', item: 'team/b:1' },
      { kind: 'item-start', phase: 'push', item: 'team/c:1' },
    );
    assert.equal(progressLine(p).running, 'pushing 3 images: team/a:1, team/b:1, team/c:1');
    // one ends: the others still show
    const q = applyProgress(p, { kind: 'item-end', phase: 'push', item: 'team/b:1' });
    assert.equal(progressLine(q).running, 'pushing 2 images: team/a:1, team/c:1');
    const one = applyProgress(q, { kind: 'item-end', phase: 'push', item: 'team/a:1' });
    assert.equal(progressText(one), 'Push — pushing team/c:1');
  });

  test('past the cap: "+N more"', () => {
    const names = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
    const p = after({ kind: 'phase-start', phase: 'verify', totalBytes: 600 }, ...names.map((item): ProgressEvent => ({ kind: 'item-start', phase: 'verify', item })));
    assert.equal(RUNNING_NAMES_SHOWN, 3);
    assert.equal(progressLine(p).running, 'verifying 6 parts: p1, p2, p3 +3 more');
  });

  test('fetch and parity name their items; a new phase forgets the last one\'s items', () => {
    const fetching = after({ kind: 'phase-start', phase: 'fetch' }, { kind: 'item-start', phase: 'fetch', item: 'alpine:3.20' }, { kind: 'item-start', phase: 'fetch', item: 'nginx:1.27' });
    assert.equal(progressLine(fetching).running, 'fetching 2 images: alpine:3.20, nginx:1.27');
    const parity = applyProgress(fetching, { kind: 'phase-start', phase: 'parity', totalBytes: 100 });
    assert.equal(progressLine(parity).running, undefined);
    const parts = applyProgress(applyProgress(parity, { kind: 'item-start', phase: 'parity', item: 'bundle.tar.p01' }), { kind: 'item-start', phase: 'parity', item: 'bundle.tar.p02' });
    assert.equal(progressLine(parts).running, 'computing parity for 2 parts: bundle.tar.p01, bundle.tar.p02');
  });

  test('a name from outside shows its control characters escaped and is cut when very long', () => {
    const p = after({ kind: 'item-start', phase: 'push', item: 'evil\u001b[2J\u202eimage' }, { kind: 'item-start', phase: 'push', item: `long/${'x'.repeat(500)}` });
    const running = progressLine(p).running!;
    assert.ok(!running.includes('\u001b') && !running.includes('\u202e'), running);
    assert.match(running, /evil\\x1b\[2J\\u202eimage/);
    assert.ok(running.length < 200, `${running.length} characters`);
    assert.match(running, /…$/);
  });

  test('a progress holding only the last item (no list) still names it', () => {
    assert.equal(progressLine({ done: 0, total: 0, rate: 0, etaSeconds: null, phase: 'write-media', item: 'bundle.tar.001' }).running, 'writing bundle.tar.001');
  });
});
