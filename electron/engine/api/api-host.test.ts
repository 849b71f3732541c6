// The API host: every call's input checked against the contract, jobs with progress throttling and cancellation.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { JobMessage } from '../../../shared/api-contract.js';
import { TOOL_VERSION } from '../version.js';
import { createApiHost } from './api-host.js';

/** Collects a job's messages until its final result or error. */
function collect(host: ReturnType<typeof createApiHost>): { messages: JobMessage[]; final: (jobId: string) => Promise<JobMessage> } {
  const messages: JobMessage[] = [];
  const waiting = new Map<string, (m: JobMessage) => void>();
  host.subscribe((m) => {
    messages.push(m);
    if (!('event' in m)) waiting.get(m.jobId)?.(m);
  });
  return {
    messages,
    final: (jobId) => {
      const done = messages.find((m) => m.jobId === jobId && !('event' in m));
      return done ? Promise.resolve(done) : new Promise((resolve) => waiting.set(jobId, resolve));
    },
  };
}

describe('createApiHost', () => {
  test('refuses bad input with a bad-usage error naming the field, before calling the engine', async () => {
    const host = createApiHost();
    const cases: [string, unknown, string][] = [
      ['bundle.inspect', {}, 'dir'],
      ['bundle.inspect', { dir: '' }, 'dir'],
      ['bundle.inspect', { dir: 'a\0b' }, 'dir'],
      ['bundle.verify', { dirs: [] }, 'dirs'],
      ['bundle.verify', { dirs: ['/ok', 'x\0'] }, 'dirs.1'],
      ['bundle.verify', { dirs: ['/ok'], requireApproval: 'yes' }, 'requireApproval'],
      ['bundle.approve', { dir: '/b' }, 'keyFile'],
      ['bundle.create', { images: ['nginx'], outputDir: '/o', split: -1 }, 'split'],
      ['job.cancel', {}, 'jobId'],
    ];
    for (const [channel, input, field] of cases) {
      const outcome = await host.invoke(channel, input);
      assert.equal(outcome.ok, false, `${channel} ${JSON.stringify(input)}`);
      if (outcome.ok) continue;
      assert.equal(outcome.reason, 'bad-input');
      assert.equal(outcome.error.code, 'bad-usage');
      assert.equal(outcome.error.subject, field, outcome.error.message);
      assert.match(outcome.error.message, new RegExp(`^Invalid input for ${channel.replace('.', '\\.')}: ${field.replace('.', '\\.')}: `));
    }
    // unknown fields are refused too (a typo never passes silently)
    const extra = await host.invoke('bundle.inspect', { dir: '/b', evil: true });
    assert.ok(!extra.ok && extra.reason === 'bad-input');
    assert.equal(host.runningJobs().length, 0);
  });

  test('an unknown channel is its own refusal', async () => {
    const outcome = await createApiHost().invoke('fs.readFile', { path: '/etc/passwd' });
    assert.ok(!outcome.ok);
    assert.equal(outcome.reason, 'unknown-channel');
    assert.match(outcome.error.message, /no API call named "fs\.readFile"/);
  });

  test('calls the real engine: app.info, and an engine error comes back serialized', async () => {
    const host = createApiHost({ host: 'web' });
    const info = await host.invoke('app.info', {});
    assert.deepEqual(info, { ok: true, result: { name: 'ferry', version: TOOL_VERSION, host: 'web', platform: process.platform } });
    const empty = mkdtempSync(join(tmpdir(), 'ferry-api-'));
    try {
      const outcome = await host.invoke('bundle.inspect', { dir: empty });
      assert.ok(!outcome.ok);
      assert.equal(outcome.reason, 'failed');
      assert.equal(outcome.error.code, 'bad-bundle');
      assert.ok(outcome.error.message.includes(empty));
      // a real job that fails: verify of a folder without bundle.json is a report, not a crash
      const sink = collect(host);
      const started = await host.invoke('bundle.verify', { dirs: [empty] });
      assert.ok(started.ok);
      const final = await sink.final((started.result as { jobId: string }).jobId);
      assert.ok('result' in final, JSON.stringify(final));
      assert.equal((final.result as { ok: boolean }).ok, false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  test('job.cancel aborts the job through its AbortSignal and the job ends as cancelled', async () => {
    let sawSignal: AbortSignal | undefined;
    const host = createApiHost({
      handlers: {
        'bundle.verify': async (_input, { signal, onProgress }) => {
          sawSignal = signal;
          onProgress({ kind: 'phase-start', phase: 'verify', totalBytes: 100 });
          await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
          throw new Error('unreachable');
        },
      },
    });
    const sink = collect(host);
    const started = await host.invoke('bundle.verify', { dirs: ['/somewhere'] });
    assert.ok(started.ok);
    const { jobId } = started.result as { jobId: string };
    assert.match(jobId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(host.runningJobs(), [jobId]);
    assert.equal(sawSignal?.aborted, false);
    assert.deepEqual(await host.invoke('job.cancel', { jobId }), { ok: true, result: { cancelled: true } });
    const final = await sink.final(jobId);
    assert.equal(sawSignal?.aborted, true);
    assert.ok('error' in final);
    assert.equal(final.error.code, 'cancelled');
    assert.deepEqual(sink.messages.filter((m) => m.jobId === jobId && 'event' in m).map((m) => ('event' in m ? m.event.kind : '')), ['phase-start']);
    assert.deepEqual(host.runningJobs(), []);
    assert.deepEqual(await host.invoke('job.cancel', { jobId }), { ok: true, result: { cancelled: false } });
  });

  test('progress is throttled to about ten byte events a second, the last count always sent before the result', async () => {
    const host = createApiHost({
      handlers: {
        'bundle.verify': async (_input, { onProgress }) => {
          const start = Date.now();
          let done = 0;
          onProgress({ kind: 'phase-start', phase: 'verify', totalBytes: 5000 });
          while (Date.now() - start < 450) {
            done = Math.min(done + 1, 5000);
            onProgress({ kind: 'bytes', phase: 'verify', done, total: 5000, rate: 1, etaSeconds: null });
            await new Promise((r) => setImmediate(r));
          }
          onProgress({ kind: 'bytes', phase: 'verify', done: 5000, total: 5000, rate: 1, etaSeconds: 0 });
          return { ok: true, integrity: { ok: true, dirs: [], parts: [], blobsChecked: 0, bytesChecked: 5000, faults: [] } };
        },
      },
    });
    const sink = collect(host);
    const started = await host.invoke('bundle.verify', { dirs: ['/x'] });
    assert.ok(started.ok);
    const { jobId } = started.result as { jobId: string };
    const final = await sink.final(jobId);
    assert.ok('result' in final);
    const bytes = sink.messages.flatMap((m) => ('event' in m && m.event.kind === 'bytes' ? [m.event] : []));
    // ~450 ms at one event per 100 ms: 5 or 6 (plus the final flush), never the thousands emitted
    assert.ok(bytes.length >= 3 && bytes.length <= 8, `${bytes.length} byte events`);
    assert.equal(bytes.at(-1)!.kind === 'bytes' && bytes.at(-1)!.done, 5000);
    const order = sink.messages.filter((m) => m.jobId === jobId);
    assert.ok('result' in order.at(-1)!, 'the result comes last');
  });

  test('close() cancels every running job', async () => {
    const host = createApiHost({
      handlers: { 'bundle.import': (_i, { signal }) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))) },
    });
    const sink = collect(host);
    const started = await host.invoke('bundle.import', { dirs: ['/b'], to: 'registry.local:5000' });
    assert.ok(started.ok);
    const { jobId } = started.result as { jobId: string };
    const finalP = sink.final(jobId);
    await host.close();
    const final = await finalP;
    assert.ok('error' in final && final.error.code === 'cancelled');
  });
});
