// Lookups stopped by id: a cancel during the lookup aborts its signal and answers `cancelled`; a cancel that overtakes
// its lookup stops it before it starts; a lookup without an id cannot be cancelled and runs as usual.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createCancellableLookups } from './cancellable-lookups.js';

describe('cancellable lookups', () => {
  test('a cancel aborts the running lookup, which answers cancelled at once', async () => {
    const lookups = createCancellableLookups();
    let seen: AbortSignal | undefined;
    const never = lookups.run('a', (signal) => {
      seen = signal;
      return new Promise<string>(() => undefined);
    });
    assert.equal(lookups.cancel('a'), true);
    await assert.rejects(never, (e: { code?: string }) => e.code === 'cancelled');
    assert.equal(seen?.aborted, true, 'the lookup got the abort');
    assert.equal(lookups.cancel('a'), false, 'it is gone once answered');
  });

  test('a cancel arriving before its lookup stops it before it starts; others run', async () => {
    const lookups = createCancellableLookups();
    assert.equal(lookups.cancel('early'), false);
    let started = false;
    await assert.rejects(
      lookups.run('early', async () => {
        started = true;
        return 'x';
      }),
      (e: { code?: string }) => e.code === 'cancelled',
    );
    assert.equal(started, false);
    assert.equal(await lookups.run('other', async () => 'ok'), 'ok');
    assert.equal(await lookups.run(undefined, async (signal) => (signal === undefined ? 'no signal' : 'signal')), 'no signal');
    await assert.rejects(lookups.run('failing', async () => Promise.reject(new Error('registry down'))), /registry down/, 'its own errors pass through');
  });
});
