// The Review store: state changes only through its actions, over a real ApiClient on an in-memory transport.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ApiResponse, JobMessage } from '../../shared/api-contract.js';
import { createApiClient } from '../api/api-client.js';
import type { ApiTransport } from '../api/api-transport.js';
import { applyProgress, createReviewStore } from './review-store.js';

/** A transport answering from a table and pushing the job messages given, in order (before the job id arrives: the client must buffer). */
function scriptedTransport(answers: Record<string, ApiResponse>, messages: JobMessage[]): ApiTransport & { calls: string[] } {
  const listeners = new Set<(m: JobMessage) => void>();
  const calls: string[] = [];
  return {
    calls,
    async invoke(channel) {
      calls.push(channel);
      if (channel === 'bundle.verify') for (const m of messages) for (const l of listeners) l(m);
      return answers[channel] ?? { error: { code: 'bad-usage', message: `no ${channel}` } };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ready: async () => undefined,
  };
}

describe('review store', () => {
  test('applyProgress: phase, bytes, rate, ETA and the current item', () => {
    let p = applyProgress({ done: 0, total: 0, rate: 0, etaSeconds: null }, { kind: 'phase-start', phase: 'verify', totalBytes: 1000 });
    assert.deepEqual(p, { phase: 'verify', done: 0, total: 1000, rate: 0, etaSeconds: null });
    p = applyProgress(p, { kind: 'item-start', phase: 'verify', item: 'bundle.tar.002' });
    p = applyProgress(p, { kind: 'bytes', phase: 'verify', done: 400, total: 1000, rate: 200, etaSeconds: 3 });
    assert.deepEqual(p, { phase: 'verify', done: 400, total: 1000, rate: 200, etaSeconds: 3, item: 'bundle.tar.002' });
  });

  test('an empty path is explained without a call; a verify job that finished before its id arrived still lands', async () => {
    const report = { ok: true, integrity: { ok: true, dirs: ['/b'], parts: [], blobsChecked: 3, bytesChecked: 10, faults: [] } };
    const transport = scriptedTransport({ 'bundle.verify': { result: { jobId: 'j1' } } }, [
      { jobId: 'j1', event: { kind: 'bytes', phase: 'verify', done: 10, total: 10, rate: 1, etaSeconds: 0 } },
      { jobId: 'j1', result: report },
    ]);
    const store = createReviewStore(createApiClient(transport));
    await store.getState().open();
    assert.match(store.getState().openError!.message, /Type the path/);
    assert.deepEqual(transport.calls, []);
    store.getState().setPath('/b');
    await store.getState().verifyBundle();
    assert.deepEqual(store.getState().verify, { status: 'done', report });
  });

  test('a host error comes back as the serialized error', async () => {
    const transport = scriptedTransport({ 'bundle.inspect': { error: { code: 'not-found', message: 'No bundle at /x: ENOENT.' } } }, []);
    const store = createReviewStore(createApiClient(transport));
    store.getState().setPath('/x');
    await store.getState().open();
    assert.deepEqual(store.getState().openError, { code: 'not-found', message: 'No bundle at /x: ENOENT.' });
    assert.equal(store.getState().opening, false);
  });
});

describe('What changed in the review store', () => {
  test('compare asks bundle.diff for the open bundle against the path typed; an empty path is explained; opening another bundle forgets it', async () => {
    const inputs: [string, unknown][] = [];
    const report = { version: 1, counts: { added: 1, changed: 0, removed: 0, unchanged: 0 }, images: [], notes: [], warnings: [] };
    const transport: ApiTransport = {
      async invoke(channel, input) {
        inputs.push([channel, input]);
        if (channel === 'bundle.inspect') return { result: { path: '/stick/week-2/bundle.json', manifest: {}, bundleSha256: 'x', warnings: [] } };
        if (channel === 'bundle.diff') return { result: report };
        return { error: { code: 'bad-usage', message: `no ${channel}` } };
      },
      subscribe: () => () => undefined,
      ready: async () => undefined,
    };
    const store = createReviewStore(createApiClient(transport));
    const s = store.getState;
    await s().compare();
    assert.equal(s().diff.status, 'idle', 'nothing open: nothing to compare');
    s().setPath('/stick/week-2/bundle.json');
    await s().open();
    await s().compare();
    const empty = s().diff;
    assert.ok(empty.status === 'failed' && /Type the path of an older bundle folder/.test(empty.error.message));
    s().setDiffPath(' /stick/week-1 ');
    await s().compare();
    assert.deepEqual(s().diff, { status: 'done', result: report });
    assert.deepEqual(inputs.filter(([c]) => c === 'bundle.diff').map(([, i]) => i), [{ old: '/stick/week-1', new: '/stick/week-2' }]);
    await s().open();
    assert.equal(s().diff.status, 'idle');
    assert.equal(s().diffPath, ' /stick/week-1 ', 'the older bundle stays as typed');
  });
});
