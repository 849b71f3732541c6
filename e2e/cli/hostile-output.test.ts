// A bundle is hostile input: control characters in bundle.json fields, in a signature file's name
// and in a served request's path never reach the terminal raw through the built `ferry` command.
// They arrive escaped (`\x1b`, `\u009b`, `\u202e`), so the reader still sees that something is there.
// Holds whether verify/inspect show such a bundle or refuse it (the refusal quotes the bad value too).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { makeTestBundle, run, spawnService, waitUntil, type RunResult, type TestBundle } from '../harness/index.js';

const bin = fileURLToPath(new URL('../../bin/ferry.js', import.meta.url));

/** A raw control byte that must never reach stdout or stderr: C0 but \t and \n (nothing here draws progress bars, so no \r), DEL, C1, bidi overrides and isolates. */
// eslint-disable-next-line no-control-regex -- the characters under test
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** Each injected character and the escapes it may show as (`\x1b` from the CLI, `\u001b` inside JSON text). */
const VISIBLE: Record<string, string[]> = {
  '\x1b': ['\\x1b', '\\u001b'],
  '\x07': ['\\x07', '\\u0007'],
  '\x9b': ['\\u009b'],
  '\u202e': ['\\u202e'],
};

/** A tool name that would set the window title and ring the bell, a version that clears the screen with a one-byte CSI, an image source that paints a green verdict and reverses text. */
const TOOL_NAME = 'ferry\x1b]0;pwned\x07';
const TOOL_VERSION = '1.0\x9b2J';
const SOURCE_SUFFIX = '\r\x1b[32mIntact\x1b[0m \u202egnp.exe';
const SIGNATURE_NAME = 'x\x1b[2J\x07\x9b\u202e.json';

let bundle: TestBundle;
let hostile: string;
let hostileManifest: { tool: { name: string; version: string }; images: { source: string }[] };

before(async () => {
  bundle = await makeTestBundle({ images: ['test/single:1.0'] });
  hostile = bundle.copy();
  const path = join(hostile, 'bundle.json');
  hostileManifest = JSON.parse(readFileSync(path, 'utf8')) as typeof hostileManifest;
  hostileManifest.tool.name = TOOL_NAME;
  hostileManifest.tool.version = TOOL_VERSION;
  hostileManifest.images[0]!.source += SOURCE_SUFFIX;
  const changed = Buffer.from(`${JSON.stringify(hostileManifest, null, 2)}\n`);
  writeFileSync(path, changed);
  // SHA256SUMS redone: the checksums pass, so the commands go on to show (or refuse) the fields
  const sums = join(hostile, 'SHA256SUMS');
  writeFileSync(sums, readFileSync(sums, 'utf8').replace(/^[0-9a-f]{64}(?= {2}bundle\.json$)/m, createHash('sha256').update(changed).digest('hex')));
  mkdirSync(join(hostile, 'signatures'), { recursive: true });
  writeFileSync(join(hostile, 'signatures', SIGNATURE_NAME), 'not a signature');
});
after(() => bundle?.cleanup());

const ferry = (args: string[]): Promise<RunResult> => run(process.execPath, [bin, ...args], { timeoutMs: 60_000 });

/** No raw control byte in either stream; at least one injected character shows as an escape; returns which did. */
function assertEscaped(r: RunResult, what: string): string[] {
  for (const [name, text] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
    const raw = RAW_CONTROL.exec(text);
    assert.equal(raw, null, `${what}: a raw U+${raw?.[0].charCodeAt(0).toString(16).padStart(4, '0')} on ${name}:\n${JSON.stringify(text)}`);
  }
  const both = r.stdout + r.stderr;
  const shown = Object.keys(VISIBLE).filter((c) => VISIBLE[c]!.some((escape) => both.includes(escape)));
  assert.ok(shown.length > 0, `${what}: no escaped control character is visible:\n${both}`);
  return shown;
}

describe('hostile bundle fields and signature names through the built CLI', () => {
  test('ferry inspect: the fields are shown escaped (or the bundle is refused, the message escaped)', async () => {
    const r = await ferry(['inspect', hostile]);
    const shown = assertEscaped(r, 'inspect');
    if (r.code === 0) {
      assert.deepEqual(shown.sort(), Object.keys(VISIBLE).sort(), 'every injected character is visible');
      assert.ok(r.stdout.includes('by ferry\\x1b]0;pwned\\x07 1.0\\u009b2J'), r.stdout);
      assert.ok(r.stdout.includes('\\r\\x1b[32mIntact\\x1b[0m \\u202egnp.exe'), r.stdout);
    } else {
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^ferry: error: /m);
    }
  });

  test('ferry inspect --json: valid JSON whose values are exactly the bundle\'s, nothing raw', async () => {
    const r = await ferry(['inspect', hostile, '--json']);
    assertEscaped(r, 'inspect --json');
    const out = JSON.parse(r.stdout) as { type: string; bundle?: typeof hostileManifest; error?: { message: string } };
    if (r.code === 0) {
      assert.equal(out.type, 'result');
      assert.equal(out.bundle!.tool.name, TOOL_NAME);
      assert.equal(out.bundle!.tool.version, TOOL_VERSION);
      assert.equal(out.bundle!.images[0]!.source, hostileManifest.images[0]!.source);
    } else {
      assert.equal(out.type, 'error');
      assert.ok(out.error!.message.length > 0);
    }
  });

  test('ferry verify: the signature file name is shown escaped on its one problem line', async () => {
    const r = await ferry(['verify', hostile]);
    assertEscaped(r, 'verify');
    assert.equal(r.code, 1, 'a file in signatures/ that is not a signature fails verify (and so does a refused bundle)');
    if (r.stdout.startsWith('Bundle ')) {
      assert.match(r.stdout, /^ {6}problem: signatures\/x\\x1b\[2J\\x07\\u009b\\u202e\.json: It is not valid JSON/m);
      assert.match(r.stdout, /\nNOT VERIFIED\.\n$/);
    }
  });

  test('ferry verify --json: JSON lines on both streams, the file name exactly as on disk', async () => {
    const r = await ferry(['verify', hostile, '--json']);
    assertEscaped(r, 'verify --json');
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; trust?: { signatures: { file: string }[] } });
    const result = lines.find((l) => l.type === 'result');
    if (result?.trust) assert.ok(result.trust.signatures.some((s) => s.file === `signatures/${SIGNATURE_NAME}`), r.stdout);
    else assert.ok(lines.some((l) => l.type === 'error' || l.type === 'result'), r.stdout);
    for (const line of r.stderr.split('\n').filter((l) => l.startsWith('{'))) JSON.parse(line);
  });
});

describe('ferry serve logs requests one line each', () => {
  test('a path with %0a, %1b, a C1 and a bidi override is logged percent-encoded, on one line', async () => {
    const service = spawnService(process.execPath, [bin, 'serve', bundle.dir, '--listen', '127.0.0.1:0']);
    let stdout = '';
    let stderr = '';
    service.child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    service.child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      await waitUntil(async () => /http:\/\/127\.0\.0\.1:\d+/.test(stdout), { what: 'ferry serve prints its URL', process: service });
      const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!;
      const paths = ['/v2/a%0afake%1b[2J/manifests/x', '/v2/b%0d%c2%9b31m%e2%80%ae%07/manifests/y'];
      for (const path of paths) {
        const r = await request(`${url}${path}`);
        await r.body.text();
        assert.equal(r.statusCode, 404);
      }
      await waitUntil(async () => stderr.includes('/manifests/y'), { what: 'both requests logged', process: service });
      await service.stop();
      assert.equal(RAW_CONTROL.exec(stderr), null, JSON.stringify(stderr));
      const lines = stderr.split('\n');
      for (const path of paths) {
        const logged = lines.filter((l) => l.includes(path));
        assert.equal(logged.length, 1, `one line for ${path}:\n${stderr}`);
        assert.match(logged[0]!, new RegExp(`^\\S+ 127\\.0\\.0\\.1 GET ${path.replace(/[[\]]/g, '\\$&')} 404 \\d+ \\d+ms$`));
      }
      assert.ok(!lines.some((l) => l.startsWith('fake')), 'no forged line');
    } finally {
      await service.stop();
    }
  });
});
