// Runs one offline command of the engine façade (and of the CLI's own run paths, in-process) on a crafted bundle and
// describes what happened as an Outcome: accepted, refused cleanly (a FerryError, or a negative report), crashed,
// timed out, or out of memory. In-process for speed; HostileSandbox runs the same calls in a long-lived child process
// whose time and memory are bounded from outside (a FIFO opened blocking, or /dev/zero read whole, cannot hang or
// exhaust the test runner).
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import type { VerifyReport } from '../../shared/verify-report.js';
import {
  approveBundle,
  FerryError,
  importBundle,
  inspectBundle,
  renderHtmlReport,
  repairBundle,
  reviewBundle,
  serveBundle,
  signBundle,
  splitBundle,
  verifyBundle,
} from '../../electron/engine/index.js';
import type { CommandContext } from '../../electron/cli/command-context.js';
import { placeBundle } from '../../electron/cli/commands/place-bundle.js';
import { runImport } from '../../electron/cli/commands/import-run.js';
import { onProcessExit } from './exit-cleanup.js';
import type { OfflineCommand, RunFolders } from './hostile-bundles.js';

/** What a command needs besides the bundle. */
export interface CommandEnv {
  /** `HOST:PORT` of the registry to import into; absent: a closed port, so nothing can be pushed (an import that gets past
   * verification then fails with a network error, which the oracle tells from a refusal). */
  registryHost?: string;
  /** The repository prefix of this import: unique per call, so any push shows as a new repository in the catalog. */
  importPrefix?: string;
  /** Signing key files: the preparer's (sign) and a second person's (approve). */
  preparerKey: string;
  approverKey: string;
  /** Each call is cancelled after this long (and, in the sandbox, killed a little later). */
  timeoutMs: number;
}

/** What one command did with one crafted bundle. */
export interface Outcome {
  verdict: 'accepted' | 'refused' | 'crashed' | 'timeout' | 'memory';
  /** The error's message, the negative report's faults (a line each), or what was done. */
  message: string;
  /** The FerryError's code, when one refused. */
  code?: string;
  /** A crash: the error's name and the top of its stack. */
  error?: string;
  /** Signature files the verification listed (what it read from signatures/). */
  listed?: string[];
  /** What the command produced that it must not: a raw control character in the HTML report. */
  leaks?: string[];
  ms: number;
  /** Peak RSS growth of the sandbox process during the call (MB), when run in the sandbox. */
  rssGrowthMb?: number;
}

/** A raw control byte a terminal or a page would act on: C0 but \t \n \r, DEL, C1, bidi overrides and isolates. */
// eslint-disable-next-line no-control-regex -- the characters under test
export const RAW_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** A CLI context whose output is collected (the run paths of `ferry import` print into it). */
function quietContext(signal: AbortSignal): { ctx: CommandContext; output: () => string } {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  return { ctx: { stdout: out, stderr: out as unknown as NodeJS.WriteStream, signal }, output: () => Buffer.concat(chunks).toString('utf8') };
}

/** The faults, trust problems, bad signatures and policy violations of a negative report, a line each. */
export function reportMessage(report: VerifyReport): string {
  return [
    ...report.integrity.faults.map((f) => f.message),
    ...(report.trust?.problems ?? []),
    ...(report.trust?.signatures ?? []).filter((s) => !s.valid).map((s) => `${s.file}: ${s.problem ?? 'not valid'}`),
    ...(report.policy?.violations.map((v) => v.message) ?? []),
  ].join('\n');
}

async function attempt(command: OfflineCommand, folders: RunFolders, env: CommandEnv, signal: AbortSignal): Promise<Omit<Outcome, 'ms'>> {
  const dir = folders.bundle;
  const controls = { signal };
  switch (command) {
    case 'verify': {
      const report = await verifyBundle({ dirs: [dir] }, controls);
      const listed = (report.trust?.signatures ?? []).map((s) => s.file);
      return report.ok ? { verdict: 'accepted', message: 'verified', listed } : { verdict: 'refused', message: reportMessage(report), listed };
    }
    case 'inspect': {
      const inspection = await inspectBundle(dir);
      return { verdict: 'accepted', message: `inspected: ${inspection.manifest.images.length} image(s)` };
    }
    case 'review': {
      const input = await reviewBundle({ dir, verify: true }, controls);
      const html = renderHtmlReport(input);
      const raw = RAW_CONTROL.exec(html);
      const leaks = raw ? [`the HTML report holds a raw U+${raw[0].charCodeAt(0).toString(16).padStart(4, '0')}: ${JSON.stringify(html.slice(Math.max(0, raw.index - 80), raw.index + 40))}`] : [];
      const ok = (input.integrity?.ok ?? false) && (input.trust?.ok ?? true);
      const message = [...(input.integrity?.faults.map((f) => f.message) ?? []), ...(input.trust?.problems ?? []), ...(input.trust?.signatures ?? []).filter((s) => !s.valid).map((s) => `${s.file}: ${s.problem ?? 'not valid'}`)].join('\n');
      return { verdict: ok ? 'accepted' : 'refused', message: ok ? 'reviewed' : message, leaks };
    }
    case 'import': {
      const host = env.registryHost ?? '127.0.0.1:1';
      const result = await importBundle(
        {
          dirs: [dir],
          to: `${host}/${env.importPrefix ?? 'hostile'}`,
          registry: { insecureRegistries: [host], retries: 0 },
          mirrorConfigDir: folders.mirror,
          reportFile: join(folders.report, 'import-report.json'),
        },
        controls,
      );
      return { verdict: 'accepted', message: `imported ${result.report.images.map((i) => i.target).join(', ')}` };
    }
    case 'place': {
      // the CLI's own path: `ferry import DIR --to-dir TARGET` verifies, then placeInFolder writes the archive
      const { ctx } = quietContext(signal);
      await placeBundle([dir], {}, { toDir: folders.place, namespace: 'k8s.io', json: true }, ctx);
      return { verdict: 'accepted', message: `placed into ${folders.place}` };
    }
    case 'files-to': {
      // `ferry import DIR --files-to TARGET`: the whole bundle proven, then the plain files written
      const { ctx } = quietContext(signal);
      await runImport(ctx, [dir], { filesTo: folders.files, namespace: 'k8s.io', trust: [], cosignKey: [], map: [], insecureRegistry: [], caFile: [], json: true });
      return { verdict: 'accepted', message: `files written into ${folders.files}` };
    }
    case 'serve': {
      const served = await serveBundle({ dirs: [dir], listen: '127.0.0.1:0' }, controls);
      await served.close();
      return { verdict: 'accepted', message: `served ${served.repositories.join(', ')}` };
    }
    case 'split': {
      const result = await splitBundle({ dir, size: '1MiB', parity: 1 }, controls);
      return { verdict: 'accepted', message: `split (changed: ${result.changed})` };
    }
    case 'repair': {
      const result = await repairBundle(dir, controls);
      return result.whole ? { verdict: 'accepted', message: 'whole' } : { verdict: 'refused', message: result.problems.join('\n') || 'not whole' };
    }
    case 'sign': {
      const written = await signBundle(dir, env.preparerKey);
      return { verdict: 'accepted', message: `signed ${written.file}` };
    }
    case 'approve': {
      const written = await approveBundle(dir, env.approverKey);
      return { verdict: 'accepted', message: `approved ${written.file}` };
    }
  }
}

/**
 * Runs one offline command on `folders.bundle` in this process, bounded in time (`env.timeoutMs`: the engine is asked
 * to cancel, and the call is abandoned if it does not). Never throws.
 */
export async function runOffline(command: OfflineCommand, folders: RunFolders, env: CommandEnv): Promise<Outcome> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`timed out after ${env.timeoutMs} ms`));
      // give the engine a moment to stop cleanly, then abandon the call
      setTimeout(() => resolve('timeout'), 1_000).unref();
    }, env.timeoutMs);
  });
  try {
    const result = await Promise.race([attempt(command, folders, env, controller.signal), timedOut]);
    const ms = performance.now() - started;
    if (result === 'timeout') return { verdict: 'timeout', message: `no answer after ${env.timeoutMs} ms`, ms };
    return { ...result, ms };
  } catch (error) {
    const ms = performance.now() - started;
    if (controller.signal.aborted) return { verdict: 'timeout', message: `cancelled after ${env.timeoutMs} ms: ${(error as Error)?.message}`, ms };
    return { ...classify(error), ms };
  } finally {
    clearTimeout(timer);
  }
}

/** A FerryError is a refusal (the oracle then judges its code and message); anything else is a crash. */
export function classify(error: unknown): Omit<Outcome, 'ms'> {
  if (error instanceof FerryError) return { verdict: 'refused', message: error.message, code: error.code };
  const e = error as Error | undefined;
  const stack = typeof e?.stack === 'string' ? e.stack.split('\n').slice(0, 6).join('\n') : inspect(error).slice(0, 400);
  return { verdict: 'crashed', message: e?.message ?? String(error), error: `${e?.name ?? typeof error}: ${stack}` };
}

// ---------------------------------------------------------------------------------------------------------------------
// The sandbox: the same calls in a child process, killed when it runs out of time or memory.

/** One request to the sandbox child. */
export interface SandboxRequest {
  id: number;
  command: OfflineCommand;
  folders: RunFolders;
  env: CommandEnv;
}

/** The sandbox child's answer. */
export interface SandboxReply {
  id: number;
  outcome: Outcome;
}

const CHILD = fileURLToPath(new URL('./hostile-sandbox-child.ts', import.meta.url));

/** A field of /proc/PID/status in MB (VmRSS, VmHWM), or undefined when it cannot be read. */
function procMb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A long-lived child process running {@link runOffline}: each call is bounded from outside — killed (and the child
 * started again for the next call) when it takes longer than its time or its RSS grows by more than `rssLimitMb` —
 * so a FIFO opened blocking or a link to /dev/zero read whole costs one child, not the test run.
 */
export class HostileSandbox {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private nextId = 1;
  private stderr = '';
  private readonly unregister: () => void;

  constructor(private readonly rssLimitMb = 200) {
    this.unregister = onProcessExit(() => this.child?.kill('SIGKILL'), 0);
  }

  private start(): Promise<void> {
    if (this.ready && this.child && this.child.exitCode === null && this.child.signalCode === null && !this.child.killed) return this.ready;
    const child = fork(CHILD, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
    this.child = child;
    this.stderr = '';
    child.stderr!.on('data', (c: Buffer) => (this.stderr = (this.stderr + c.toString('utf8')).slice(-4000)));
    this.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: unknown): void => {
        if ((m as { ready?: boolean })?.ready) {
          child.off('message', onMessage);
          resolve();
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code, signal) => reject(new Error(`the sandbox exited before it was ready (${signal ?? code}): ${this.stderr}`)));
    });
    return this.ready;
  }

  /** Runs one command in the child; never throws (a killed or dead child is an Outcome too). */
  async run(command: OfflineCommand, folders: RunFolders, env: CommandEnv): Promise<Outcome> {
    await this.start();
    const child = this.child!;
    const pid = child.pid!;
    const id = this.nextId++;
    // reset the peak RSS the kernel keeps (VmHWM), so the peak read after the call is this call's
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      // not allowed here: the polled RSS still bounds the call
    }
    const baseline = procMb(pid, 'VmRSS') ?? 0;
    const started = performance.now();
    return new Promise<Outcome>((resolve) => {
      let peak = baseline;
      let settled = false;
      const finish = (outcome: Outcome): void => {
        if (settled) return;
        settled = true;
        clearInterval(poll);
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(outcome);
      };
      const kill = (verdict: 'timeout' | 'memory', message: string): void => {
        // this child is done for: the next call starts a fresh one (the dying one must not get it)
        if (this.child === child) {
          this.child = undefined;
          this.ready = undefined;
        }
        child.kill('SIGKILL');
        finish({ verdict, message, ms: performance.now() - started, rssGrowthMb: Math.round(peak - baseline) });
      };
      const poll = setInterval(() => {
        const rss = procMb(pid, 'VmRSS');
        if (rss === undefined) return;
        peak = Math.max(peak, rss);
        if (rss - baseline > this.rssLimitMb) kill('memory', `RSS grew by ${Math.round(rss - baseline)} MB (limit ${this.rssLimitMb} MB); killed`);
      }, 20);
      // the child cancels itself at env.timeoutMs; it is killed if it has not answered a little later
      const timer = setTimeout(() => kill('timeout', `no answer after ${env.timeoutMs + 2_000} ms; killed`), env.timeoutMs + 2_000);
      const onMessage = (m: unknown): void => {
        const reply = m as SandboxReply;
        if (reply?.id !== id) return;
        if (reply.outcome.verdict === 'timeout') {
          // the child gave up on the call, but what it abandoned may still hold a thread (a FIFO opened blocking holds
          // one of libuv's four for good): a fresh child takes the next call
          kill('timeout', reply.outcome.message);
          return;
        }
        const hwm = procMb(pid, 'VmHWM');
        if (hwm !== undefined) peak = Math.max(peak, hwm);
        const growth = Math.round(peak - baseline);
        finish(growth > this.rssLimitMb ? { ...reply.outcome, verdict: 'memory', message: `RSS peaked ${growth} MB above the start (limit ${this.rssLimitMb} MB); it answered: ${reply.outcome.message}` } : { ...reply.outcome, rssGrowthMb: growth });
      };
      const onExit = (code: number | null, signal: string | null): void => {
        if (this.child === child) {
          this.child = undefined;
          this.ready = undefined;
        }
        finish({ verdict: 'crashed', message: `the sandbox process died during the call (${signal ?? `exit code ${code}`})`, error: this.stderr.slice(-2000), ms: performance.now() - started });
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ id, command, folders, env } satisfies SandboxRequest);
    });
  }

  /** Stops the child. */
  async stop(): Promise<void> {
    this.unregister();
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}
