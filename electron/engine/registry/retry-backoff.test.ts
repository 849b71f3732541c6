import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, MAX_RETRY_DELAY_MS, parseRetryAfter } from './retry-backoff.js';

describe('backoffDelay', () => {
  it('grows exponentially with full jitter and a cap', () => {
    assert.equal(backoffDelay(0, () => 0), 0);
    assert.equal(backoffDelay(0, () => 0.999999), 499);
    assert.equal(backoffDelay(3, () => 0.5), 2000);
    assert.ok(backoffDelay(30, () => 0.999999) < MAX_RETRY_DELAY_MS);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, capped at 30 s', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('2', now), 2000);
    assert.equal(parseRetryAfter('Mon, 01 Jan 2024 00:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('3600', now), MAX_RETRY_DELAY_MS);
    assert.equal(parseRetryAfter('Sun, 31 Dec 2023 00:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter(['1', '9'], now), 1000);
  });

  it('ignores absent or garbage values', () => {
    assert.equal(parseRetryAfter(undefined), undefined);
    assert.equal(parseRetryAfter(''), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
  });
});
