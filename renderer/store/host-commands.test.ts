// Host commands reach the stores through their actions, over a real ApiClient on an in-memory transport.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiResponse, HostMessage } from '../../shared/api-contract.js';
import { createApiClient } from '../api/api-client.js';
import type { ApiTransport } from '../api/api-transport.js';
import { followHostCommands } from './host-commands.js';
import { createReviewStore, openBundle } from './review-store.js';

test('open-bundle opens Review on that folder, also when it arrived before anyone listened', async () => {
  const listeners = new Set<(m: HostMessage) => void>();
  const push = (m: HostMessage): void => listeners.forEach((l) => l(m));
  const inspected: unknown[] = [];
  const manifest = { id: 'b-1', images: [] };
  const transport: ApiTransport = {
    async invoke(channel, input): Promise<ApiResponse> {
      inspected.push([channel, input]);
      return { result: { path: `${(input as { dir: string }).dir}/bundle.json`, manifest, bundleSha256: 'ab', warnings: [] } };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ready: async () => undefined,
  };
  const api = createApiClient(transport);
  const review = createReviewStore(api);
  const shown: string[] = [];

  // a command the host sent while the window was still starting is kept for the first listener
  push({ command: 'open-bundle', dir: '/media/usb/bundle-1' });
  // job messages of unknown jobs are not commands
  push({ jobId: 'x', event: { kind: 'phase-start', phase: 'verify' } });
  const stop = followHostCommands(api, { review, showWizard: (w) => shown.push(w) });
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(shown, ['review']);
  assert.equal(review.getState().path, '/media/usb/bundle-1');
  assert.deepEqual(inspected[0], ['bundle.inspect', { dir: '/media/usb/bundle-1' }]);
  assert.equal(openBundle(review.getState())?.manifest.id, 'b-1');

  // later commands go straight through; after unsubscribing nothing happens
  push({ command: 'open-bundle', dir: '/tmp/other' });
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(review.getState().path, '/tmp/other');
  stop();
  push({ command: 'open-bundle', dir: '/tmp/third' });
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(review.getState().path, '/tmp/other');
  assert.equal(shown.length, 2);
});
