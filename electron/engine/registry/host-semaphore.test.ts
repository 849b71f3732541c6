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
