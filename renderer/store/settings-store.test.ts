// The Settings store over the real API host in this process (real settings and cache handlers on a temp cache folder):
// each action's outcome is placed where its button is, one action runs at a time, and closing forgets the outcome.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createSessionSettings } from '../../electron/engine/api/session-settings.js';
import type { StoreApi } from 'zustand/vanilla';
import { createSettingsStore, type SettingsState } from './settings-store.js';
import { storeTestHost, type StoreTestHost } from './store-test-host.js';

let dir: string;
let host: StoreTestHost;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-settings-store-'));
  host = storeTestHost({ settings: createSessionSettings({ cacheDir: join(dir, 'cache'), fallbackCredentials: async () => undefined }) });
});
after(async () => {
  await host?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Resolves once the store's running action (the load that opening starts) has ended. */
function settled(store: StoreApi<SettingsState>): Promise<void> {
  return new Promise((resolve) => {
    if (!store.getState().busy) return resolve();
    const stop = store.subscribe((s) => {
      if (!s.busy) {
        stop();
        resolve();
      }
    });
  });
}

describe('the Settings store', () => {
  test('opening loads the settings and the cache size; nothing is announced yet', async () => {
    const store = createSettingsStore(host.api);
    store.getState().openDialog();
    await settled(store);
    const s = store.getState();
    assert.equal(s.settings?.cacheDir, join(dir, 'cache'));
    assert.equal(s.cache?.bytes, 0);
    assert.equal(s.notice, undefined);
    assert.equal(s.error, undefined);
  });

  test('Save registry: the notice belongs to the registries, and names the host', async () => {
    const store = createSettingsStore(host.api);
    store.getState().setForm({ host: '127.0.0.1:5999', username: 'alice', password: 's3cret' });
    await store.getState().saveRegistry();
    let s = store.getState();
    assert.equal(s.at, 'registries');
    assert.equal(s.notice, 'Saved 127.0.0.1:5999.');
    assert.equal(s.form.password, '', 'the password is forgotten by the page');
    assert.deepEqual(s.settings?.registries.map((r) => [r.host, r.hasPassword]), [['127.0.0.1:5999', true]]);
    await store.getState().removeRegistry('127.0.0.1:5999');
    s = store.getState();
    assert.equal(s.at, 'registries');
    assert.equal(s.notice, 'Removed 127.0.0.1:5999.');
  });

  test('a mistake is placed where it was made, and the next action replaces it', async () => {
    const store = createSettingsStore(host.api);
    await store.getState().saveRegistry();
    assert.equal(store.getState().at, 'registries');
    assert.equal(store.getState().error?.code, 'bad-usage');
    assert.match(store.getState().error!.message, /registry host/);
    store.getState().setConcurrency('3');
    await store.getState().saveOptions();
    const s = store.getState();
    assert.equal(s.at, 'options');
    assert.equal(s.notice, 'Saved.');
    assert.equal(s.error, undefined, 'the registry mistake is gone');
    assert.equal(s.settings?.concurrency, 3);
    store.getState().setConcurrency('65');
    await store.getState().saveOptions();
    assert.equal(store.getState().at, 'options');
    assert.match(store.getState().error!.message, /1 to 64/);
  });

  test('one action at a time: a second press while busy sends nothing', async () => {
    const store = createSettingsStore(host.api);
    await store.getState().load();
    store.getState().setConcurrency('4');
    const before = host.inputsOf('settings.setOptions').length;
    const first = store.getState().saveOptions();
    const second = store.getState().saveOptions();
    await Promise.all([first, second]);
    assert.equal(host.inputsOf('settings.setOptions').length, before + 1);
    assert.equal(store.getState().busy, false);
  });

  test('Clear cache is placed with the cache; closing forgets the outcome', async () => {
    const store = createSettingsStore(host.api);
    store.getState().openDialog();
    await settled(store);
    await store.getState().clearCache();
    assert.equal(store.getState().at, 'cache');
    assert.equal(store.getState().notice, 'Cache cleared.');
    store.getState().closeDialog();
    const s = store.getState();
    assert.equal(s.open, false);
    assert.equal(s.notice, undefined);
    assert.equal(s.at, undefined);
  });
});
