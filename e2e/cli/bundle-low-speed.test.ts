// `ferry bundle --low-speed-limit/--low-speed-time`: the real CLI against a real registry behind a fault proxy whose
// first answer for a layer drips (160 B/s). With a 1 s window the drip is cut and resumed with Range, and the bundle
// completes; bad values are usage errors.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  buildSingleImage,
  makeRandomLayer,
  makeTempDir,
  pushImage,
  removeDir,
  startFaultProxy,
  startRegistry,
  type FaultProxy,
  type Layer,
  type RegistryHandle,
} from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';

let work: string;
let env: NodeJS.ProcessEnv;
let registry: RegistryHandle;
let proxy: FaultProxy;
let layer: Layer;

before(async () => {
  work = await makeTempDir('ferry-e2e-low-speed');
  mkdirSync(join(work, 'home'));
  env = { HOME: join(work, 'home'), XDG_CACHE_HOME: join(work, 'cache'), DOCKER_CONFIG: join(work, 'home', '.docker'), XDG_RUNTIME_DIR: join(work, 'home') };
  registry = await startRegistry({ auth: 'none', tls: false });
  layer = await makeRandomLayer(256 * 1024, { name: 'data.bin' });
  await pushImage(registry, 'team/app', '1.0', buildSingleImage('oci', { os: 'linux', architecture: 'amd64' }, [layer]));
  proxy = await startFaultProxy(registry.url);
});
after(async () => {
  await proxy?.stop();
  await registry?.stop();
  if (work) await removeDir(work);
});

test('a layer that drips below --low-speed-limit over --low-speed-time is cut, resumed with Range, and the bundle completes', async () => {
  proxy.handler = (req, _res, { hit, path, forward }) =>
    forward(req.method === 'GET' && path.includes(`/blobs/${layer.digest}`) && hit === 1 ? { drip: { bytes: 16, everyMs: 100 } } : {});
  const dir = join(work, 'out');
  const started = Date.now();
  const r = await runFerry(
    ['bundle', `${proxy.host}/team/app:1.0`, '-o', dir, '--insecure-registry', proxy.host, '--no-cache', '--low-speed-limit', '1KiB', '--low-speed-time', '1'],
    { env, timeoutMs: 60_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  const gets = proxy.requests.filter((q) => q.method === 'GET' && q.path.includes(`/blobs/${layer.digest}`));
  assert.equal(gets.length, 2, 'cut once, then resumed');
  assert.match(String(gets[1]!.headers.range), /^bytes=[1-9]\d*-$/);
  assert.ok(Date.now() - started < 30_000, 'not waiting on the 30 s default window');
});

test('bad --low-speed-limit and --low-speed-time values are usage errors (exit 2) naming the value', async () => {
  const base = ['bundle', 'registry.invalid/team/app:1.0', '-o', join(work, 'never')];
  const limit = await runFerry([...base, '--low-speed-limit', 'fast'], { env });
  assert.equal(limit.code, 2, limit.stderr);
  assert.match(limit.stderr, /--low-speed-limit "fast" is not a rate in bytes per second/);
  const time = await runFerry([...base, '--low-speed-time', '0'], { env });
  assert.equal(time.code, 2, time.stderr);
  assert.match(time.stderr, /--low-speed-time "0" is not a number of seconds/);
});
