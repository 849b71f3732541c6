// Signed inventories: a detached FILE.sig over a domain-separated payload (OpenSSL checks it on its own); the
// connected side's checkInventorySignature accepts a valid signature by a trusted key and refuses every other case.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { inventorySignaturePayload, type InventorySignatureDocument } from '../../../shared/inventory-signature.js';
import { makeTempDir, removeDir } from '../../../e2e/harness/index.js';
import { FerryError } from '../errors/ferry-error.js';
import { generateSigningKey } from '../trust/generate-signing-key.js';
import { loadSigningKey } from '../trust/key-files.js';
import { InventoryBuilder } from './inventory-builder.js';
import { checkInventorySignature, readInventorySignature } from './inventory-signature.js';
import { readInventory } from './read-inventory.js';
import { updateInventory } from './update-inventory.js';
import { writeInventory } from './write-inventory.js';

let work: string;
let alice: { key: string; pub: string };
let mallory: { key: string; pub: string };
const d = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;

before(async () => {
  work = await makeTempDir('inventory-signature');
  const a = await generateSigningKey(join(work, 'alice'));
  const m = await generateSigningKey(join(work, 'mallory'));
  alice = { key: a.privateKeyFile, pub: a.publicKeyFile };
  mallory = { key: m.privateKeyFile, pub: m.publicKeyFile };
});
after(() => removeDir(work));

/** Writes a small inventory at `name`, signed by `key` when given. */
async function write(name: string, key?: string): Promise<string> {
  const b = new InventoryBuilder();
  b.addBlob(d(1), 10, b.addRepository({ registry: 'reg.local', name: 'app' }));
  const file = join(work, name);
  await writeInventory(file, b.build(), key ? { signKey: await loadSigningKey(key) } : {});
  return file;
}

/** Asserts an `untrusted` error naming the inventory, matching `pattern`. */
function untrusted(file: string, pattern: RegExp, hint?: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof FerryError, String(error));
    assert.equal(error.code, 'untrusted');
    assert.ok(error.message.startsWith(`Inventory ${file} is not trusted: `), error.message);
    assert.match(error.message, pattern);
    if (hint !== undefined) assert.equal(error.hint, hint);
    return true;
  };
}

describe('inventory signatures', () => {
  test('signed: valid by a trusted key; OpenSSL verifies the same payload; another trusted set refuses it', async () => {
    const file = await write('signed.json', alice.key);
    const reading = await readInventory(file);
    const checked = await checkInventorySignature(reading, [mallory.pub, alice.pub]);
    assert.equal(checked.file, `${file}.sig`);
    assert.equal(checked.trustedKey, alice.pub);
    assert.equal(checked.keyId, (await loadSigningKey(alice.key)).keyId);

    const doc = JSON.parse(await readFile(`${file}.sig`, 'utf8')) as InventorySignatureDocument;
    assert.equal(doc.mediaType, 'application/vnd.ferry.inventory-signature.v1+json');
    assert.equal(doc.inventorySha256, reading.sha256);
    const payload = join(work, 'payload');
    const sig = join(work, 'sig.bin');
    await writeFile(payload, inventorySignaturePayload(doc));
    await writeFile(sig, Buffer.from(doc.signature, 'base64'));
    assert.match(inventorySignaturePayload(doc), /^application\/vnd\.ferry\.inventory-signature\.v1\+json\nkey-id [a-f0-9]{64}\ninventory-sha256 [a-f0-9]{64}\ncreated \S+\n$/);
    const out = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', alice.pub, '-rawin', '-in', payload, '-sigfile', sig], { encoding: 'utf8' });
    assert.match(out, /Signature Verified Successfully/);

    await assert.rejects(checkInventorySignature(reading, [mallory.pub]), untrusted(file, /signed by key [a-f0-9]{16}…, which is not among the trusted keys \([a-f0-9]{16}… from .*mallory\.pub\)/));
  });

  test('unsigned: refused, saying how to sign it; readInventorySignature says absent', async () => {
    const file = await write('unsigned.json');
    const reading = await readInventory(file);
    assert.equal((await readInventorySignature(reading)).state, 'absent');
    await assert.rejects(checkInventorySignature(reading, [alice.pub]), untrusted(file, /it has no signature \(.*unsigned\.json\.sig does not exist\)\.$/, 'sign-inventory'));
    await assert.rejects(checkInventorySignature(reading, []), untrusted(file, /no trusted key was given/));
  });

  test('tampered: the inventory changed after signing, the signature document altered, a signature made for another file', async () => {
    const file = await write('tampered.json', alice.key);
    await writeFile(file, (await readFile(file, 'utf8')).replace('"size": 10', '"size": 11'));
    await assert.rejects(checkInventorySignature(await readInventory(file), [alice.pub]), untrusted(file, /the inventory was changed after it was signed/));

    const other = await write('other.json', alice.key);
    const doc = JSON.parse(await readFile(`${other}.sig`, 'utf8')) as InventorySignatureDocument;
    await writeFile(`${other}.sig`, JSON.stringify({ ...doc, created: '2020-01-01T00:00:00.000Z' }));
    await assert.rejects(checkInventorySignature(await readInventory(other), [alice.pub]), untrusted(other, /does not verify against key [a-f0-9]{16}…: the signature file was altered after signing, or forged/));

    const malloryKey = await loadSigningKey(mallory.key);
    await writeFile(`${other}.sig`, JSON.stringify({ ...doc, keyId: malloryKey.keyId }));
    await assert.rejects(checkInventorySignature(await readInventory(other), [alice.pub, mallory.pub]), untrusted(other, /is not the id of the public key it carries/));

    await writeFile(`${other}.sig`, '{"mediaType": "application/vnd.ferry.signature.v1+json"}');
    await assert.rejects(checkInventorySignature(await readInventory(other), [alice.pub]), untrusted(other, /not an inventory signature/));
  });

  test('updating a signed inventory without a key removes the outdated signature, with a warning; with a key it is signed again', async () => {
    const file = await write('updated.json', alice.key);
    const warnings: string[] = [];
    await updateInventory({ file, add: new InventoryBuilder(), onProgress: (e) => e.kind === 'warning' && warnings.push(e.message) });
    assert.equal((await readInventorySignature(await readInventory(file))).state, 'absent');
    assert.match(warnings.join('\n'), /Removed .*updated\.json\.sig: it signed the inventory's earlier content/);
    await updateInventory({ file, add: new InventoryBuilder(), signKey: alice.key });
    assert.equal((await checkInventorySignature(await readInventory(file), [alice.pub])).trustedKey, alice.pub);
  });
});
