import type { OnProgress, ProgressEvent } from '../../../shared/progress.js';

/** A throttled progress sink: `push` takes every event, `flush` sends what is held back. */
export interface ProgressThrottle {
  push: OnProgress;
  /** Sends the held-back byte counts now (before a phase ends and before the job's outcome). */
  flush(): void;
  /** Stops the timer; nothing more is sent. */
  stop(): void;
}

/**
 * Throttles a job's progress to about `1000 / intervalMs` messages a second: `bytes` events are
 * coalesced (the latest per phase wins, sent at most once per interval); phase, item and warning
 * events pass at once, after any byte count they follow, so order within a phase is kept.
 */
export function createProgressThrottle(send: OnProgress, intervalMs = 100): ProgressThrottle {
  const pending = new Map<string, ProgressEvent>();
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    last = Date.now();
    const events = [...pending.values()];
    pending.clear();
    for (const event of events) if (!stopped) send(event);
  };

  const push = (event: ProgressEvent): void => {
    if (stopped) return;
    if (event.kind !== 'bytes') {
      flush();
      send(event);
      return;
    }
    pending.set(event.phase, event);
    const wait = last + intervalMs - Date.now();
    if (wait <= 0) flush();
    else timer ??= setTimeout(flush, wait);
  };

  return {
    push,
    flush,
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      pending.clear();
    },
  };
}
