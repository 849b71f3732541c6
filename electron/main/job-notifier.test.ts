import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJobNotifier } from './job-notifier.js';

test('a job ending while the window is not focused notifies once; progress and focused windows do not', () => {
  const shown: string[] = [];
  let focused = false;
  const n = createJobNotifier({ notify: (_t, body) => shown.push(body), isFocused: () => focused });
  n.started('a', 'bundle.create');
  n.message({ jobId: 'a', event: { phase: 'fetch', bytesDone: 1, bytesTotal: 2 } as never });
  assert.deepEqual(shown, []);
  n.message({ jobId: 'a', result: {} });
  assert.deepEqual(shown, ['The bundle finished.']);
  n.started('b', 'bundle.import');
  n.message({ jobId: 'b', error: { code: 'network', message: 'The registry did not answer.' } });
  assert.equal(shown[1], 'The import failed: The registry did not answer.');
  n.started('c', 'media.write');
  n.message({ jobId: 'c', error: { code: 'cancelled', message: 'Cancelled.' } });
  assert.equal(shown[2], 'Writing to media was cancelled.');
  focused = true;
  n.started('d', 'bundle.verify');
  n.message({ jobId: 'd', result: {} });
  assert.equal(shown.length, 3, 'no notification while the user looks at the window');
});
