import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IpcMainInvokeEvent, WebContents } from 'electron';
import { API_INPUTS, DIALOG_CHANNELS, type ApiResponse, type JobMessage } from '../../shared/api-contract.js';
import { createApiHost } from '../engine/api/api-host.js';
import { BRIDGED_CHANNELS, registerApiBridge } from './ipc-bridge.js';
import { IPC_API_PREFIX, IPC_JOB_CHANNEL } from './ipc-names.js';

type Handler = (event: IpcMainInvokeEvent, input: unknown) => Promise<ApiResponse>;

/** Records what the bridge registers (ipcMain's handle/removeHandler: a unit seam, the real one needs Electron). */
function recordingIpc() {
  const handlers = new Map<string, Handler>();
  return {
    handlers,
    ipc: {
      handle: (channel: string, handler: Handler) => void handlers.set(channel, handler),
      removeHandler: (channel: string) => void handlers.delete(channel),
    } as never,
  };
}

const event = (id: number, url = 'app://ferry/index.html', top = true): IpcMainInvokeEvent =>
  ({ sender: { id }, senderFrame: { url, parent: top ? null : {} } }) as unknown as IpcMainInvokeEvent;

test('the bridge registers exactly the contract calls, one handle each, and removes them', () => {
  const { ipc, handlers } = recordingIpc();
  const api = createApiHost({ host: 'electron' });
  const off = registerApiBridge(ipc, { engine: api, local: {}, window: () => undefined });
  assert.deepEqual([...handlers.keys()].sort(), Object.keys(API_INPUTS).map((c) => IPC_API_PREFIX + c).sort());
  assert.deepEqual([...BRIDGED_CHANNELS].sort(), Object.keys(API_INPUTS).sort());
  off();
  assert.equal(handlers.size, 0);
});

test('calls reach the real api host only from our window: validated, answered, job messages sent to the window', async () => {
  const { ipc, handlers } = recordingIpc();
  const api = createApiHost({ host: 'electron' });
  const sent: [string, JobMessage][] = [];
  const window = { id: 3, isDestroyed: () => false, send: (c: string, m: JobMessage) => sent.push([c, m]) } as unknown as WebContents;
  const started: string[] = [];
  let engineCalls = 0;
  const engine = { invoke: (c: string, i: unknown) => (engineCalls++, api.invoke(c, i)), subscribe: api.subscribe };
  const dialogInputs: unknown[] = [];
  const off = registerApiBridge(ipc, {
    engine,
    local: { 'dialog.openFolder': async (i) => (dialogInputs.push(i), { path: '/picked' }) },
    window: () => window,
    jobStarted: (id, channel) => started.push(`${channel}:${id}`),
  });
  try {
    const call = (channel: string, input: unknown, e = event(3)) => handlers.get(IPC_API_PREFIX + channel)!(e, input);

    const info = await call('app.info', {});
    assert.ok('result' in info);
    assert.equal((info.result as { host: string }).host, 'electron');

    // senders other than our window's top frame on app://ferry are refused before the engine sees anything
    for (const e of [event(4), event(3, 'https://evil.example/'), event(3, 'app://ferry/index.html', false), event(3, 'file:///tmp/x.html')]) {
      const before = engineCalls;
      const r = await call('app.info', {}, e);
      assert.ok('error' in r && r.error.code === 'denied');
      assert.equal(engineCalls, before);
    }

    // every input is validated with the contract's schema (by the api host)
    const bad = await call('bundle.inspect', { dir: 42 });
    assert.ok('error' in bad && bad.error.code === 'bad-usage' && /bundle\.inspect: dir/.test(bad.error.message), JSON.stringify(bad));
    const extra = await call('app.info', { sneaky: true });
    assert.ok('error' in extra && extra.error.code === 'bad-usage');

    // dialogs: answered in main after the contract's schema checked them
    assert.deepEqual(await call('dialog.openFolder', { title: 'Pick' }), { result: { path: '/picked' } });
    assert.deepEqual(dialogInputs, [{ title: 'Pick' }]);
    const badDialog = await call('dialog.openFolder', { title: 'x', defaultPath: '' });
    assert.ok('error' in badDialog && badDialog.error.code === 'bad-usage');
    assert.equal(dialogInputs.length, 1);

    // a job: answered with its id, its messages pushed to the window on the one job channel
    const job = await call('bundle.verify', { dirs: ['/nonexistent/ferry-bundle'] });
    assert.ok('result' in job);
    const jobId = (job.result as { jobId: string }).jobId;
    assert.deepEqual(started, [`bundle.verify:${jobId}`]);
    for (let i = 0; i < 200 && !sent.some(([, m]) => m.jobId === jobId && ('result' in m || 'error' in m)); i++) await new Promise((r) => setTimeout(r, 25));
    const end = sent.find(([, m]) => m.jobId === jobId && ('result' in m || 'error' in m));
    assert.ok(end, 'the job ended and its outcome reached the window');
    assert.equal(end[0], IPC_JOB_CHANNEL);
  } finally {
    off();
    await api.close();
  }
});

test('outside Electron the dialog calls answer a clear unsupported error', async () => {
  const api = createApiHost({ host: 'web' });
  for (const channel of DIALOG_CHANNELS) {
    const r = await api.invoke(channel, {});
    assert.ok(!r.ok && r.error.code === 'unsupported' && /desktop app/.test(r.error.message), JSON.stringify(r));
  }
  await api.close();
});
