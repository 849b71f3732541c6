// The engine supervisor over real engine processes (Node children running the real engine entry):
// a killed engine fails its waiting calls and running jobs clearly, and comes back with the kept logins.
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { after, test } from 'node:test';
import type { JobMessage, SettingsView } from '../../shared/api-contract.js';
import type { FromEngine } from './engine-messages.js';
import { superviseEngine, type EngineChild, type EngineCrash } from './engine-supervisor.js';

const childEntry = new URL('./engine-supervisor.test-child.ts', import.meta.url).pathname;
const children: ChildProcess[] = [];
const hung: Socket[] = [];
let server: Server | undefined;
after(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const s of hung) s.destroy();
  server?.close();
});

function spawnNodeEngine(): EngineChild {
  const child = fork(childEntry, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.push(child);
  return {
    postMessage: (m) => void (child.connected && child.send(m)),
    onMessage: (l) => void child.on('message', (m) => l(m as FromEngine)),
    onExit: (l) => void child.on('exit', (code) => l(code)),
    kill: () => void child.kill('SIGKILL'),
  };
}

const until = async (check: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 600 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(check(), `timed out waiting for ${what}`);
};

test('a killed engine: the running job ends with an error, a new engine answers with the logins as last kept; too many deaths and it gives up', async () => {
  // a "registry" that accepts connections and never answers: a bundle job against it runs until stopped
  server = createServer((socket) => void hung.push(socket));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;

  const crashes: EngineCrash[] = [];
  const persisted: unknown[] = [];
  const messages: JobMessage[] = [];
  const engine = superviseEngine({
    spawn: spawnNodeEngine,
    registries: [{ host: 'kept.example:5000', username: 'bob', password: 'kept-pw' }],
    onPersist: (r) => persisted.push(r),
    onCrash: (c) => crashes.push(c),
    maxRestarts: 1,
  });
  engine.subscribe((m) => messages.push(m));

  const set = await engine.invoke('settings.setRegistry', { host: 'new.example', username: 'alice', password: 'alice-pw' });
  assert.ok(set.ok);
  await until(() => persisted.length === 1, 'the login to keep');

  const started = await engine.invoke('bundle.create', { images: [`127.0.0.1:${port}/app:1`], outputDir: '/tmp/ferry-never-written', insecureRegistries: [`127.0.0.1:${port}`] });
  assert.ok(started.ok, JSON.stringify(started));
  const jobId = (started.result as { jobId: string }).jobId;
  await until(() => hung.length > 0, 'the job to reach the registry');

  // the engine dies mid-job: the job's window hears an error, a new engine starts
  children.at(-1)!.kill('SIGKILL');
  await until(() => crashes.length === 1, 'the crash report');
  assert.deepEqual(crashes[0], { code: null, restarted: true, jobsLost: [jobId] });
  const lost = messages.find((m) => m.jobId === jobId && 'error' in m);
  assert.ok(lost && 'error' in lost);
  assert.match(lost.error.message, /stopped unexpectedly .*started again; run the task again/);

  const view = await engine.invoke('settings.get', {});
  assert.ok(view.ok);
  const hosts = (view.result as SettingsView).registries.map((r) => [r.host, r.username, r.hasPassword]).sort();
  assert.deepEqual(hosts, [['kept.example:5000', 'bob', true], ['new.example', 'alice', true]], 'the new engine has the logins as last kept');
  assert.equal(children.length, 2);

  // a second death within the minute: no more restarts, calls say to restart the app
  children.at(-1)!.kill('SIGKILL');
  await until(() => crashes.length === 2, 'the second crash');
  assert.equal(crashes[1]!.restarted, false);
  const refused = await engine.invoke('app.info', {});
  assert.ok(!refused.ok && /restart the app/.test(refused.error.message));
  assert.equal(children.length, 2);
  await engine.close();
});

test('close ends the engine without a restart', async () => {
  let crashed = false;
  const before = children.length;
  const engine = superviseEngine({ spawn: spawnNodeEngine, registries: [], onPersist: () => undefined, onCrash: () => (crashed = true) });
  const info = await engine.invoke('app.info', {});
  assert.ok(info.ok && (info.result as { host: string }).host === 'electron');
  await engine.close();
  assert.equal(children.length, before + 1);
  assert.ok(children.at(-1)!.exitCode !== null || children.at(-1)!.signalCode !== null, 'the process ended');
  assert.equal(crashed, false);
  const after = await engine.invoke('app.info', {});
  assert.ok(!after.ok && /was stopped/.test(after.error.message));
});
