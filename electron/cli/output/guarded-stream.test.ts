import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { guardStream, rawStream } from './guarded-stream.js';

/** A writable that keeps what reaches it, claiming to be a terminal. */
function sink(): Writable & { text: () => string; isTTY: boolean; columns: number } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  }) as Writable & { text: () => string; isTTY: boolean; columns: number };
  stream.isTTY = true;
  stream.columns = 123;
  stream.text = () => Buffer.concat(chunks).toString('utf8');
  return stream;
}

describe('guardStream', () => {
  test('strings, byte chunks and end(chunk) arrive escaped; \\n and \\t stay, \\r does not', async () => {
    const out = sink();
    const guarded = guardStream(out);
    guarded.write('Bundle \x1b]0;title\x07 a\tb\n');
    guarded.write(Buffer.from('\x9b2J \u202eexe.txt\rIntact\n'));
    guarded.write('1b5b324a', 'hex');
    await new Promise<void>((resolve) => guarded.end('\x7f end\n', () => resolve()));
    assert.equal(out.text(), 'Bundle \\x1b]0;title\\x07 a\tb\n\\u009b2J \\u202eexe.txt\\rIntact\n\\x1b[2J\\u007f end\n');
  });

  test('JSON written through it stays valid JSON with the same values', () => {
    const out = sink();
    const value = { type: 'result', name: 'x\x1b\x9b\u202e\x7f' };
    guardStream(out).write(`${JSON.stringify(value)}\n`);
    assert.deepEqual(JSON.parse(out.text()), value);
    assert.doesNotMatch(out.text(), /[\x7f-\x9f\u202e]/);
  });

  test('everything else is the stream own: isTTY, columns, events, write callbacks; guarding twice changes nothing', async () => {
    const out = sink();
    const guarded = guardStream(out);
    assert.equal(guarded.isTTY, true);
    assert.equal(guarded.columns, 123);
    assert.ok(guarded instanceof Writable);
    assert.equal(guardStream(guarded), guarded);
    let emitted = false;
    guarded.on('custom', () => (emitted = true));
    out.emit('custom');
    assert.ok(emitted);
    await new Promise<void>((resolve) => guarded.write('x', () => resolve()));
    assert.equal(out.text(), 'x');
  });

  test('rawStream: the stream under a guarded one, any other stream as it is', () => {
    const out = sink();
    assert.equal(rawStream(guardStream(out)), out);
    assert.equal(rawStream(out), out);
  });
});
