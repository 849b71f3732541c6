import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SettingsView } from '../../shared/api-contract.js';
import type { FromEngine, ToEngine } from './engine-messages.js';

/** Loads the engine process's entry in this process with a stand-in for Electron's `process.parentPort` (the real api host and engine run). */
async function startEntry() {
  const out: FromEngine[] = [];
  let deliver: (event: { data: ToEngine }) => void = () => undefined;
  const waiters: (() => void)[] = [];
  (process as unknown as { parentPort: unknown }).parentPort = {
    on: (_e: string, listener: typeof deliver) => (deliver = listener),
    postMessage: (m: FromEngine) => {
      out.push(m);
      waiters.splice(0).forEach((w) => w());
    },
  };
  await import('./engine-entry.js');
  const next = async (pred: (m: FromEngine) => boolean): Promise<FromEngine> => {
    for (;;) {
      const hit = out.find(pred);
      if (hit) {
        out.splice(out.indexOf(hit), 1);
        return hit;
      }
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return { send: (m: ToEngine) => deliver({ data: m }), next };
}

test('the engine process answers calls, loads kept logins and reports logins to keep (never to the renderer)', async () => {
  const engine = await startEntry();
  engine.send({ type: 'init', registries: [{ host: 'kept.example:5000', username: 'bob', password: 'kept-pw' }] });
  engine.send({ type: 'invoke', id: 1, channel: 'app.info', input: {} });
  const info = await engine.next((m) => m.type === 'outcome' && m.id === 1);
  assert.ok(info.type === 'outcome' && info.outcome.ok && (info.outcome.result as { host: string }).host === 'electron');

  engine.send({ type: 'invoke', id: 2, channel: 'settings.setRegistry', input: { host: 'https://registry.corp.example/', username: 'alice', password: 'alice-pw' } });
  const set = await engine.next((m) => m.type === 'outcome' && m.id === 2);
  assert.ok(set.type === 'outcome' && set.outcome.ok);
  assert.ok(!JSON.stringify(set.outcome.result).includes('alice-pw'), 'the answer to the renderer carries no password');
  const view = set.outcome.result as SettingsView;
  assert.deepEqual(view.registries.map((r) => [r.host, r.hasPassword]).sort(), [['kept.example:5000', true], ['registry.corp.example', true]]);
  const persist = await engine.next((m) => m.type === 'persist');
  assert.ok(persist.type === 'persist');
  assert.deepEqual(
    persist.registries.map((r) => [r.host, r.username, r.password]).sort(),
    [['kept.example:5000', 'bob', 'kept-pw'], ['registry.corp.example', 'alice', 'alice-pw']],
  );

  // changing a registry without a password keeps the one kept; removing it forgets it
  engine.send({ type: 'invoke', id: 3, channel: 'settings.setRegistry', input: { host: 'registry.corp.example', username: 'alice', insecure: true } });
  const again = await engine.next((m) => m.type === 'persist');
  assert.ok(again.type === 'persist' && again.registries.find((r) => r.host === 'registry.corp.example')?.password === 'alice-pw');
  engine.send({ type: 'invoke', id: 4, channel: 'settings.removeRegistry', input: { host: 'kept.example:5000' } });
  const removed = await engine.next((m) => m.type === 'persist');
  assert.ok(removed.type === 'persist');
  assert.deepEqual(removed.registries.map((r) => r.host), ['registry.corp.example']);

  // bad input is refused by the contract's schema
  engine.send({ type: 'invoke', id: 5, channel: 'bundle.inspect', input: { dir: '' } });
  const bad = await engine.next((m) => m.type === 'outcome' && m.id === 5);
  assert.ok(bad.type === 'outcome' && !bad.outcome.ok && bad.outcome.reason === 'bad-input');

  engine.send({ type: 'close' });
  await engine.next((m) => m.type === 'closed');
});
