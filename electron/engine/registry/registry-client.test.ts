import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import {
  imageBlobs,
  makeTempDir,
  removeDir,
  seedTestImages,
  startBlobServer,
  startRegistry,
  type BlobServerHandle,
  type RegistryHandle,
  type SeededImage,
  type SeededTestImages,
} from '../../../e2e/harness/index.js';
import { staticCredentials } from './credentials.js';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from './manifest-media-types.js';
import { RegistryClient, type BlobDescriptor } from './registry-client.js';
import { assertNoSecret, rejectsWith } from '../../../e2e/harness/error-assertions.js';

/** Any non-foreign blob of an image as a descriptor, with its bytes. */
function someBlob(image: SeededImage): BlobDescriptor & { bytes: Buffer } {
  const blob = [...imageBlobs(image).values()].find((b) => !b.foreign)!;
  return { digest: blob.digest, size: blob.size, bytes: blob.bytes };
}

const ref = (host: string, image: SeededImage, digest?: boolean) => ({
  registry: host,
  repository: image.repository,
  ...(digest ? { digest: image.digest } : { tag: image.tag }),
});

describe('RegistryClient against a real anonymous registry', () => {
  let registry: RegistryHandle;
  let blobServer: BlobServerHandle;
  let seeded: SeededTestImages;
  let client: RegistryClient;

  before(async () => {
    blobServer = await startBlobServer();
    registry = await startRegistry({ auth: 'none', tls: false });
    seeded = await seedTestImages(registry, { blobServer });
    client = new RegistryClient({ insecureRegistries: [registry.host], env: {} });
  });
  after(async () => {
    await client?.close();
    await registry?.stop();
    await blobServer?.stop();
  });

  it('pings, and fetches every kind of manifest by tag and by digest', async () => {
    await client.ping(registry.host);
    const expected = new Map([
      [seeded.multi, OCI_INDEX],
      [seeded.shared, OCI_MANIFEST],
      [seeded.single, DOCKER_MANIFEST],
      [seeded.windows, DOCKER_MANIFEST_LIST],
    ]);
    for (const [image, mediaType] of expected) {
      for (const byDigest of [false, true]) {
        const manifest = await client.getManifest(ref(registry.host, image, byDigest));
        assert.equal(manifest.mediaType, mediaType);
        assert.equal(manifest.digest, image.digest);
        assert.deepEqual(manifest.bytes, image.manifest.bytes);
      }
    }
  });

  it('streams blobs byte for byte, including an empty read of a shared layer', async () => {
    for (const image of seeded.all) {
      for (const blob of imageBlobs(image).values()) {
        if (blob.foreign) continue;
        const stream = await client.openBlob(registry.host, image.repository, { digest: blob.digest, size: blob.size });
        assert.deepEqual(await buffer(stream), blob.bytes);
      }
    }
  });

  it('downloads foreign layers from their urls without registry auth, skipping dead urls', async () => {
    const [digest, bytes] = [...seeded.foreignBlobs][0]!;
    const stream = await client.openForeignBlob({ digest, size: bytes.length, urls: [`${blobServer.baseUrl}/${digest}`] });
    assert.deepEqual(await buffer(stream), bytes);
    const fallback = await client.openForeignBlob({
      digest,
      size: bytes.length,
      urls: ['ftp://nope/x', 'http://127.0.0.1:9/dead', `${blobServer.baseUrl}/${digest}`],
    });
    assert.deepEqual(await buffer(fallback), bytes);
    await rejectsWith(client.openForeignBlob({ digest, size: bytes.length, urls: [`${blobServer.baseUrl}/sha256:${'0'.repeat(64)}`] }), 'not-found');
  });

  it('reports missing images and blobs as not-found', async () => {
    const error = await rejectsWith(client.getManifest({ registry: registry.host, repository: 'test/nope', tag: '1' }), 'not-found', /image "127\.0\.0\.1:\d+\/test\/nope:1" not found/i);
    assert.equal(error.subject, `${registry.host}/test/nope:1`);
    await rejectsWith(client.getManifest({ registry: registry.host, repository: 'test/multi', tag: 'missing' }), 'not-found');
    await rejectsWith(client.openBlob(registry.host, 'test/multi', { digest: `sha256:${'1'.repeat(64)}`, size: 3 }), 'not-found');
  });

  it('uses HTTPS for hosts not listed as insecure, and says how to fix the TLS failure', async () => {
    const strict = new RegistryClient({ env: {}, retries: 0 });
    try {
      const error = await rejectsWith(strict.getManifest(ref(registry.host, seeded.single)), 'tls', /TLS connection to .* failed.*not trusted/);
      // the advice is each surface's (the CLI names --ca-file / --insecure-registry, the app its fields): the engine names the hint
      assert.equal(error.hint, 'tls-trust');
      assert.doesNotMatch(error.message, /--/);
    } finally {
      await strict.close();
    }
  });

  it('ignores proxies for loopback hosts', async () => {
    const proxied = new RegistryClient({ insecureRegistries: [registry.host], env: { HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9' }, retries: 0 });
    try {
      const manifest = await proxied.getManifest(ref(registry.host, seeded.single));
      assert.equal(manifest.digest, seeded.single.digest);
    } finally {
      await proxied.close();
    }
  });
});

describe('RegistryClient against a Basic-auth registry over TLS', () => {
  let registry: RegistryHandle;
  let storage: RegistryHandle;
  let seeded: SeededTestImages;
  let home: string;

  before(async () => {
    storage = await startRegistry({ auth: 'none', tls: false });
    seeded = await seedTestImages(storage);
    registry = await startRegistry({ auth: 'basic', tls: true, rootDir: storage.rootDir });
    home = await makeTempDir('registry-client-home');
  });
  after(async () => {
    await registry?.stop();
    await storage?.stop();
    if (home) await removeDir(home);
  });

  it('pulls with the right login and the CA file', async () => {
    const client = new RegistryClient({
      caFiles: [registry.caFile!],
      credentials: staticCredentials({ [registry.host]: { username: registry.username!, password: registry.password! } }),
      env: {},
    });
    try {
      await client.ping(registry.host);
      const manifest = await client.getManifest(ref(registry.host, seeded.single));
      assert.equal(manifest.digest, seeded.single.digest);
      const blob = someBlob(seeded.single);
      assert.deepEqual(await buffer(await client.openBlob(registry.host, seeded.single.repository, blob)), blob.bytes);
    } finally {
      await client.close();
    }
  });

  it('finds the login in DOCKER_CONFIG by default', async () => {
    const dockerConfig = join(home, 'docker');
    await mkdir(dockerConfig, { recursive: true });
    const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    await writeFile(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [`https://${registry.host}`]: { auth } } }));
    const client = new RegistryClient({ caFiles: [registry.caFile!], env: { HOME: home, DOCKER_CONFIG: dockerConfig } });
    try {
      const manifest = await client.getManifest(ref(registry.host, seeded.multi));
      assert.equal(manifest.digest, seeded.multi.digest);
    } finally {
      await client.close();
    }
  });

  it('fails with a tls error hinting at a CA file without the CA, and works unverified when listed as insecure', async () => {
    const credentials = staticCredentials({ [registry.host]: { username: registry.username!, password: registry.password! } });
    const strict = new RegistryClient({ credentials, env: {}, retries: 0 });
    try {
      const error = await rejectsWith(strict.getManifest(ref(registry.host, seeded.single)), 'tls', /TLS connection/);
      assert.equal(error.subject, `${registry.host}/${seeded.single.repository}:${seeded.single.tag}`);
      assert.equal(error.hint, 'tls-trust');
      assert.equal((await rejectsWith(strict.ping(registry.host), 'tls', /TLS connection/)).hint, 'tls-trust');
      assertNoSecret(error, registry.password!);
    } finally {
      await strict.close();
    }
    const insecure = new RegistryClient({ credentials, insecureRegistries: [registry.host], env: {} });
    try {
      const manifest = await insecure.getManifest(ref(registry.host, seeded.single));
      assert.equal(manifest.digest, seeded.single.digest);
    } finally {
      await insecure.close();
    }
  });

  it('reports a wrong password as unauthorized, without the password anywhere', async () => {
    const wrong = 'Wr0ng-Passw0rd-Do-Not-Leak';
    const client = new RegistryClient({
      caFiles: [registry.caFile!],
      credentials: staticCredentials({ [registry.host]: { username: registry.username!, password: wrong } }),
      env: {},
    });
    try {
      const error = await rejectsWith(client.getManifest(ref(registry.host, seeded.single)), 'unauthorized', /refused the saved login/);
      assert.match(error.message, new RegExp(seeded.single.repository));
      assertNoSecret(error, wrong);
      assertNoSecret(error, Buffer.from(`${registry.username}:${wrong}`).toString('base64'));
      const pingError = await rejectsWith(client.ping(registry.host), 'unauthorized');
      assertNoSecret(pingError, wrong);
      const blobError = await rejectsWith(client.openBlob(registry.host, seeded.single.repository, someBlob(seeded.single)), 'unauthorized');
      assertNoSecret(blobError, wrong);
    } finally {
      await client.close();
    }
  });

  it('asks for a login when there is none', async () => {
    const client = new RegistryClient({ caFiles: [registry.caFile!], credentials: staticCredentials({}), env: {} });
    try {
      await client.ping(registry.host); // reachable; a login may not be needed for every image
      await rejectsWith(client.getManifest(ref(registry.host, seeded.single)), 'unauthorized', /docker login/);
    } finally {
      await client.close();
    }
  });
});

describe('RegistryClient against a token-auth registry', () => {
  let storage: RegistryHandle;
  let registry: RegistryHandle;
  let closed: RegistryHandle;
  let seeded: SeededTestImages;

  before(async () => {
    storage = await startRegistry({ auth: 'none', tls: false });
    seeded = await seedTestImages(storage);
    registry = await startRegistry({ auth: 'token', tls: false, rootDir: storage.rootDir, tokenExpiresIn: 2 });
    closed = await startRegistry({ auth: 'token', tls: false, rootDir: storage.rootDir, anonymousPull: false });
  });
  after(async () => {
    await registry?.stop();
    await closed?.stop();
    await storage?.stop();
  });

  it('pulls anonymously with one token per repository, cached until it expires', async () => {
    const client = new RegistryClient({ insecureRegistries: [registry.host], credentials: staticCredentials({}), env: {} });
    const tokens = registry.tokenServer!;
    try {
      const start = tokens.tokenRequests;
      const manifest = await client.getManifest(ref(registry.host, seeded.multi));
      assert.equal(manifest.digest, seeded.multi.digest);
      const blobs = [...imageBlobs(seeded.multi).values()];
      await Promise.all(
        blobs.map(async (b) => assert.deepEqual(await buffer(await client.openBlob(registry.host, seeded.multi.repository, b)), b.bytes)),
      );
      assert.equal(tokens.tokenRequests - start, 1, 'one token for test/multi');
      const last = tokens.requests.at(-1)!;
      assert.deepEqual(last.scopes, ['repository:test/multi:pull']);
      assert.equal(last.user, undefined);
      assert.equal(last.service, tokens.service);

      await client.getManifest(ref(registry.host, seeded.single));
      assert.equal(tokens.tokenRequests - start, 2, 'another repository, another scope, another token');

      await new Promise((r) => setTimeout(r, 2_100)); // the token lives 2 s
      await client.getManifest(ref(registry.host, seeded.multi));
      assert.equal(tokens.tokenRequests - start, 3, 'an expired token is fetched again');
    } finally {
      await client.close();
    }
  });

  it('gets tokens with Basic credentials, or with an identity token by POST', async () => {
    const withLogin = new RegistryClient({
      insecureRegistries: [registry.host],
      credentials: staticCredentials({ [registry.host]: { username: registry.username!, password: registry.password! } }),
      env: {},
    });
    const withIdentity = new RegistryClient({
      insecureRegistries: [registry.host],
      credentials: staticCredentials({ [registry.host]: { identityToken: 'refresh-token-value' } }),
      env: {},
    });
    const tokens = registry.tokenServer!;
    try {
      await withLogin.ping(registry.host);
      assert.equal(tokens.requests.at(-1)!.user, registry.username);
      assert.deepEqual(tokens.requests.at(-1)!.scopes, [], 'a ping asks for a token without scope');
      await withLogin.getManifest(ref(registry.host, seeded.shared));
      assert.equal(tokens.requests.at(-1)!.user, registry.username);
      assert.equal(tokens.requests.at(-1)!.method, 'GET');

      await withIdentity.getManifest(ref(registry.host, seeded.shared));
      assert.equal(tokens.requests.at(-1)!.method, 'POST');
    } finally {
      await withLogin.close();
      await withIdentity.close();
    }
  });

  it('reports a wrong password at the token server as unauthorized, without the password', async () => {
    const wrong = 'token-server-Wrong-Pass';
    const client = new RegistryClient({
      insecureRegistries: [registry.host],
      credentials: staticCredentials({ [registry.host]: { username: registry.username!, password: wrong } }),
      env: {},
    });
    try {
      const error = await rejectsWith(client.getManifest(ref(registry.host, seeded.single)), 'unauthorized', /rejected the saved login/);
      assertNoSecret(error, wrong);
    } finally {
      await client.close();
    }
  });

  it('is unauthorized when anonymous tokens grant nothing', async () => {
    const client = new RegistryClient({ insecureRegistries: [closed.host], credentials: staticCredentials({}), env: {} });
    try {
      const error = await rejectsWith(client.getManifest(ref(closed.host, seeded.single)), 'unauthorized', /requires a login/);
      assert.match(error.message, /test\/single/);
      const logged = new RegistryClient({
        insecureRegistries: [closed.host],
        credentials: staticCredentials({ [closed.host]: { username: closed.username!, password: closed.password! } }),
        env: {},
      });
      try {
        assert.equal((await logged.getManifest(ref(closed.host, seeded.single))).digest, seeded.single.digest);
      } finally {
        await logged.close();
      }
    } finally {
      await client.close();
    }
  });
});
