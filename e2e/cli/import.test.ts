// `ferry import` end to end: the real CLI as a child process pushing a real bundle into real docker-registries
// (anonymous, htpasswd Basic over TLS with a private CA, Bearer tokens), checked with skopeo.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { flipByte, makeTestBundle, skopeo, skopeoFlags, startRegistry, type RegistryHandle, type TestBundle } from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';
import type { ImportReport } from '../../electron/engine/index.js';

let bundle: TestBundle;
let env: NodeJS.ProcessEnv;
before(async () => {
  bundle = await makeTestBundle({ split: '1MiB', bigLayers: 2, layerBytes: 700 * 1024 });
  mkdirSync(join(bundle.work, 'home'));
  env = { HOME: join(bundle.work, 'home'), DOCKER_CONFIG: join(bundle.work, 'home', '.docker'), XDG_RUNTIME_DIR: join(bundle.work, 'home'), REGISTRY_AUTH_FILE: '' };
});
after(() => bundle?.cleanup());

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const readReport = (file: string): ImportReport => JSON.parse(readFileSync(file, 'utf8')) as ImportReport;

/** A docker config folder holding a login for one host. */
function dockerConfig(name: string, registry: RegistryHandle): string {
  const dir = join(bundle.work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${registry.username}:${registry.password}`).toString('base64') } } }));
  return dir;
}

/** Every image of the bundle is in `registry` under `prefix` with its digest unchanged, and copies completely. */
async function assertImported(registry: RegistryHandle, prefix: string, name: string): Promise<void> {
  for (const image of bundle.manifest.images) {
    const ref = `docker://${registry.host}/${prefix}${image.repository}:${image.tag}`;
    const raw = await skopeo(['inspect', '--raw', ...skopeoFlags(registry), ref]);
    assert.equal(raw.code, 0, raw.stderr);
    assert.equal(sha(raw.stdout), image.digest, `${ref} has the bundle's digest`);
    if (image.mediaType.includes('index')) assert.equal((JSON.parse(raw.stdout) as { manifests: unknown[] }).manifests.length, image.manifests.length, 'multi-arch index kept');
  }
  const multi = bundle.manifest.images.find((i) => i.repository === 'test/multi')!;
  const copy = await skopeo(['copy', '--all', ...skopeoFlags(registry, { role: 'src' }), `docker://${registry.host}/${prefix}test/multi:1`, `oci:${join(bundle.work, `copy-${name}`)}:x`]);
  assert.equal(copy.code, 0, copy.stderr);
  assert.equal(multi.manifests.length, 3);
}

async function catalog(registry: RegistryHandle): Promise<string[]> {
  const res = await request(`${registry.url}/v2/_catalog`, { dispatcher: registry.dispatcher });
  return ((await res.body.json()) as { repositories?: string[] }).repositories ?? [];
}

describe('ferry import into an anonymous registry', () => {
  let target: RegistryHandle;
  before(async () => {
    target = await startRegistry();
  });
  after(() => target?.stop());

  test('a dry run prints the mapping and pushes nothing', async () => {
    const r = await runFerry(['import', bundle.dir, '--to', `${target.host}/mirror`, '--dry-run', '--insecure-registry', target.host], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`test/multi:1 +${target.host}/mirror/test/multi:1@sha256:`));
    assert.match(r.stdout, /nothing was pushed/);
    assert.deepEqual(await catalog(target), []);
  });

  test('an untrusted bundle (no signature by the trusted key) or one against policy pushes nothing', async () => {
    const key = await runFerry(['keygen', '--out', join(bundle.work, 'officer')], { env });
    assert.equal(key.code, 0, key.stderr);
    const untrusted = await runFerry(['import', bundle.dir, '--to', target.host, '--insecure-registry', target.host, '--trust', join(bundle.work, 'officer.pub')], { env });
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, /not trusted.*nothing was pushed/);
    const policy = join(bundle.work, 'no-tags.yaml');
    writeFileSync(policy, 'version: 1\nrequireDigest: true\n');
    const against = await runFerry(['import', bundle.dir, '--to', target.host, '--insecure-registry', target.host, '--policy', policy], { env });
    assert.equal(against.code, 1);
    assert.match(against.stderr, /breaks policy.*nothing was pushed/);
    assert.deepEqual(await catalog(target), []);
  });

  test('a prefix, --map, a report and mirror configuration', async () => {
    const report = join(bundle.work, 'anon-report.json');
    const mirror = join(bundle.work, 'mirror-config');
    const source = bundle.manifest.images[0]!.registry;
    const r = await runFerry(
      ['import', bundle.dir, '--to', `${target.host}/mirror`, '--map', `${source}/test/single=${target.host}/solo/single`, '--insecure-registry', target.host, '--report', report, '--mirror-config', mirror],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    const written = readReport(report);
    assert.equal(written.images.length, bundle.manifest.images.length);
    for (const image of bundle.manifest.images) {
      const entry = written.images.find((i) => i.source === image.reference)!;
      const path = image.repository === 'test/single' ? 'solo/single' : `mirror/${image.repository}`;
      assert.equal(entry.target, `${target.host}/${path}:${image.tag}@${image.digest}`);
      const raw = await skopeo(['inspect', '--raw', ...skopeoFlags(target), `docker://${target.host}/${path}:${image.tag}`]);
      assert.equal(sha(raw.stdout), image.digest);
    }
    assert.ok(written.stats.blobsMounted >= 1, 'the base layer shared by test/multi and test/shared is mounted');
    // containerd cannot express a partial rename: test/single's host keeps a warning, k3s gets exact rewrites
    const yaml = readFileSync(join(mirror, 'registries.yaml'), 'utf8');
    assert.match(yaml, new RegExp(`- "http://${target.host.replace(/\./g, '\\.')}"`));
    assert.match(yaml, /"\^test\/single\$": "solo\/single"/);
    assert.ok(!existsSync(join(mirror, source, 'hosts.toml')));
    assert.match(r.stderr, /hosts\.toml/);
  });

  test('hosts.toml for a plain prefix points at the target with override_path', async () => {
    const mirror = join(bundle.work, 'mirror-plain');
    const r = await runFerry(['import', bundle.dir, '--to', `${target.host}/plain`, '--insecure-registry', target.host, '--report', join(bundle.work, 'plain.json'), '--mirror-config', mirror], { env });
    assert.equal(r.code, 0, r.stderr);
    const source = bundle.manifest.images[0]!.registry;
    const toml = readFileSync(join(mirror, source, 'hosts.toml'), 'utf8');
    assert.match(toml, new RegExp(`\\[host\\."http://${target.host.replace(/\./g, '\\.')}/v2/plain"\\]`));
    assert.match(toml, /override_path = true/);
    assert.match(toml, /capabilities = \["pull", "resolve"\]/);
    await assertImported(target, 'plain/', 'plain');
  });
});

describe('ferry import killed half-way, then rerun', () => {
  let target: RegistryHandle;
  before(async () => {
    target = await startRegistry();
  });
  after(() => target?.stop());

  test('the rerun completes and reports the blobs it skipped', async () => {
    const entry = fileURLToPath(new URL('../../electron/cli/bin.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', entry, 'import', bundle.dir, '--to', target.host, '--insecure-registry', target.host, '--concurrency', '1', '--json', '--report', join(bundle.work, 'killed.json')], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const killed = new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // kill it once over half the bytes are up: with one blob at a time, at least one blob is complete by then
        const progress = [...stderr.matchAll(/"phase":"push","done":(\d+),"total":(\d+)/g)].at(-1);
        if (progress && Number(progress[1]) * 2 > Number(progress[2]) && !child.killed) child.kill('SIGKILL');
      });
      child.on('close', () => resolve());
    });
    await killed;
    assert.equal(child.signalCode, 'SIGKILL', `the import was killed mid-way (stderr: ${stderr.slice(-500)})`);
    assert.ok(!existsSync(join(bundle.work, 'killed.json')), 'no report from a killed run');

    const report = join(bundle.work, 'rerun.json');
    const r = await runFerry(['import', bundle.dir, '--to', target.host, '--insecure-registry', target.host, '--report', report], { env });
    assert.equal(r.code, 0, r.stderr);
    const { stats } = readReport(report);
    assert.ok(stats.blobsExisting >= 1, `skipped blobs: ${JSON.stringify(stats)}`);
    assert.match(r.stdout, /already there \(skipped\)/);
    await assertImported(target, '', 'rerun');
  });

  test('a damaged bundle pushes nothing: exit 1, the catalog stays empty', async () => {
    const fresh = await startRegistry();
    try {
      const dir = join(bundle.work, 'damaged');
      cpSync(bundle.dir, dir, { recursive: true });
      flipByte(join(dir, bundle.manifest.archive.parts[0]!.name), 3000);
      const r = await runFerry(['import', dir, '--to', fresh.host, '--insecure-registry', fresh.host, '--report', join(bundle.work, 'damaged.json')], { env });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /nothing was pushed/);
      assert.deepEqual(await catalog(fresh), []);
      assert.ok(!existsSync(join(bundle.work, 'damaged.json')));
    } finally {
      await fresh.stop();
    }
  });
});

describe('ferry import with credentials', () => {
  test('Basic over TLS: credentials from DOCKER_CONFIG, --ca-file', async () => {
    const target = await startRegistry({ auth: 'basic', tls: true });
    try {
      const r = await runFerry(['import', bundle.dir, '--to', `${target.host}/basic`, '--ca-file', target.caFile!, '--report', join(bundle.work, 'basic.json')], {
        env: { ...env, DOCKER_CONFIG: dockerConfig('basic-docker', target) },
      });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!r.stdout.includes(target.password!) && !r.stderr.includes(target.password!));
      await assertImported(target, 'basic/', 'basic');
      // without a login the push is refused with advice
      const anon = await runFerry(['import', bundle.dir, '--to', `${target.host}/anon`, '--ca-file', target.caFile!, '--report', join(bundle.work, 'basic-anon.json')], { env });
      assert.equal(anon.code, 1);
      assert.match(anon.stderr, /docker login/);
    } finally {
      await target.stop();
    }
  });

  test('Bearer tokens with push scope', async () => {
    const target = await startRegistry({ auth: 'token', anonymousPull: false });
    try {
      const r = await runFerry(['import', bundle.dir, '--to', target.host, '--insecure-registry', target.host, '--report', join(bundle.work, 'token.json')], {
        env: { ...env, DOCKER_CONFIG: dockerConfig('token-docker', target) },
      });
      assert.equal(r.code, 0, r.stderr);
      const scopes = target.tokenServer!.requests.flatMap((q) => q.scopes);
      assert.ok(scopes.some((s) => /^repository:test\/multi:pull,push$/.test(s)), scopes.join(' '));
      await assertImported(target, '', 'token');
    } finally {
      await target.stop();
    }
  });
});
