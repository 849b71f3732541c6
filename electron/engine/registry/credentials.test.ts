import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { FerryError } from '../errors/ferry-error.js';
import { chainCredentials, defaultCredentialResolver, staticCredentials } from './credentials.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

let root: string;
let binDir: string;
let counter = 0;

/** A fresh HOME (and optional DOCKER_CONFIG) for one test, with the fake helpers on PATH. */
async function makeEnv(files: { docker?: unknown; dockerConfigDir?: boolean; containers?: Record<string, unknown> } = {}): Promise<NodeJS.ProcessEnv> {
  const home = join(root, `home-${++counter}`);
  await mkdir(home, { recursive: true });
  const env: NodeJS.ProcessEnv = { HOME: home, PATH: `${binDir}:/usr/bin:/bin` };
  if (files.docker !== undefined) {
    const dir = files.dockerConfigDir ? join(root, `docker-config-${counter}`) : join(home, '.docker');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'config.json'), typeof files.docker === 'string' ? files.docker : JSON.stringify(files.docker));
    if (files.dockerConfigDir) env.DOCKER_CONFIG = dir;
  }
  for (const [where, content] of Object.entries(files.containers ?? {})) {
    let path: string;
    if (where === 'REGISTRY_AUTH_FILE') {
      path = join(root, `auth-${counter}.json`);
      env.REGISTRY_AUTH_FILE = path;
    } else if (where === 'XDG_RUNTIME_DIR') {
      const runtime = join(root, `run-${counter}`);
      path = join(runtime, 'containers', 'auth.json');
      env.XDG_RUNTIME_DIR = runtime;
    } else path = join(home, '.config', 'containers', 'auth.json');
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, JSON.stringify(content));
  }
  return env;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'ferry-credentials-'));
  binDir = join(root, 'bin');
  await mkdir(binDir);
  // A helper that answers per server URL, like docker-credential-pass/osxkeychain do.
  await writeFile(
    join(binDir, 'docker-credential-test'),
    `#!/bin/sh
[ "$1" = get ] || exit 2
read -r server
case "$server" in
  helper.example) echo '{"ServerURL":"helper.example","Username":"helper-user","Secret":"helper-secret"}' ;;
  https://index.docker.io/v1/) echo '{"ServerURL":"https://index.docker.io/v1/","Username":"hub-user","Secret":"hub-secret"}' ;;
  token.example) echo '{"ServerURL":"token.example","Username":"<token>","Secret":"refresh-me"}' ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`,
  );
  await writeFile(join(binDir, 'docker-credential-broken'), '#!/bin/sh\necho "boom: leaked-helper-secret"; echo "leaked-helper-secret" >&2; exit 3\n');
  await writeFile(join(binDir, 'docker-credential-garbage'), '#!/bin/sh\necho "not json at all"\n');
  for (const name of ['test', 'broken', 'garbage']) await chmod(join(binDir, `docker-credential-${name}`), 0o755);
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('defaultCredentialResolver', () => {
  it('reads inline auths under every key form, including the Docker Hub v1 URL', async () => {
    const env = await makeEnv({
      docker: {
        auths: {
          'plain.example': { auth: b64('alice:pa:ss') },
          'https://scheme.example': { auth: b64('bob:secret') },
          'http://v2.example/v2/': { auth: b64('carol:pw') },
          'https://index.docker.io/v1/': { auth: b64('hubber:hubpass') },
          'localhost:5000': { identitytoken: 'idtok', auth: b64('dave:') },
          'scoped.example/team': { auth: b64('eve:nope') },
        },
      },
    });
    const resolve = defaultCredentialResolver(env);
    assert.deepEqual(await resolve('plain.example'), { username: 'alice', password: 'pa:ss' });
    assert.deepEqual(await resolve('scheme.example'), { username: 'bob', password: 'secret' });
    assert.deepEqual(await resolve('V2.example'), { username: 'carol', password: 'pw' });
    assert.deepEqual(await resolve('docker.io'), { username: 'hubber', password: 'hubpass' });
    assert.deepEqual(await resolve('localhost:5000'), { username: 'dave', identityToken: 'idtok' });
    assert.equal(await resolve('scoped.example'), undefined);
    assert.equal(await resolve('unknown.example'), undefined);
  });

  it('honours DOCKER_CONFIG', async () => {
    const env = await makeEnv({ docker: { auths: { 'r.example': { auth: b64('u:p') } } }, dockerConfigDir: true });
    assert.deepEqual(await defaultCredentialResolver(env)('r.example'), { username: 'u', password: 'p' });
  });

  it('asks credHelpers and credsStore with the server URL on stdin', async () => {
    const env = await makeEnv({
      docker: {
        credHelpers: { 'helper.example': 'test', 'token.example': 'test', 'nothing.example': 'test' },
        credsStore: 'test',
        auths: { 'https://index.docker.io/v1/': {}, 'inline.example': { auth: b64('in:line') } },
      },
    });
    const resolve = defaultCredentialResolver(env);
    assert.deepEqual(await resolve('helper.example'), { username: 'helper-user', password: 'helper-secret' });
    assert.deepEqual(await resolve('token.example'), { identityToken: 'refresh-me' });
    assert.deepEqual(await resolve('docker.io'), { username: 'hub-user', password: 'hub-secret' }, 'credsStore for Docker Hub');
    assert.equal(await resolve('nothing.example'), undefined, '"credentials not found" means anonymous');
    assert.deepEqual(await resolve('inline.example'), { username: 'in', password: 'line' }, 'inline auths when the store has nothing');
  });

  it('reports a failing or missing helper by name and host, never with its output', async () => {
    const env = await makeEnv({ docker: { credHelpers: { 'b.example': 'broken', 'm.example': 'missing', 'g.example': 'garbage' } } });
    const resolve = defaultCredentialResolver(env);
    for (const [host, helper] of [['b.example', 'broken'], ['m.example', 'missing'], ['g.example', 'garbage']] as const) {
      const error = await resolve(host).then(
        () => assert.fail('expected an error'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof FerryError);
      assert.equal(error.code, 'credentials');
      assert.equal(error.subject, host);
      assert.match(error.message, new RegExp(`docker-credential-${helper}`));
      assert.match(error.message, new RegExp(host.replace('.', '\\.')));
      assert.doesNotMatch(inspect(error, { depth: 5 }) + JSON.stringify(error), /leaked-helper-secret/);
    }
  });

  it('falls back to containers auth files in order: REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR, ~/.config', async () => {
    const env = await makeEnv({
      docker: { auths: { 'docker-first.example': { auth: b64('docker:wins') } } },
      containers: {
        REGISTRY_AUTH_FILE: { auths: { 'a.example': { auth: b64('from:authfile') }, 'docker-first.example': { auth: b64('containers:loses') } } },
        XDG_RUNTIME_DIR: { auths: { 'a.example': { auth: b64('from:runtime') }, 'b.example': { auth: b64('from:runtime') } } },
        HOME: { auths: { 'b.example': { auth: b64('from:home') }, 'c.example': { username: 'plain', password: 'fields' } } },
      },
    });
    const resolve = defaultCredentialResolver(env);
    assert.deepEqual(await resolve('docker-first.example'), { username: 'docker', password: 'wins' });
    assert.deepEqual(await resolve('a.example'), { username: 'from', password: 'authfile' });
    assert.deepEqual(await resolve('b.example'), { username: 'from', password: 'runtime' });
    assert.deepEqual(await resolve('c.example'), { username: 'plain', password: 'fields' });
  });

  it('says which file is broken', async () => {
    const env = await makeEnv({ docker: '{ not json' });
    await assert.rejects(defaultCredentialResolver(env)('x.example'), (e: unknown) => {
      assert.ok(e instanceof FerryError);
      assert.equal(e.code, 'credentials');
      assert.match(e.message, /config\.json is not valid JSON/);
      return true;
    });
  });

  it('is anonymous when there are no files at all', async () => {
    assert.equal(await defaultCredentialResolver(await makeEnv())('docker.io'), undefined);
  });
});

describe('staticCredentials', () => {
  it('matches registries under any key form', async () => {
    const resolve = staticCredentials({
      'https://index.docker.io/v1/': { username: 'hub', password: 'x' },
      'Localhost:5000': { identityToken: 't' },
    });
    assert.deepEqual(await resolve('docker.io'), { username: 'hub', password: 'x' });
    assert.deepEqual(await resolve('index.docker.io'), { username: 'hub', password: 'x' });
    assert.deepEqual(await resolve('localhost:5000'), { identityToken: 't' });
    assert.equal(await resolve('localhost:5001'), undefined);
  });
});

describe('chainCredentials', () => {
  it('takes an explicit login first and falls back to the credential files for other registries', async () => {
    const env = await makeEnv({ docker: { auths: { 'files.example:5000': { auth: b64('fileuser:filepass') }, 'both.example': { auth: b64('old:old') } } } });
    const resolve = chainCredentials(staticCredentials({ 'both.example': { username: 'typed', password: 'typed-pw' } }), defaultCredentialResolver(env));
    assert.deepEqual(await resolve('both.example'), { username: 'typed', password: 'typed-pw' });
    assert.deepEqual(await resolve('files.example:5000'), { username: 'fileuser', password: 'filepass' });
    assert.equal(await resolve('nobody.example'), undefined);
  });
});
