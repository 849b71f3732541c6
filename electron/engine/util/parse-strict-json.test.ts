import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStrictJson, StrictJsonError } from './parse-strict-json.js';

describe('parseStrictJson', () => {
  it('parses ordinary JSON, nested objects with the same key at different levels included', () => {
    assert.deepEqual(parseStrictJson('{"a":{"a":1},"b":[{"a":2},{"a":3}],"c":"x\\"a\\":"}'), { a: { a: 1 }, b: [{ a: 2 }, { a: 3 }], c: 'x"a":' });
    assert.deepEqual(parseStrictJson(Buffer.from('\ufeff[1,2]')), [1, 2]);
  });

  it('refuses a key given twice in one object, however it is spelled', () => {
    assert.throws(() => parseStrictJson('{"id":"a","x":1,"id":"b"}'), (e: Error) => e instanceof StrictJsonError && /key "id" appears twice/.test(e.message));
    // the same key written with an escape is the same key
    assert.throws(() => parseStrictJson('{"id":1,"\\u0069d":2}'), /key "id" appears twice/);
    assert.throws(() => parseStrictJson('[{"a":1},{"b":1,"b":2}]'), /key "b" appears twice/);
  });

  it('refuses nesting deeper than the limit before JSON.parse sees it', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    assert.throws(() => parseStrictJson(deep), /nests deeper than 64 levels/);
    assert.deepEqual(parseStrictJson('[[[1]]]', { maxDepth: 3 }), [[[1]]]);
    assert.throws(() => parseStrictJson('[[[1]]]', { maxDepth: 2 }), /deeper than 2/);
    // brackets inside strings do not count
    assert.deepEqual(parseStrictJson(`{"s":"${'['.repeat(100)}"}`), { s: '['.repeat(100) });
  });

  it('refuses invalid UTF-8 and invalid JSON with a reason', () => {
    assert.throws(() => parseStrictJson(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), /not valid UTF-8/);
    assert.throws(() => parseStrictJson('{"a":1,}'), /not valid JSON/);
    assert.throws(() => parseStrictJson(''), /not valid JSON/);
  });
});
