import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSessionSettings } from './session-settings.js';

describe('session settings', () => {
  test('the view never holds a password, only whether one is kept', () => {
    const settings = createSessionSettings({ fallbackCredentials: async () => undefined, cacheDir: '/tmp/c' });
    const view = settings.setRegistry({ host: 'https://Registry.Corp.Example:5000/', username: 'alice', password: 's3cret-pw', caFile: '/ca.pem' });
    assert.deepEqual(view.registries, [{ host: 'registry.corp.example:5000', username: 'alice', hasPassword: true, caFile: '/ca.pem', insecure: false }]);
    assert.ok(!JSON.stringify(settings.view()).includes('s3cret-pw'));
    assert.throws(() => settings.setRegistry({ host: 'a b' }), /not a registry host/);
  });

  test('jobs get the kept login first, then the fallback; CA files and insecure hosts merged', async () => {
    const settings = createSessionSettings({ fallbackCredentials: async (r) => (r === 'other:5000' ? { username: 'files', password: 'from-files' } : undefined) });
    settings.setRegistry({ host: 'reg:5000', username: 'alice', password: 'pw1', caFile: '/ca.pem' });
    settings.setRegistry({ host: 'plain:5000', insecure: true });
    const options = settings.registryOptions(['extra:1']);
    assert.deepEqual(await options.credentials!('reg:5000'), { username: 'alice', password: 'pw1' });
    assert.deepEqual(await options.credentials!('other:5000'), { username: 'files', password: 'from-files' });
    assert.equal(await options.credentials!('plain:5000'), undefined);
    assert.deepEqual(options.caFiles, ['/ca.pem']);
    assert.deepEqual(options.insecureRegistries, ['plain:5000', 'extra:1']);
    // saving again without a password keeps it (same user); another user drops it; remove forgets all
    settings.setRegistry({ host: 'reg:5000', username: 'alice' });
    assert.deepEqual(await settings.registryOptions().credentials!('reg:5000'), { username: 'alice', password: 'pw1' });
    settings.setRegistry({ host: 'reg:5000', username: 'bob' });
    assert.equal(settings.view().registries.find((r) => r.host === 'reg:5000')!.hasPassword, false);
    assert.equal(settings.removeRegistry('reg:5000'), true);
    assert.equal(settings.view().registries.length, 1);
  });

  test('concurrency is checked; the cache folder changes', () => {
    const settings = createSessionSettings({ fallbackCredentials: async () => undefined });
    assert.throws(() => settings.setOptions({ concurrency: 0 }), /from 1 to 64/);
    assert.deepEqual({ ...settings.setOptions({ concurrency: 4, cacheDir: '/x' }), registries: [] }, { registries: [], concurrency: 4, cacheDir: '/x' });
  });
});
