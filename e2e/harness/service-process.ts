import { spawn, type ChildProcess } from 'node:child_process';

/** How many bytes of a service's stderr/stdout are kept for error messages. */
const KEEP_OUTPUT_BYTES = 64 * 1024;

/** Every service child still running; killed by the process 'exit' handler if a test forgot stop(). */
const liveChildren = new Set<ChildProcess>();
let exitHandlerInstalled = false;

/** Kills every child still alive, synchronously (safe inside an 'exit' handler). */
function killAllChildren(): void {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  liveChildren.clear();
}

/** Installs (once) the handlers that make sure no service outlives this process. */
function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // Only take over the signal when nobody else handles it, and re-raise it afterwards so the
    // default behaviour (terminate) still happens.
    if (process.listenerCount(signal) > 0) continue;
    const onSignal = (): void => {
      killAllChildren();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** A long-running child process started by the harness (registry, containerd, …). */
export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly pid: number | undefined;
  /** The command line, for messages. */
  readonly commandLine: string;
  /** The last 64 KiB of stderr (and stdout) it wrote. */
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
  installExitHandler();
  const child = spawn(cmd, [...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  let output = '';
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
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
      liveChildren.delete(child);
      resolve();
    });
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      liveChildren.delete(child);
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
