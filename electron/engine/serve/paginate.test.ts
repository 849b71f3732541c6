import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_PAGE_ENTRIES, paginate } from './paginate.js';

const names = ['a', 'b', 'c', 'd'];
const page = (query: string, defaultN?: number) => paginate(names, new URLSearchParams(query), '/v2/_catalog', defaultN);

test('a page with entries after it links to the next (last, then n, encoded as distribution does)', () => {
  assert.deepEqual(page('n=2'), { kind: 'page', entries: ['a', 'b'], link: '</v2/_catalog?last=b&n=2>; rel="next"' });
  assert.deepEqual(paginate(['x/1', 'x/2'], new URLSearchParams('n=1'), '/v2/_catalog'), { kind: 'page', entries: ['x/1'], link: '</v2/_catalog?last=x%2F1&n=1>; rel="next"' });
});

test('the last page, a page exactly as long as what is left, and n=0 have no Link', () => {
  assert.deepEqual(page('n=2&last=b'), { kind: 'page', entries: ['c', 'd'] });
  assert.deepEqual(page('n=4'), { kind: 'page', entries: names });
  assert.deepEqual(page('n=0'), { kind: 'page', entries: [] });
});

test('n absent, not a number or negative: the default page size, or everything without one', () => {
  assert.deepEqual(page('', 3), { kind: 'page', entries: ['a', 'b', 'c'], link: '</v2/_catalog?last=c&n=3>; rel="next"' });
  assert.deepEqual(page('n=abc'), { kind: 'page', entries: names });
  assert.deepEqual(page('n=-1', 2), { kind: 'page', entries: ['a', 'b'], link: '</v2/_catalog?last=b&n=2>; rel="next"' });
});

test('n above the limit is refused', () => {
  assert.deepEqual(page(`n=${MAX_PAGE_ENTRIES + 1}`), { kind: 'invalid', n: MAX_PAGE_ENTRIES + 1 });
  assert.equal(page(`n=${MAX_PAGE_ENTRIES}`).kind, 'page');
});
