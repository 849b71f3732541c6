import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSessionSettings } from './session-settings.js';
import { chartLogin } from './source-check.js';

describe('chartLogin', () => {
  const settings = createSessionSettings({ fallbackCredentials: async () => undefined });
  settings.setRegistry({ host: 'charts.example:8443', username: 'ci', password: 's3cret' });

  test('every HTTP chart from one host with a kept login: that login, for the chart repository', async () => {
    assert.deepEqual(await chartLogin(['https://charts.example:8443/repo/webapp@0.1.0', 'https://charts.example:8443/other/db@2.0.0', 'oci://reg.example/charts/x:1'], settings), {
      chartAuth: { username: 'ci', password: 's3cret' },
    });
  });
  test('charts from two hosts, a host without a login, or no HTTP chart: no login is sent', async () => {
    assert.deepEqual(await chartLogin(['https://charts.example:8443/repo/webapp@0.1.0', 'https://elsewhere.example/repo/db@2.0.0'], settings), {});
    assert.deepEqual(await chartLogin(['https://elsewhere.example/repo/db@2.0.0'], settings), {});
    assert.deepEqual(await chartLogin(['oci://charts.example:8443/charts/x:1'], settings), {});
    assert.deepEqual(await chartLogin([], settings), {});
  });
});
