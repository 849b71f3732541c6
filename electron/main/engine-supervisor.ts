import { isJobChannel, type JobMessage } from '../../shared/api-contract.js';
import type { ApiOutcome } from '../engine/api/api-host.js';
import type { RegistrySetting } from '../engine/api/session-settings.js';
import type { FromEngine, ToEngine } from './engine-messages.js';

/** The api host as seen from the main process: the same shape as ApiHost, served by the engine process. */
export interface EngineProcess {
  invoke(channel: string, input: unknown): Promise<ApiOutcome>;
  subscribe(listener: (message: JobMessage) => void): () => void;
  /** Cancels running jobs, then ends the process. */
  close(): Promise<void>;
}

/** One engine process as the supervisor drives it (an Electron utility process; a Node child in tests). */
export interface EngineChild {
  postMessage(message: ToEngine): void;
  onMessage(listener: (message: FromEngine) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

/** What the supervisor tells the shell when the engine process stopped on its own. */
export interface EngineCrash {
  code: number | null;
  /** A new engine process took over; false once it stopped too often (the app must be restarted). */
  restarted: boolean;
  /** Jobs that were running and ended with an error. */
  jobsLost: string[];
}

/** Options for {@link superviseEngine}. */
export interface EngineSupervisorOptions {
  /** Starts one engine process. */
  spawn(): EngineChild;
  /** The kept registries to load at start (and into every restarted process). */
  registries: RegistrySetting[];
  /** Called with the registries after every settings change (to encrypt and keep them). */
  onPersist(registries: RegistrySetting[]): void;
  /** Called after the engine process stopped unexpectedly. */
  onCrash?(crash: EngineCrash): void;
  /** Restarts allowed within {@link EngineSupervisorOptions.restartWindowMs} before giving up (default 3). */
  maxRestarts?: number;
  /** Default 60 000 ms. */
  restartWindowMs?: number;
  /** How long `close` waits for the process to end on its own before killing it (default 5000 ms). */
  closeTimeoutMs?: number;
}

const failed = (message: string): ApiOutcome => ({ ok: false, reason: 'failed', error: { code: 'internal', message } });

/**
 * Runs the engine in a child process and keeps it running: calls waiting when it dies are answered with
 * an error, running jobs end with an error message (their windows stop waiting), and a new process is
 * started with the registries as last kept, up to `maxRestarts` times a minute.
 */
export function superviseEngine(options: EngineSupervisorOptions): EngineProcess {
  const maxRestarts = options.maxRestarts ?? 3;
  const windowMs = options.restartWindowMs ?? 60_000;
  const listeners = new Set<(message: JobMessage) => void>();
  const pending = new Map<number, (outcome: ApiOutcome) => void>();
  const jobs = new Set<string>();
  /** Jobs that ended, newest last (a quick job can end before its call is answered). */
  const ended: string[] = [];
  const restarts: number[] = [];
  let registries = options.registries;
  let nextId = 1;
  let child: EngineChild | undefined;
  let closing = false;
  let closed: (() => void) | undefined;
  let gaveUp = false;

  const emit = (message: JobMessage): void => {
    for (const listener of listeners) listener(message);
  };

  const start = (): void => {
    const current = options.spawn();
    child = current;
    current.onMessage((message) => {
      if (child !== current) return;
      if (message.type === 'outcome') {
        pending.get(message.id)?.(message.outcome);
        pending.delete(message.id);
      } else if (message.type === 'job') {
        if ('result' in message.message || 'error' in message.message) {
          jobs.delete(message.message.jobId);
          ended.push(message.message.jobId);
          if (ended.length > 100) ended.shift();
        }
        emit(message.message);
      } else if (message.type === 'persist') {
        registries = message.registries;
        options.onPersist(message.registries);
      } else if (message.type === 'closed') {
        current.kill();
      }
    });
    current.onExit((code) => {
      if (child !== current) return;
      child = undefined;
      if (closing) {
        for (const resolve of pending.values()) resolve(failed('The Ferry engine was stopped.'));
        pending.clear();
        closed?.();
        return;
      }
      const now = Date.now();
      while (restarts.length > 0 && now - restarts[0]! > windowMs) restarts.shift();
      const restart = restarts.length < maxRestarts;
      gaveUp = !restart;
      const sentence = restart
        ? `The Ferry engine stopped unexpectedly (exit code ${String(code)}) and was started again; run the task again.`
        : `The Ferry engine stopped unexpectedly (exit code ${String(code)}) ${maxRestarts + 1} times within a minute; restart the app.`;
      for (const resolve of pending.values()) resolve(failed(sentence));
      pending.clear();
      const jobsLost = [...jobs];
      jobs.clear();
      for (const jobId of jobsLost) emit({ jobId, error: { code: 'internal', message: sentence } });
      if (restart) {
        restarts.push(now);
        start();
      }
      options.onCrash?.({ code, restarted: restart, jobsLost });
    });
    current.postMessage({ type: 'init', registries });
  };
  start();

  return {
    invoke(channel, input) {
      if (!child) return Promise.resolve(failed(gaveUp ? 'The Ferry engine stopped too often; restart the app.' : 'The Ferry engine was stopped.'));
      const running = child;
      const id = nextId++;
      return new Promise<ApiOutcome>((resolve) => {
        pending.set(id, (outcome) => {
          const jobId = outcome.ok && isJobChannel(channel) ? (outcome.result as { jobId: string }).jobId : undefined;
          if (jobId !== undefined && !ended.includes(jobId)) jobs.add(jobId);
          resolve(outcome);
        });
        running.postMessage({ type: 'invoke', id, channel, input });
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    close() {
      closing = true;
      const running = child;
      if (!running) return Promise.resolve();
      return new Promise<void>((resolve) => {
        closed = resolve;
        running.postMessage({ type: 'close' });
        setTimeout(() => running.kill(), options.closeTimeoutMs ?? 5000).unref();
      });
    },
  };
}
