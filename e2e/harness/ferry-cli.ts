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
