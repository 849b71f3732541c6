import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir, removeDir } from '../../e2e/harness/temp-dir.js';
import { createCredentialStore, type SafeStorageLike } from './credential-store.js';

/** A stand-in for Electron's safeStorage (the OS keychain): real AES-GCM under a per-"user" key. */
function fakeSafeStorage(backend = 'gnome_libsecret', key = randomBytes(32)): SafeStorageLike {
  return {
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => backend,
    encryptString(text) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(text, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptString(buf) {
      const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
      d.setAuthTag(buf.subarray(12, 28));
      return Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

test('logins are written encrypted (never in clear), atomically, and read back', async () => {
  const dir = await makeTempDir('ferry-credstore');
  try {
    const file = join(dir, 'credentials.bin');
    const storage = fakeSafeStorage();
    const store = createCredentialStore({ file, safeStorage: storage });
    assert.deepEqual(await store.load(), [], 'nothing kept yet');
    const registries = [{ host: 'registry.corp.example:5000', username: 'alice', password: 's3cret-Passw0rd', caFile: '/etc/ca.pem' }, { host: 'quay.io', insecure: true }];
    assert.equal(await store.save(registries), true);
    const raw = await readFile(file);
    assert.ok(!raw.includes(Buffer.from('s3cret-Passw0rd')), 'the password is not in the file in clear');
    assert.ok(!raw.includes(Buffer.from('alice')), 'nor the user name');
    assert.deepEqual(await readdir(dir), ['credentials.bin'], 'no temp file left behind');
    assert.deepEqual(await store.load(), registries);
    // another OS user (another key) cannot read it: the app starts with no logins instead of failing
    assert.deepEqual(await createCredentialStore({ file, safeStorage: fakeSafeStorage() }).load(), []);
    await writeFile(file, 'garbage');
    assert.deepEqual(await store.load(), []);
  } finally {
    await removeDir(dir);
  }
});

test('without real OS encryption (Linux basic_text) nothing is written', async () => {
  const dir = await makeTempDir('ferry-credstore');
  try {
    const store = createCredentialStore({ file: join(dir, 'credentials.bin'), safeStorage: fakeSafeStorage('basic_text') });
    assert.equal(store.available(), false);
    assert.equal(await store.save([{ host: 'h', password: 'p' }]), false);
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await removeDir(dir);
  }
});
