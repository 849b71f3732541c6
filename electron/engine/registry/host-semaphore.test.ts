import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostSemaphore } from './host-semaphore.js';

describe('HostSemaphore', () => {
  it('limits each host separately and serves waiters in order', async () => {
    const sem = new HostSemaphore(2);
    const a1 = await sem.acquire('a');
    const a2 = await sem.acquire('a');
    const b1 = await sem.acquire('b');
    assert.equal(sem.active('a'), 2);
    const order: number[] = [];
    const w1 = sem.acquire('a').then((r) => (order.push(1), r));
    const w2 = sem.acquire('a').then((r) => (order.push(2), r));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, []);
    a1();
    a1(); // double release is harmless
    const r1 = await w1;
    assert.deepEqual(order, [1]);
    a2();
    const r2 = await w2;
    assert.deepEqual(order, [1, 2]);
    r1();
    r2();
    b1();
    assert.equal(sem.active('a'), 0);
    assert.equal(sem.active('b'), 0);
  });

  it('tryAcquire takes only idle capacity: never a slot someone waits for', async () => {
    const sem = new HostSemaphore(2);
    const held = await sem.acquire('h');
    assert.equal(sem.idle('h'), true);
    const extra = sem.tryAcquire('h');
    assert.ok(extra, 'a free slot is taken');
    assert.equal(sem.idle('h'), false);
    assert.equal(sem.tryAcquire('h'), undefined, 'none left');
    const waiting = sem.acquire('h');
    extra();
    const next = await waiting;
    held();
    assert.equal(sem.active('h'), 1);
    const queued = sem.acquire('h');
    const other = sem.acquire('h');
    assert.equal(sem.tryAcquire('h'), undefined, 'a waiter goes first');
    next();
    (await queued)();
    (await other)();
    assert.equal(sem.active('h'), 0);
    assert.equal(sem.idle('h'), true);
  });

  it('drops a waiter whose signal aborts', async () => {
    const sem = new HostSemaphore(1);
    const held = await sem.acquire('h');
    const controller = new AbortController();
    const waiting = sem.acquire('h', controller.signal);
    controller.abort();
    await assert.rejects(waiting, { name: 'AbortError' });
    held();
    assert.equal(sem.active('h'), 0);
    const again = await sem.acquire('h');
    assert.equal(sem.active('h'), 1);
    again();
  });
});
