import type { ServiceProcess } from './service-process.js';

/** Options for {@link waitUntil}. */
export interface WaitUntilOptions {
  /** What is being waited for, for the error message. */
  what: string;
  /** Give up after this many milliseconds (default 15 000). */
  timeoutMs?: number;
  /** Delay between attempts in milliseconds (default 50). */
  intervalMs?: number;
  /** When given, waiting stops early (with its output in the error) if this process exits. */
  process?: ServiceProcess;
}

/** Polls `probe` until it returns true; throws a descriptive error (with the process's output) otherwise. */
export async function waitUntil(probe: () => Promise<boolean>, options: WaitUntilOptions): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let lastError = '';
  for (;;) {
    const exit = options.process?.exited();
    if (exit) {
      throw new Error(
        `${options.what}: process exited (code ${exit.code}, signal ${exit.signal}) before it was ready.\n` +
          `command: ${options.process?.commandLine}\noutput:\n${options.process?.output().trim()}`,
      );
    }
    try {
      if (await probe()) return;
      lastError = '';
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      const output = options.process ? `\ncommand: ${options.process.commandLine}\noutput:\n${options.process.output().trim()}` : '';
      throw new Error(`${options.what}: not ready after ${options.timeoutMs ?? 15_000} ms${lastError ? ` (last error: ${lastError})` : ''}${output}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}
