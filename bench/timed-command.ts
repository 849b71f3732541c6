import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** How one command run went: wall seconds, peak RSS (VmHWM, sampled from /proc), exit code and the tail of stderr. */
export interface TimedRun {
  seconds: number;
  peakRssMiB: number;
  code: number;
  stderr: string;
}

/** The one way the benches time a command: run to its end, sampling its peak RSS every 20 ms. */
export async function timedCommand(cmd: string, args: string[], options: { cwd?: string } = {}): Promise<TimedRun> {
  const started = performance.now();
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...(options.cwd ? { cwd: options.cwd } : {}) });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let peak = 0;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
    } catch {
      // the process has exited
    }
  }, 20);
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  clearInterval(timer);
  return { seconds: (performance.now() - started) / 1000, peakRssMiB: peak, code, stderr };
}
