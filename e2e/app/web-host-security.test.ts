// `ferry ui`'s web host: loopback only, the per-launch token on every request and socket, Host/Origin checked, input validated.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import WebSocket from 'ws';
import type { JobMessage } from '../../shared/api-contract.js';
import { createApiHost, startWebHost, type ApiHost, type WebHost } from '../../electron/engine/index.js';
import { makeTempDir, removeDir } from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';

let work: string;
let api: ApiHost;
let host: WebHost;
let base: string;

before(async () => {
  work = await makeTempDir('ferry-web-host');
  const rendererDir = join(work, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Ferry</title><script type="module" src="./assets/app.js"></script>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'export {};\n');
  writeFileSync(join(work, 'secret.txt'), 'outside the renderer\n');
  api = createApiHost();
  host = await startWebHost({ api, rendererDir });
  base = `http://127.0.0.1:${host.port}`;
});
after(async () => {
  await host?.close();
  await api?.close();
  if (work) await removeDir(work);
});

const bearer = (): Record<string, string> => ({ authorization: `Bearer ${host.token}` });
const post = (channel: string, body: unknown, headers: Record<string, string> = bearer()) =>
  request(`${base}/api/${channel}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

/** Opens the event socket with these headers: resolves 'open' or the HTTP status it was refused with. */
function openSocket(url: string, headers: Record<string, string>): Promise<{ ws?: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode! });
      res.resume();
    });
    ws.once('error', () => resolve({}));
  });
}

describe('ferry ui web host', () => {
  test('the token is a fresh 32-byte hex value and the URL printed carries it', () => {
    assert.match(host.token, /^[0-9a-f]{64}$/);
    assert.equal(host.openUrl, `${base}/?token=${host.token}`);
  });

  test('no token: 401; a wrong token: 403 (page, API and cookie alike)', async () => {
    const page = await request(`${base}/`);
    assert.equal(page.statusCode, 401);
    assert.match(((await page.body.json()) as { error: { message: string } }).error.message, /token/);
    assert.equal((await post('app.info', {}, {})).statusCode, 401);
    const wrong = 'f'.repeat(64);
    for (const r of [
      await request(`${base}/?token=${wrong}`),
      await post('app.info', {}, { authorization: `Bearer ${wrong}` }),
      await post('app.info', {}, { authorization: 'Basic abc' }),
      await request(`${base}/`, { headers: { cookie: `ferry-token-${host.port}=${wrong}` } }),
    ]) {
      assert.equal(r.statusCode, 403);
      await r.body.dump();
    }
  });

  test('the first load with ?token= sets an HttpOnly SameSite=Strict cookie and drops the token from the address; the page has a strict CSP', async () => {
    const first = await request(`${base}/?token=${host.token}`);
    assert.equal(first.statusCode, 303);
    assert.equal(first.headers.location, '/');
    const cookie = String(first.headers['set-cookie']);
    assert.match(cookie, new RegExp(`^ferry-token-${host.port}=${host.token}; HttpOnly; SameSite=Strict; Path=/$`));
    await first.body.dump();
    const page = await request(`${base}/`, { headers: { cookie: cookie.split(';')[0]! } });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.match(await page.body.text(), /<title>Ferry<\/title>/);
  });

  test('a Host other than 127.0.0.1:PORT or localhost:PORT is refused (DNS rebinding), even with the token', async () => {
    for (const h of ['evil.example', `evil.example:${host.port}`, `127.0.0.1:${host.port + 1}`, '127.0.0.1']) {
      const r = await request(`${base}/api/app.info`, { method: 'POST', headers: { ...bearer(), host: h, 'content-type': 'application/json' }, body: '{}' });
      assert.equal(r.statusCode, 403, h);
      await r.body.dump();
    }
    const ok = await request(`${base}/api/app.info`, { method: 'POST', headers: { ...bearer(), host: `localhost:${host.port}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
  });

  test('a foreign Origin is refused; the page\'s own origin is accepted', async () => {
    for (const origin of ['http://evil.example', `http://evil.example:${host.port}`, 'null', `https://127.0.0.1:${host.port}`]) {
      const r = await post('app.info', {}, { ...bearer(), origin });
      assert.equal(r.statusCode, 403, origin);
      await r.body.dump();
    }
    const r = await post('app.info', {}, { ...bearer(), origin: base });
    assert.equal(r.statusCode, 200);
    assert.equal(((await r.body.json()) as { result: { name: string } }).result.name, 'ferry');
  });

  test('bad input: 400 with a serialized error naming the field; unknown channel: 404; not JSON: 400', async () => {
    const bad = await post('bundle.inspect', { dir: 'a\u0000b' });
    assert.equal(bad.statusCode, 400);
    const body = (await bad.body.json()) as { error: { code: string; message: string; subject: string } };
    assert.equal(body.error.code, 'bad-usage');
    assert.equal(body.error.subject, 'dir');
    assert.match(body.error.message, /bundle\.inspect: dir: a path without NUL bytes/);
    const missing = await post('bundle.verify', { dirs: [] });
    assert.equal(missing.statusCode, 400);
    assert.equal(((await missing.body.json()) as { error: { subject: string } }).error.subject, 'dirs');
    const unknown = await post('fs.read', {});
    assert.equal(unknown.statusCode, 404);
    assert.equal(((await unknown.body.json()) as { error: { code: string } }).error.code, 'bad-usage');
    const notJson = await request(`${base}/api/app.info`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: '{nope' });
    assert.equal(notJson.statusCode, 400);
    await notJson.body.dump();
    const form = await request(`${base}/api/app.info`, { method: 'POST', headers: { ...bearer(), 'content-type': 'text/plain' }, body: '{}' });
    assert.equal(form.statusCode, 415);
    await form.body.dump();
    // an engine failure is a serialized error too
    const none = await post('bundle.inspect', { dir: join(work, 'no-such-bundle') });
    assert.equal(none.statusCode, 422);
    assert.equal(((await none.body.json()) as { error: { code: string } }).error.code, 'not-found');
  });

  test('static files never leave the renderer folder', async () => {
    for (const path of ['/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/%00']) {
      const r = await request(`${base}${path}`, { headers: bearer() });
      assert.equal(r.statusCode, 404, path);
      assert.doesNotMatch(await r.body.text(), /outside the renderer/);
    }
    const js = await request(`${base}/assets/app.js`, { headers: bearer() });
    assert.equal(js.statusCode, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    await js.body.dump();
  });

  test('the event socket needs the token (401 without, 403 wrong or foreign origin) and then carries job messages', async () => {
    const url = `ws://127.0.0.1:${host.port}/api/events`;
    assert.equal((await openSocket(url, {})).status, 401);
    assert.equal((await openSocket(`${url}?token=${'0'.repeat(64)}`, {})).status, 403);
    assert.equal((await openSocket(`${url}?token=${host.token}`, { origin: 'http://evil.example' })).status, 403);
    assert.equal((await openSocket(`ws://127.0.0.1:${host.port}/other?token=${host.token}`, {})).status, 403);
    const { ws } = await openSocket(`${url}?token=${host.token}`, { origin: base });
    assert.ok(ws, 'the socket opens with the token');
    try {
      const messages: JobMessage[] = [];
      const finished = new Promise<void>((resolve) =>
        ws.on('message', (data) => {
          const m = JSON.parse(String(data)) as JobMessage;
          messages.push(m);
          if (!('event' in m)) resolve();
        }),
      );
      const started = await post('bundle.verify', { dirs: [join(work, 'no-such-bundle')] });
      assert.equal(started.statusCode, 200);
      const { result } = (await started.body.json()) as { result: { jobId: string } };
      await finished;
      const final = messages.at(-1)!;
      assert.equal(final.jobId, result.jobId);
      assert.ok('result' in final || 'error' in final);
    } finally {
      ws.close();
    }
  });

  test('refuses to listen anywhere but loopback', async () => {
    await assert.rejects(startWebHost({ api, listen: '0.0.0.0:0' }), (e: Error & { code?: string }) => e.code === 'bad-usage' && /loopback only/.test(e.message));
    const r = await runFerry(['ui', '--listen', '0.0.0.0:0']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /loopback only/);
    const notBundle = await runFerry(['ui', '/nowhere/at-all']);
    assert.equal(notBundle.code, 2, notBundle.stderr);
    assert.match(notBundle.stderr, /\/nowhere\/at-all is not a bundle/);
  });

  test('`ferry ui` prints the URL with a fresh token, serves the API with it, and stops cleanly on Ctrl-C', async () => {
    const entry = new URL('../../electron/cli/bin.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, ['--import', 'tsx', entry, 'ui', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<URL>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /Ferry UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64})\n/.exec(out);
          if (m) resolve(new URL(m[1]!));
        });
        child.once('exit', () => reject(new Error(`ferry ui exited: ${out} ${err}`)));
      });
      const token = url.searchParams.get('token')!;
      assert.notEqual(token, host.token, 'every launch has its own token');
      const refused = await request(new URL('/api/app.info', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(refused.statusCode, 401);
      await refused.body.dump();
      const info = await request(new URL('/api/app.info', url), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{}' });
      assert.equal(info.statusCode, 200);
      assert.deepEqual(((await info.body.json()) as { result: { host: string } }).result.host, 'web');
      child.kill('SIGINT');
      assert.equal(await exited, 0, err);
      assert.match(err, /UI stopped/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
