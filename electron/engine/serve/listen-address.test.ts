// Listen addresses: loopback by default, anything else only when written out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LISTEN, parseListenAddress } from './listen-address.js';

test('ADDR:PORT, [v6]:PORT and a bare port (loopback)', () => {
  assert.deepEqual(parseListenAddress(DEFAULT_LISTEN), { host: '127.0.0.1', port: 5000, loopback: true });
  assert.deepEqual(parseListenAddress('5001'), { host: '127.0.0.1', port: 5001, loopback: true });
  assert.deepEqual(parseListenAddress('0.0.0.0:5000'), { host: '0.0.0.0', port: 5000, loopback: false });
  assert.deepEqual(parseListenAddress('[::1]:0'), { host: '::1', port: 0, loopback: true });
  assert.deepEqual(parseListenAddress('localhost:80'), { host: 'localhost', port: 80, loopback: true });
});

test('anything else is bad usage', () => {
  for (const bad of ['', 'host', 'example.com:5000', '1.2.3.4:99999', '::1:5000', '1.2.3.4:']) {
    assert.throws(() => parseListenAddress(bad), (e: Error & { code?: string }) => e.code === 'bad-usage', bad);
  }
});
