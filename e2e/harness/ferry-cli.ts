import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { run, type RunResult } from './tools.js';

const entry = fileURLToPath(new URL('../../electron/cli/bin.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Options for one `ferry` run. */
export interface FerryRunOptions {
  /** Extra environment (merged over a copy of the test's own, with HOME and caches isolated by the caller). */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  cwd?: string;
}

/** Runs the `ferry` command from source as a real child process: exit code, stdout, stderr. */
export function runFerry(args: string[], options: FerryRunOptions = {}): Promise<RunResult> {
  return run(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: options.cwd ?? root,
    env: { ...process.env, ...options.env },
    timeoutMs: options.timeoutMs ?? 120_000,
  });
}

/** A `ferry` command left running in the background (`ferry serve`, `ferry ui`). */
export interface RunningFerry {
  /** What it printed so far. */
  stdout(): string;
  stderr(): string;
  /** The first match of `ready` in stdout (its first group, else the whole match). */
  ready: string;
  /** Sends SIGTERM (unless it has exited) and resolves its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `ferry ARGS` from source as a child process and resolves once stdout matches `ready` (the URL a server
 * prints), or rejects with its stderr when it exits first. Stop it with {@link RunningFerry.stop}.
 */
export function startFerry(args: string[], ready: RegExp, options: FerryRunOptions = {}): Promise<RunningFerry> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: options.cwd ?? root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const stop = (): Promise<number | null> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
      else {
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }
    });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      const m = ready.exec(stdout);
      if (m) resolve({ stdout: () => stdout, stderr: () => stderr, ready: m[1] ?? m[0], stop });
    });
    child.once('exit', () => reject(new Error(`ferry ${args[0]} exited early: ${stderr}`)));
  });
}
