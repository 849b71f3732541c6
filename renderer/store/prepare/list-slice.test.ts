// The list slice: the list read after a pause in typing (mocked timers), lookups at most four at once across Retry
// and edits, superseded lookups cancelled on the host, list files without duplicates. The real API host in this
// process; only image.resolve/image.cancelResolve are replaced (no registry here).
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { LIST_DEBOUNCE_MS, RESOLVE_CONCURRENCY, registryOf } from '../prepare-store.js';
import { heldLookups, prepareRig, resolveAtOnce, settle, type PrepareTestRig } from './prepare-test-support.js';

const rigs: PrepareTestRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});
async function rig(handlers: Parameters<typeof prepareRig>[0]): Promise<PrepareTestRig> {
  const r = await prepareRig(handlers);
  rigs.push(r);
  return r;
}

describe('registryOf', () => {
  test('names the registry host of a reference', () => {
    assert.equal(registryOf('127.0.0.1:5000/team/app:1'), '127.0.0.1:5000');
    assert.equal(registryOf('localhost/app'), 'localhost');
    assert.equal(registryOf('library/nginx:1.27'), 'docker.io');
    assert.equal(registryOf('nginx'), 'docker.io');
  });
});

describe('the list is read after a pause in typing', () => {
  test('keystrokes start no lookup; 400 ms after the last one the list is read and looked up once', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { store, host } = await rig(resolveAtOnce());
    const s = store.getState;
    const typed = 'registry.local:5000/team/app:1';
    for (let i = 1; i <= typed.length; i++) {
      s().setListText(typed.slice(0, i));
      t.mock.timers.tick(100);
    }
    await settle();
    assert.deepEqual(s().references, [], 'nothing read while typing');
    assert.equal(host.inputsOf('image.resolve').length, 0, 'no lookup per keystroke');
    t.mock.timers.tick(LIST_DEBOUNCE_MS - 100 - 1);
    await settle();
    assert.equal(host.inputsOf('image.resolve').length, 0, 'not before the pause is over');
    t.mock.timers.tick(1);
    await settle();
    assert.deepEqual(s().references, [typed]);
    assert.deepEqual(host.inputsOf('image.resolve').map((i) => (i as { reference: string }).reference), [typed], 'one lookup, of the whole reference');
    assert.equal(s().resolutions[typed]?.status, 'ok');
  });

  test('leaving the field, or pasting whole lines, reads the list at once', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { store, host } = await rig(resolveAtOnce());
    const s = store.getState;
    s().setListText('registry.local:5000/a:1');
    s().commitList();
    await settle();
    assert.deepEqual(s().references, ['registry.local:5000/a:1'], 'blur');
    s().setListText('registry.local:5000/a:1\nregistry.local:5000/b:1\nregistry.local:5000/c:1\n', { now: true });
    await settle();
    assert.deepEqual(s().references, ['registry.local:5000/a:1', 'registry.local:5000/b:1', 'registry.local:5000/c:1'], 'paste');
    assert.equal(host.inputsOf('image.resolve').length, 3, 'a row kept is not looked up again');
  });
});

describe('lookups in flight', () => {
  test(`at most ${RESOLVE_CONCURRENCY} host calls at once, across Retry and edits; a slot frees only when the host answers`, async () => {
    const held = heldLookups();
    const { store } = await rig(held.handlers);
    const s = store.getState;
    const refs = Array.from({ length: 12 }, (_, i) => `registry.local:5000/team/app-${i}:1`);
    s().setListText(refs.join('\n'), { now: true });
    await settle();
    assert.equal(held.inFlight(), RESOLVE_CONCURRENCY);
    assert.equal(store.lookupsInFlight(), RESOLVE_CONCURRENCY);
    assert.deepEqual(held.references(), refs.slice(0, 4), 'from the top');
    // Retry while they run: each running lookup is cancelled on the host and queued again; nothing more starts
    // until the host acknowledges (the old code reset its counter here and ran 16 at once)
    s().retryResolve();
    s().retryResolve();
    await settle();
    assert.deepEqual(held.cancelRequested(), refs.slice(0, 4), 'the superseded lookups were cancelled on the host');
    assert.equal(held.inFlight(), RESOLVE_CONCURRENCY);
    assert.equal(store.lookupsInFlight(), RESOLVE_CONCURRENCY);
    assert.ok(refs.slice(0, 4).every((r) => s().resolutions[r]?.status === 'pending'));
    // an edit: two rows removed, three added — still no more than four calls
    const edited = [...refs.slice(2), 'registry.local:5000/x:1', 'registry.local:5000/y:1', 'registry.local:5000/z:1'];
    s().setListText(edited.join('\n'), { now: true });
    await settle();
    assert.equal(held.inFlight(), RESOLVE_CONCURRENCY);
    held.ackCancels();
    await settle();
    assert.equal(held.inFlight(), RESOLVE_CONCURRENCY, 'cancels acknowledged: as many new lookups start as slots freed');
    assert.ok(!held.references().some((r) => r === refs[0] || r === refs[1]), 'removed rows are not looked up again');
    for (let round = 0; round < 10 && held.inFlight() > 0; round++) {
      held.answerAll();
      await settle();
      assert.ok(held.inFlight() <= RESOLVE_CONCURRENCY);
      assert.equal(store.lookupsInFlight(), held.inFlight(), 'the store counts exactly the host calls in flight');
    }
    assert.equal(held.maxInFlight(), RESOLVE_CONCURRENCY, 'never more than four at once');
    assert.ok(edited.every((r) => s().resolutions[r]?.status === 'ok'), 'every row resolved in the end');
    assert.deepEqual(Object.keys(s().resolutions).sort(), [...edited].sort());
  });

  test('a removed row cancels its lookup on the host, and a late answer does not bring it back', async () => {
    const held = heldLookups();
    const { store } = await rig(held.handlers);
    const s = store.getState;
    s().setListText('registry.local:5000/a:1\nregistry.local:5000/b:1', { now: true });
    await settle();
    s().setListText('registry.local:5000/b:1', { now: true });
    await settle();
    assert.deepEqual(held.cancelRequested(), ['registry.local:5000/a:1']);
    held.ackCancels();
    held.answerAll();
    await settle();
    assert.deepEqual(Object.keys(s().resolutions), ['registry.local:5000/b:1']);
    assert.equal(s().resolutions['registry.local:5000/b:1']?.status, 'ok');
    assert.equal(store.lookupsInFlight(), 0);
  });
});

describe('the real host cancels a lookup', () => {
  test('image.cancelResolve stops a running image.resolve, which answers cancelled; a cancel arriving first stops it at once', async () => {
    const { host } = await rig({});
    const net = await import('node:net');
    // a registry that accepts connections and never answers
    const sockets: import('node:net').Socket[] = [];
    const silent = net.createServer((socket) => void sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as import('node:net').AddressInfo).port;
    try {
      const reference = `127.0.0.1:${port}/team/app:1`;
      const lookup = host.api.call('image.resolve', { reference, lookupId: 'look-1', insecureRegistries: [`127.0.0.1:${port}`] });
      for (let i = 0; i < 200 && sockets.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(sockets.length > 0, 'the lookup reached the registry');
      assert.deepEqual(await host.api.call('image.cancelResolve', { lookupId: 'look-1' }), { cancelled: true });
      await assert.rejects(lookup, (e: { error?: { code?: string } }) => e.error?.code === 'cancelled');
      assert.deepEqual(await host.api.call('image.cancelResolve', { lookupId: 'look-2' }), { cancelled: false });
      await assert.rejects(host.api.call('image.resolve', { reference, lookupId: 'look-2' }), (e: { error?: { code?: string } }) => e.error?.code === 'cancelled');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

describe('list files', () => {
  test('loading a list leaves out references already there and says how many', async () => {
    const { store, dir } = await rig(resolveAtOnce());
    const s = store.getState;
    s().setListText('registry.local:5000/a:1\nregistry.local:5000/b:1\n', { now: true });
    await writeFile(join(dir, 'x.txt'), ['# images', 'registry.local:5000/a:1', 'registry.local:5000/c:1', 'registry.local:5000/b:1', 'registry.local:5000/d:1', 'registry.local:5000/e:1', 'registry.local:5000/c:1', ''].join('\n'));
    s().setListPath(join(dir, 'x.txt'));
    await s().loadList();
    assert.deepEqual(s().references, ['registry.local:5000/a:1', 'registry.local:5000/b:1', 'registry.local:5000/c:1', 'registry.local:5000/d:1', 'registry.local:5000/e:1']);
    assert.equal(s().listNote, `Added 3 images from ${join(dir, 'x.txt')} (2 already in the list).`);
    assert.equal(s().listText.split('\n').filter((l) => l === 'registry.local:5000/a:1').length, 1, 'no duplicate line in the text');
    await s().loadList();
    assert.equal(s().listNote, `Added 0 images from ${join(dir, 'x.txt')} (5 already in the list).`);
    assert.equal(s().references.length, 5);
    // a dropped file: the same rule
    s().appendListText('registry.local:5000/e:1\nregistry.local:5000/f:1\n', 'more.txt');
    assert.equal(s().listNote, 'Added 1 image from more.txt (1 already in the list).');
    assert.equal(s().references.length, 6);
  });

  test('a list file that cannot be read says why; the next load clears it', async () => {
    const { store, dir } = await rig(resolveAtOnce());
    const s = store.getState;
    await s().loadList();
    assert.match(s().listError?.message ?? '', /Type the path of a list file/);
    s().setListPath(join(dir, 'nowhere.txt'));
    await s().loadList();
    assert.match(s().listError?.message ?? '', /nowhere\.txt/, 'the error names the file');
    await writeFile(join(dir, 'ok.txt'), 'registry.local:5000/a:1\n');
    s().setListPath(join(dir, 'ok.txt'));
    await s().loadList();
    assert.equal(s().listError, undefined);
    assert.deepEqual(s().references, ['registry.local:5000/a:1']);
  });
});
