// The one job helper of the stores: progress and rows folded, rows stopped on failure, replaced runs dropped.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ProgressEvent } from '../../shared/progress.js';
import { ApiCallError } from '../api/api-call-error.js';
import { applyProgress, cancelJob, idleProgress, runCall, runJob, type CallState, type JobState, type Slot } from './job.js';

/** A slot on a plain variable, recording every state written. */
function memorySlot<S>(initial: S): Slot<S> & { states: S[] } {
  let state = initial;
  const states: S[] = [];
  return { states, read: () => state, write: (s) => void states.push((state = s)) };
}

/** A job the test drives: emit events, then settle it. */
function drivenJob<R>() {
  let emit: (e: ProgressEvent) => void = () => undefined;
  let settle!: { resolve: (r: R) => void; reject: (e: unknown) => void };
  const result = new Promise<R>((resolve, reject) => (settle = { resolve, reject }));
  let cancelled = 0;
  return {
    start: (onProgress: (e: ProgressEvent) => void) => {
      emit = onProgress;
      return { result, cancel: async () => void cancelled++ };
    },
    emit: (e: ProgressEvent) => emit(e),
    settle,
    cancelled: () => cancelled,
  };
}

describe('runJob', () => {
  test('folds progress and item rows, then ends done with the rows', async () => {
    const slot = memorySlot<JobState<string>>({ status: 'idle' });
    const job = drivenJob<string>();
    const run = runJob(slot, job.start);
    job.emit({ kind: 'phase-start', phase: 'fetch', totalBytes: 100 });
    job.emit({ kind: 'item-start', phase: 'fetch', item: 'a' });
    job.emit({ kind: 'item-start', phase: 'fetch', item: 'b' });
    const s = slot.read();
    assert.equal(s.status, 'running');
    assert.deepEqual(s.status === 'running' ? s.progress.items : undefined, ['a', 'b']);
    job.emit({ kind: 'item-end', phase: 'fetch', item: 'a', bytes: 5, cached: true });
    job.settle.resolve('ok');
    const final = await run;
    assert.deepEqual(final, {
      status: 'done',
      result: 'ok',
      items: [
        { name: 'a', phase: 'fetch', status: 'done', bytes: 5, cached: true },
        { name: 'b', phase: 'fetch', status: 'running' },
      ],
    });
  });

  test('a failed or cancelled job leaves no row running', async () => {
    const slot = memorySlot<JobState<string>>({ status: 'idle' });
    const job = drivenJob<string>();
    const run = runJob(slot, job.start);
    job.emit({ kind: 'item-start', phase: 'fetch', item: 'a' });
    cancelJob(slot);
    cancelJob(slot);
    assert.equal(job.cancelled(), 1, 'cancel is asked once');
    job.settle.reject(new ApiCallError({ code: 'cancelled', message: 'Cancelled.' }));
    const final = await run;
    assert.equal(final?.status, 'failed');
    assert.equal(final?.status === 'failed' && final.cancelled, true);
    assert.deepEqual(final?.status === 'failed' ? final.items.map((i) => i.status) : [], ['stopped']);
  });

  test('a run replaced meanwhile (slot reset) drops its late events and outcome', async () => {
    const slot = memorySlot<JobState<string>>({ status: 'idle' });
    const job = drivenJob<string>();
    const run = runJob(slot, job.start);
    slot.write({ status: 'idle' });
    job.emit({ kind: 'item-start', phase: 'fetch', item: 'late' });
    job.settle.resolve('late');
    assert.equal(await run, undefined);
    assert.deepEqual(slot.read(), { status: 'idle' });
  });
});

describe('runCall', () => {
  test('only the newest call lands', async () => {
    const slot = memorySlot<CallState<number>>({ status: 'idle' });
    let first!: (n: number) => void;
    const a = runCall(slot, () => new Promise<number>((r) => (first = r)));
    const b = runCall(slot, async () => 2);
    assert.deepEqual(await b, { status: 'done', result: 2 });
    first(1);
    assert.equal(await a, undefined);
    assert.deepEqual(slot.read(), { status: 'done', result: 2 });
  });

  test('an error becomes the serialized error', async () => {
    const slot = memorySlot<CallState<number>>({ status: 'idle' });
    await runCall(slot, () => Promise.reject(new ApiCallError({ code: 'not-found', message: 'No bundle.' })));
    assert.deepEqual(slot.read(), { status: 'failed', error: { code: 'not-found', message: 'No bundle.' } });
  });
});

test('applyProgress: the current item falls back to one still running when the last one ends', () => {
  let p = applyProgress(idleProgress(), { kind: 'item-start', phase: 'push', item: 'x' });
  p = applyProgress(p, { kind: 'item-start', phase: 'push', item: 'y' });
  p = applyProgress(p, { kind: 'item-end', phase: 'push', item: 'y' });
  assert.equal(p.item, 'x');
  assert.deepEqual(p.items, ['x']);
});
