// `ferry bundle` against registries that want credentials, as users meet them: htpasswd Basic
// over TLS with a private CA, and the Bearer token flow (Docker Hub, GHCR, Harbor).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir, removeDir, seedTestImages, startRegistry, type RegistryHandle, type SeededTestImages } from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';
import type { BundleManifest } from '../../shared/bundle-manifest.js';

let work: string;

before(async () => {
  work = await makeTempDir('ferry-e2e-auth');
});
after(async () => {
  if (work) await removeDir(work);
});

/** An isolated HOME whose docker config.json holds `auths` for one host. */
function homeWithDockerAuth(name: string, host: string, username: string, password: string): NodeJS.ProcessEnv {
  const home = join(work, name);
  mkdirSync(join(home, '.docker'), { recursive: true });
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ auths: { [host]: { auth } } }));
  return { HOME: home, DOCKER_CONFIG: join(home, '.docker'), XDG_CACHE_HOME: join(home, 'cache'), XDG_RUNTIME_DIR: home, REGISTRY_AUTH_FILE: '' };
}

const readBundle = (dir: string): BundleManifest => JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as BundleManifest;

describe('htpasswd Basic over TLS with a private CA', () => {
  let registry: RegistryHandle;
  let images: SeededTestImages;
  before(async () => {
    registry = await startRegistry({ auth: 'basic', tls: true });
    images = await seedTestImages(registry);
  });
  after(() => registry?.stop());

  test('credentials from ~/.docker/config.json and --ca-file: the bundle completes', async () => {
    const env = homeWithDockerAuth('basic-ok', registry.host, registry.username!, registry.password!);
    const dir = join(work, 'basic-ok-bundle');
    const r = await runFerry(['bundle', images.multi.fullRef, images.single.fullRef, '--ca-file', registry.caFile!, '-o', dir], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readBundle(dir).images.map((i) => i.digest), [images.multi.digest, images.single.digest]);
    const text = readFileSync(join(dir, 'bundle.json'), 'utf8');
    assert.ok(!text.includes(registry.password!), 'no password in bundle.json');
  });

  test('without the CA the TLS error says what to do', async () => {
    const env = homeWithDockerAuth('basic-noca', registry.host, registry.username!, registry.password!);
    const r = await runFerry(['bundle', images.single.fullRef, '-o', join(work, 'noca')], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--ca-file/);
    assert.ok(!existsSync(join(work, 'noca', 'bundle.json')));
  });

  test('a wrong password fails with exit 1, names the registry, and never prints the password', async () => {
    const wrong = 'not-the-password-4711';
    const env = homeWithDockerAuth('basic-wrong', registry.host, registry.username!, wrong);
    const r = await runFerry(['bundle', images.single.fullRef, '--ca-file', registry.caFile!, '-o', join(work, 'wrong'), '--json'], { env });
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes(registry.host), r.stderr);
    for (const secret of [wrong, Buffer.from(`ferry:${wrong}`).toString('base64')]) {
      assert.ok(!r.stderr.includes(secret) && !r.stdout.includes(secret), 'secret leaked');
    }
    const error = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { type: string; error: { code: string } };
    assert.equal(error.type, 'error');
    assert.equal(error.error.code, 'unauthorized');
  });
});

describe('Bearer tokens from a token server', () => {
  let registry: RegistryHandle;
  let images: SeededTestImages;
  before(async () => {
    registry = await startRegistry({ auth: 'token', anonymousPull: false });
    images = await seedTestImages(registry);
  });
  after(() => registry?.stop());

  test('credentials from containers auth.json get a token; the bundle completes', async () => {
    const home = join(work, 'token-home');
    mkdirSync(home, { recursive: true });
    const authFile = join(home, 'auth.json');
    const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    writeFileSync(authFile, JSON.stringify({ auths: { [registry.host]: { auth } } }));
    const before = registry.tokenServer!.tokenRequests;
    const dir = join(work, 'token-bundle');
    const r = await runFerry(['bundle', images.multi.fullRef, images.shared.fullRef, '--insecure-registry', registry.host, '-o', dir], {
      env: { HOME: home, DOCKER_CONFIG: join(home, 'none'), XDG_CACHE_HOME: join(home, 'cache'), REGISTRY_AUTH_FILE: authFile },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readBundle(dir).images.map((i) => i.digest), [images.multi.digest, images.shared.digest]);
    const served = registry.tokenServer!.tokenRequests - before;
    // one token per repository scope, reused for every manifest and blob of it
    assert.ok(served >= 2 && served <= 4, `token requests: ${served}`);
  });

  test('anonymous pull where the token server refuses it: exit 1, unauthorized', async () => {
    const home = join(work, 'token-anon');
    mkdirSync(home, { recursive: true });
    const r = await runFerry(['bundle', images.single.fullRef, '--insecure-registry', registry.host, '-o', join(work, 'anon')], {
      env: { HOME: home, DOCKER_CONFIG: join(home, 'none'), XDG_CACHE_HOME: join(home, 'cache'), REGISTRY_AUTH_FILE: '' },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unauthori[sz]ed|denied|credentials/i);
  });
});
