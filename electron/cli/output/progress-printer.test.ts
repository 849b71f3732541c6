import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import type { ProgressEvent } from '../../../shared/progress.js';
import { guardStream } from './guarded-stream.js';
import { createProgressPrinter } from './progress-printer.js';

/** A writable that keeps what reaches it; a terminal when `tty`. */
function sink(tty: boolean): Writable & { text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return Object.assign(stream, { isTTY: tty, columns: 120, text: () => Buffer.concat(chunks).toString('utf8') });
}

/** Raw control characters but \n (the bars' own ESC sequences aside): C0, DEL, C1, bidi overrides and isolates. */
// eslint-disable-next-line no-control-regex -- the characters under test
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** The cursor sequences cli-progress writes itself (CSI … letter, save/restore cursor). */
// eslint-disable-next-line no-control-regex -- the characters under test
const CURSOR = /\x1b\[[?0-9;]*[A-Za-z]|\x1b[78]/g;

/** An image name as a hostile bundle could carry it: a title change, a bell, a one-byte CSI, a bidi override, a newline. */
const HOSTILE = 'evil\x1b]0;pwned\x07/img\x9b2J\u202egnp.exe\nIntact';
const EVENTS: ProgressEvent[] = [
  { kind: 'phase-start', phase: 'fetch', totalBytes: 100 },
  { kind: 'item-start', phase: 'fetch', item: HOSTILE },
  { kind: 'bytes', phase: 'fetch', done: 50, total: 100, rate: 10, etaSeconds: 5 },
  { kind: 'item-end', phase: 'fetch', item: HOSTILE },
  { kind: 'item-end', phase: 'resolve', item: HOSTILE, detail: HOSTILE },
  { kind: 'item-end', phase: 'verify', item: HOSTILE, detail: HOSTILE },
  { kind: 'warning', message: HOSTILE },
  { kind: 'phase-end', phase: 'fetch' },
];

async function run(mode: 'tty' | 'plain' | 'json', tty: boolean): Promise<string> {
  const err = sink(tty);
  const printer = await createProgressPrinter(mode, guardStream(err));
  for (const e of EVENTS) printer.onProgress(e);
  await new Promise((resolve) => setTimeout(resolve, 250)); // the bars redraw (and print their log lines) 10 times a second
  printer.stop();
  return err.text();
}

describe('the progress printer and hostile names', () => {
  test('on a terminal: its own cursor sequences pass (the raw stream), the names arrive escaped on one line', async () => {
    const text = await run('tty', true);
    assert.ok(text.includes('\x1b[?25l'), 'cli-progress hides the cursor: it writes to the raw stream');
    assert.ok(!text.includes('\x1b]'), 'no title change');
    assert.doesNotMatch(text.replace(CURSOR, ''), RAW, 'nothing raw but the bars\' own cursor sequences');
    assert.doesNotMatch(text, /\nIntact/);
    assert.ok(text.includes('evil\\x1b]0;pwned\\x07/img\\u009b2J\\u202egnp.exe\\nIntact'), text);
  });

  test('piped: plain lines, nothing raw, one line per event', async () => {
    const text = await run('plain', false);
    assert.doesNotMatch(text, RAW);
    assert.doesNotMatch(text, /^Intact/m);
    assert.equal(text.split('\n').length - 1, 6, text);
    assert.match(text, /warning: evil\\x1b\]0;pwned\\x07\/img\\u009b2J\\u202egnp\.exe\\nIntact\n/);
  });

  test('--json: valid JSON lines, nothing raw, the values as they came', async () => {
    const text = await run('json', false);
    assert.doesNotMatch(text, RAW);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { message?: string });
    assert.equal(lines.length, EVENTS.length);
    assert.equal(lines.find((l) => l.message)?.message, HOSTILE);
  });
});
