// Signing keys: generateSigningKey's files (modes, PEM formats, never overwriting), key ids checked
// against OpenSSL's own reading of the key, and loadSigningKey/loadPublicKey refusing every kind of
// wrong file with a 'bad-key' error naming it.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir, rejectsWith, removeDir, run, runOrThrow } from '../../../e2e/harness/index.js';
import { generateSigningKey, keyIdOf, loadPublicKey, loadSigningKey } from '../index.js';

let work: string;
before(async () => {
  work = await makeTempDir('ferry-signing-key');
});
after(async () => {
  if (work) await removeDir(work);
});

describe('generateSigningKey', () => {
  test('writes NAME.key (PKCS#8 PEM, 0600) and NAME.pub (SPKI PEM) and returns the id of the raw public key', async () => {
    const key = await generateSigningKey(join(work, 'alice'));
    assert.equal(key.privateKeyFile, join(work, 'alice.key'));
    assert.equal(key.publicKeyFile, join(work, 'alice.pub'));
    assert.equal(statSync(key.privateKeyFile).mode & 0o777, 0o600);
    assert.equal(statSync(key.publicKeyFile).mode & 0o777, 0o644);
    assert.match(readFileSync(key.privateKeyFile, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/);
    assert.match(readFileSync(key.publicKeyFile, 'utf8'), /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);
    // no temporary file is left beside them
    assert.deepEqual(readdirSync(work).filter((n) => n.startsWith('alice') || n.includes('.partial')).sort(), ['alice.key', 'alice.pub']);

    // OpenSSL reads both files as Ed25519, and the id is sha256 of the 32 raw public-key bytes it prints
    const text = await runOrThrow('openssl', ['pkey', '-pubin', '-in', key.publicKeyFile, '-text', '-noout']);
    assert.match(text.stdout, /ED25519 Public-Key/);
    const raw = Buffer.from(text.stdout.split('pub:')[1]!.replace(/[^0-9a-f]/g, ''), 'hex');
    assert.equal(raw.length, 32);
    assert.equal(key.keyId, createHash('sha256').update(raw).digest('hex'));
    const priv = await runOrThrow('openssl', ['pkey', '-in', key.privateKeyFile, '-text', '-noout']);
    assert.match(priv.stdout, /ED25519 Private-Key/);
    // the private key's public half is the .pub file
    const derived = await runOrThrow('openssl', ['pkey', '-in', key.privateKeyFile, '-pubout']);
    assert.equal(derived.stdout, readFileSync(key.publicKeyFile, 'utf8'));

    const loaded = await loadSigningKey(key.privateKeyFile);
    assert.equal(loaded.keyId, key.keyId);
    assert.equal((await loadPublicKey(key.publicKeyFile)).keyId, key.keyId);
  });

  test('two keys differ; NAME.key as the name means NAME', async () => {
    const a = await generateSigningKey(join(work, 'k1'));
    const b = await generateSigningKey(join(work, 'k2.key'));
    assert.notEqual(a.keyId, b.keyId);
    assert.equal(b.privateKeyFile, join(work, 'k2.key'));
    assert.ok(existsSync(join(work, 'k2.pub')));
  });

  test('never overwrites: an existing .key or .pub is refused and left as it was', async () => {
    writeFileSync(join(work, 'taken.pub'), 'someone else\n');
    await rejectsWith(generateSigningKey(join(work, 'taken')), 'output-exists', /taken\.pub already exists/);
    assert.ok(!existsSync(join(work, 'taken.key')), 'no private half written');
    assert.equal(readFileSync(join(work, 'taken.pub'), 'utf8'), 'someone else\n');

    const first = await generateSigningKey(join(work, 'once'));
    const before = readFileSync(first.privateKeyFile, 'utf8');
    await rejectsWith(generateSigningKey(join(work, 'once')), 'output-exists', /once\.key already exists/);
    assert.equal(readFileSync(first.privateKeyFile, 'utf8'), before);
  });

  test('a folder that does not exist is an io error naming the file', async () => {
    await rejectsWith(generateSigningKey(join(work, 'no', 'such', 'dir', 'k')), 'io', /Cannot write key file .*k\.key/);
  });

  test('a key made by openssl genpkey -algorithm ed25519 loads, with the same id as its public half', async () => {
    const file = join(work, 'openssl.key');
    await runOrThrow('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', file]);
    await runOrThrow('openssl', ['pkey', '-in', file, '-pubout', '-out', join(work, 'openssl.pub')]);
    const priv = await loadSigningKey(file);
    assert.equal(priv.keyId, (await loadPublicKey(join(work, 'openssl.pub'))).keyId);
    assert.equal(priv.keyId, keyIdOf(priv.privateKey));
  });
});

describe('key files that are not usable are refused with bad-key, naming the file', () => {
  let files: Record<string, string>;
  before(async () => {
    const dir = join(work, 'bad');
    mkdirSync(dir);
    const f = (name: string): string => join(dir, name);
    files = {
      missing: f('missing.key'),
      folder: f('folder.key'),
      garbage: f('garbage.key'),
      empty: f('empty.key'),
      rsa: f('rsa.key'),
      rsaPub: f('rsa.pub'),
      ec: f('ec.key'),
      encrypted: f('encrypted.key'),
      good: f('good.key'),
      goodPub: f('good.pub'),
      mangled: f('mangled.key'),
    };
    mkdirSync(files.folder!);
    writeFileSync(files.garbage!, 'this is not a key\n');
    writeFileSync(files.empty!, '');
    await runOrThrow('openssl', ['genpkey', '-algorithm', 'rsa', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', files.rsa!]);
    await runOrThrow('openssl', ['pkey', '-in', files.rsa!, '-pubout', '-out', files.rsaPub!]);
    writeFileSync(files.ec!, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await runOrThrow('openssl', ['genpkey', '-algorithm', 'ed25519', '-aes-256-cbc', '-pass', 'pass:secret', '-out', files.encrypted!]);
    const good = await generateSigningKey(join(dir, 'good'));
    assert.equal(good.privateKeyFile, files.good);
    const pem = readFileSync(files.good!, 'utf8');
    writeFileSync(files.mangled!, pem.replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!'));
  });

  const cases: [string, keyof typeof files & string, RegExp][] = [
    ['a missing file', 'missing', /missing\.key does not exist/],
    ['a folder', 'folder', /folder\.key is a folder/],
    ['text that is not PEM', 'garbage', /garbage\.key is not a PEM key file/],
    ['an empty file', 'empty', /empty\.key is not a PEM key file/],
    ['an RSA key', 'rsa', /rsa\.key holds a key of type rsa; Ferry signs with Ed25519 keys only/],
    ['an EC key', 'ec', /ec\.key holds a key of type ec;/],
    ['a passphrase-protected key', 'encrypted', /encrypted\.key is protected by a passphrase/],
    ['a public key where the private key belongs', 'goodPub', /good\.pub holds a public key; signing needs the private key/],
    ['a damaged PEM body', 'mangled', /mangled\.key is not a readable private key/],
  ];
  for (const [what, name, message] of cases) {
    test(`loadSigningKey: ${what}`, async () => {
      const error = await rejectsWith(loadSigningKey(files[name]!), 'bad-key', message);
      assert.equal(error.subject, files[name]);
    });
  }

  test('loadPublicKey: a private key file is refused (the .pub is what verifiers get)', async () => {
    await rejectsWith(loadPublicKey(files.good!), 'bad-key', /good\.key holds a private key; give the public key here/);
  });
  test('loadPublicKey: an RSA public key, a missing file and garbage are refused', async () => {
    await rejectsWith(loadPublicKey(files.rsaPub!), 'bad-key', /rsa\.pub holds a key of type rsa/);
    await rejectsWith(loadPublicKey(files.missing!), 'bad-key', /missing\.key does not exist/);
    await rejectsWith(loadPublicKey(files.garbage!), 'bad-key', /garbage\.key is not a PEM key file/);
  });
  test('openssl itself agrees the RSA and EC files are keys (so the refusal is about the type, not the file)', async () => {
    for (const f of [files.rsa!, files.ec!]) assert.equal((await run('openssl', ['pkey', '-in', f, '-noout'])).code, 0, f);
  });
});
