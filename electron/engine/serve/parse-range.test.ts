// Range headers as a registry blob endpoint reads them (RFC 9110 §14.1.2).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRange } from './parse-range.js';

test('single ranges: first-last, open-ended, suffix; clamped to the size', () => {
  assert.deepEqual(parseRange('bytes=0-99', 1000), { kind: 'range', start: 0, end: 100 });
  assert.deepEqual(parseRange('bytes=900-', 1000), { kind: 'range', start: 900, end: 1000 });
  assert.deepEqual(parseRange('bytes=-10', 1000), { kind: 'range', start: 990, end: 1000 });
  assert.deepEqual(parseRange('bytes=-5000', 1000), { kind: 'range', start: 0, end: 1000 });
  assert.deepEqual(parseRange('bytes=990-5000', 1000), { kind: 'range', start: 990, end: 1000 });
});

test('unsatisfiable: a start at or past the end, an empty suffix', () => {
  assert.deepEqual(parseRange('bytes=1000-', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=2000-3000', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=-0', 1000), { kind: 'unsatisfiable' });
});

test('what the server does not do is ignored: the whole blob', () => {
  assert.deepEqual(parseRange(undefined, 10), { kind: 'whole' });
  assert.deepEqual(parseRange('bytes=0-1,5-6', 10), { kind: 'whole' });
  assert.deepEqual(parseRange('items=0-1', 10), { kind: 'whole' });
  assert.deepEqual(parseRange('bytes=5-2', 10), { kind: 'whole' });
});
