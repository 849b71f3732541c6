// Ctrl-C during `ferry bundle`: the run stops promptly and leaves nothing that looks complete.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import {
  buildSingleImage,
  makeRandomLayer,
  makeTempDir,
  pushImage,
  removeDir,
  startCuttingProxy,
  startRegistry,
  type CuttingProxyHandle,
  type RegistryHandle,
} from '../harness/index.js';

const entry = fileURLToPath(new URL('../../electron/cli/bin.ts', import.meta.url));
let work: string;
let registry: RegistryHandle;
let proxy: CuttingProxyHandle;

before(async () => {
  work = await makeTempDir('ferry-e2e-cancel');
  registry = await startRegistry();
  const layers = [await makeRandomLayer(2 * 1024 * 1024, { name: 'a.bin' }), await makeRandomLayer(2 * 1024 * 1024, { name: 'b.bin' })];
  await pushImage(registry, 'slow/app', '1', buildSingleImage('oci', { os: 'linux', architecture: 'amd64' }, layers));
  // the registry hangs once a megabyte has gone out: the bundle is mid-fetch for as long as we like
  proxy = await startCuttingProxy(registry.host, { cutAfterBytes: 1024 * 1024, stall: true });
});
after(async () => {
  await proxy?.stop();
  await registry?.stop();
  if (work) await removeDir(work);
});

test('SIGINT mid-fetch exits 1 within seconds, says it was cancelled, and leaves no bundle files', async () => {
  const dir = join(work, 'out');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', entry, 'bundle', `${proxy.host}/slow/app:1`, '-o', dir, '--insecure-registry', proxy.host, '--no-cache'],
    { env: { ...process.env, HOME: work, XDG_CACHE_HOME: join(work, 'cache') }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await proxy.cut;
  // the archive's temporary file exists: the run is really in the middle of writing
  const deadline = Date.now() + 10_000;
  while (!(existsSync(dir) && readdirSync(dir).some((n) => n.endsWith('.partial'))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(existsSync(dir) && readdirSync(dir).some((n) => n.endsWith('.partial')), `mid-write: ${stderr}`);
  const signalled = Date.now();
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 1, stderr);
  assert.ok(Date.now() - signalled < 5000, 'stopped promptly');
  assert.match(stderr, /cancelled; nothing complete was left behind/);
  assert.ok(!existsSync(dir) || readdirSync(dir).length === 0, `left behind: ${existsSync(dir) ? readdirSync(dir).join(', ') : ''}`);
});
