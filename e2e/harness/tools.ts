import { spawn } from 'node:child_process';

/** Result of a finished command: exit code (or -1 when killed/failed to spawn) and its output. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@link run}. */
export interface RunOptions {
  /** Kill the command after this many milliseconds (default 60 000); the result then has code -1. */
  timeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the command's stdin, which is then closed. */
  input?: string | Buffer;
}

/** Runs a command to completion; never throws on a non-zero exit, a spawn failure or a timeout. */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    const child = spawn(cmd, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const finish = (code: number, extra = ''): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8') + extra,
      });
    };
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (err) => finish(-1, `\n[run] failed to start ${cmd}: ${err.message}`));
    child.on('close', (code, signal) => {
      if (timedOut) finish(-1, `\n[run] ${cmd} timed out after ${timeoutMs} ms`);
      else finish(code ?? -1, signal ? `\n[run] ${cmd} killed by ${signal}` : '');
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? undefined);
  });
}

/** Runs a command and throws (with its stderr) unless it exits 0; returns its result. */
export async function runOrThrow(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await run(cmd, args, options);
  if (result.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${result.code}:\n${result.stderr.trim() || result.stdout.trim()}`);
  }
  return result;
}

/** Runs `skopeo ARGS` (with a 120 s timeout); never throws on failure. */
export function skopeo(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run('skopeo', args, { timeoutMs: 120_000, ...options });
}
