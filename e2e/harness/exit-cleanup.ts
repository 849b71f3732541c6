/** Synchronous cleanups run when the process exits, in registration order (children first, then dirs). */
const cleanups: Array<{ order: number; fn: () => void }> = [];
let installed = false;

/** Runs every registered cleanup once, ignoring errors. */
function runCleanups(): void {
  const pending = cleanups.splice(0).sort((a, b) => a.order - b.order);
  for (const { fn } of pending) {
    try {
      fn();
    } catch {
      // best effort
    }
  }
}

/** Installs (once) the 'exit' handler and, where nobody else handles them, SIGINT/SIGTERM/SIGHUP handlers
 * that clean up and then re-raise the signal so the default behaviour still happens. */
function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runCleanups);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    if (process.listenerCount(signal) > 0) continue;
    const onSignal = (): void => {
      runCleanups();
      process.removeListener(signal, onSignal);
      // Someone else may have started handling the signal since; then it is theirs to decide.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** Registers a synchronous cleanup for process exit (lower `order` runs first); returns an unregister function. */
export function onProcessExit(fn: () => void, order = 0): () => void {
  install();
  const entry = { order, fn };
  cleanups.push(entry);
  return () => {
    const i = cleanups.indexOf(entry);
    if (i >= 0) cleanups.splice(i, 1);
  };
}
