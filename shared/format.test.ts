import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeControl } from './format.js';

/** Every character escapeControl must never let through raw, in single-line mode. */
const DANGEROUS = [
  ...Array.from({ length: 0x20 }, (_, i) => i),
  0x7f,
  ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i),
  0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
  0x2066, 0x2067, 0x2068, 0x2069,
].map((c) => String.fromCharCode(c));
// eslint-disable-next-line no-control-regex -- the characters under test
const RAW = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('escapeControl', () => {
  test('plain text, Unicode and backslashes are left as they are', () => {
    for (const text of ['', 'nginx:1.27', 'Größe 3,4 MB ✓ 日本語 🚢', 'C:\\bundles\\a', 'a\\x1b literally']) assert.equal(escapeControl(text), text);
  });

  test('C0 controls read \\xHH (\\n, \\r, \\t by name); DEL, C1 and bidi controls read \\uHHHH', () => {
    assert.equal(escapeControl('\x1b[2J\x1b]0;pwned\x07'), '\\x1b[2J\\x1b]0;pwned\\x07');
    assert.equal(escapeControl('a\nb\rc\td\0'), 'a\\nb\\rc\\td\\x00');
    assert.equal(escapeControl('\x7f\x9b31m\x85'), '\\u007f\\u009b31m\\u0085');
    assert.equal(escapeControl('abc\u202etxt.exe\u2066\u2069'), 'abc\\u202etxt.exe\\u2066\\u2069');
  });

  test('single-line (the default): nothing raw is left, every character becomes its own escape', () => {
    const escaped = escapeControl(DANGEROUS.join(''));
    assert.doesNotMatch(escaped, RAW);
    assert.equal(escaped.match(/\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[nrt])/g)?.length, DANGEROUS.length);
  });

  test('multiline keeps \\n and \\t only; \\r (which overwrites a line) is still escaped', () => {
    assert.equal(escapeControl('one\n\ttwo\r\x1b[32mIntact\n', { multiline: true }), 'one\n\ttwo\\r\\x1b[32mIntact\n');
    const escaped = escapeControl(DANGEROUS.join(''), { multiline: true });
    assert.doesNotMatch(escaped.replace(/[\n\t]/g, ''), RAW);
  });

  test('applied to JSON.stringify output: still valid JSON, with the same values', () => {
    const value = { name: 'a\x1b\x07\x9b\u202e\x7f\u2069"\\z', list: ['\x85', 'ok'] };
    const json = escapeControl(JSON.stringify(value), { multiline: true });
    assert.doesNotMatch(json, RAW);
    assert.deepEqual(JSON.parse(json), value);
    const pretty = escapeControl(JSON.stringify(value, null, 2), { multiline: true });
    assert.deepEqual(JSON.parse(pretty), value);
  });
});
