import { spawn, type ChildProcess } from 'node:child_process';
import { onProcessExit } from './exit-cleanup.js';

/** How many characters of a service's stderr/stdout are kept for error messages. */
const KEEP_OUTPUT_BYTES = 64 * 1024;

/** A long-running child process started by the harness (registry, containerd, …). */
export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly pid: number | undefined;
  /** The command line, for messages. */
  readonly commandLine: string;
  /** The last 64 Ki characters of stderr (and stdout) it wrote. */
  output(): string;
  /** Exit code/signal once it has exited, otherwise undefined. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** SIGTERM, then SIGKILL after graceMs (default 5 s); resolves once it has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns a service child, keeps its output for diagnostics and registers it for kill-on-exit. */
export function spawnService(
  cmd: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ServiceProcess {
  const child = spawn(cmd, [...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  // Never outlive the test process, even when a test forgets stop().
  const unregister = onProcessExit(() => {
    if (!exitInfo) child.kill('SIGKILL');
  }, 0);
  const append = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > KEEP_OUTPUT_BYTES) output = output.slice(-KEEP_OUTPUT_BYTES);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exitedPromise = new Promise<void>((resolve) => {
    child.on('error', (err) => {
      append(Buffer.from(`\n[harness] failed to start ${cmd}: ${err.message}\n`));
      exitInfo ??= { code: -1, signal: null };
      unregister();
      resolve();
    });
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      unregister();
      resolve();
    });
  });
  let stopping: Promise<void> | undefined;
  return {
    child,
    pid: child.pid,
    commandLine: [cmd, ...args].join(' '),
    output: () => output,
    exited: () => exitInfo,
    stop(graceMs = 5_000) {
      stopping ??= (async () => {
        if (exitInfo) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exitedPromise;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
