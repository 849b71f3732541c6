import { randomUUID } from 'node:crypto';
import { API_INPUTS, isApiChannel, isJobChannel, type ApiChannel, type AppInfo, type JobMessage } from '../../../shared/api-contract.js';
import type { SerializedError } from '../../../shared/errors.js';
import type { ProgressEvent } from '../../../shared/progress.js';
import { FerryError, serializeError } from '../errors/ferry-error.js';
import { engineHandlers, type ApiHandlers } from './api-handlers.js';
import { RegistryClientPool } from '../registry/registry-client-pool.js';
import { createProgressThrottle } from './progress-throttle.js';
import { createSessionSettings, type SessionSettings } from './session-settings.js';

/** Options for {@link createApiHost}. */
export interface ApiHostOptions {
  /** Which host this is, as `app.info` reports it (default `web`). */
  host?: AppInfo['host'];
  /** Replaces some of the engine handlers (tests of the host's own machinery). */
  handlers?: Partial<ApiHandlers>;
  /** Minimum milliseconds between two byte-progress messages of a job (default 100: about 10 a second). */
  progressIntervalMs?: number;
  /** The session's settings (registries and logins, concurrency, cache folder); default a fresh in-memory set. */
  settings?: SessionSettings;
}

/** How a call ended: its result, or an error and why (the transport maps `reason` to its own status). */
export type ApiOutcome =
  | { ok: true; result: unknown }
  | { ok: false; reason: 'unknown-channel' | 'bad-input' | 'failed'; error: SerializedError };

/** The host side of the API contract: one per app window or web host, transport-agnostic. */
export interface ApiHost {
  /** Runs one call: validates its input against the contract, then calls the engine (a job call answers `{ jobId }` at once). */
  invoke(channel: string, input: unknown): Promise<ApiOutcome>;
  /** Receives every job message (progress, then one result or error); returns the unsubscribe function. */
  subscribe(listener: (message: JobMessage) => void): () => void;
  /** Job ids still running. */
  runningJobs(): string[];
  /** Cancels every running job and waits for them to end. */
  close(): Promise<void>;
}

/** What a running job gets from the host. */
interface JobRunControls {
  onProgress: (event: ProgressEvent) => void;
  signal: AbortSignal;
}

/** A bad-usage error naming the field of a call's input at fault. */
function inputError(channel: ApiChannel, issues: { path: PropertyKey[]; message: string }[]): SerializedError {
  const issue = issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(input)';
  return { code: 'bad-usage', message: `Invalid input for ${channel}: ${field}: ${issue?.message ?? 'invalid'}.`, subject: field };
}

/**
 * Creates the host side of the API: every call of `shared/api-contract.ts` dispatched to the engine
 * façade, its input validated first (bad input: a `bad-usage` error naming the field); jobs run with
 * an AbortController each (`job.cancel`), their progress throttled to about ten messages a second.
 * Plain Node: the same host sits behind `ferry ui` and, later, Electron IPC.
 */
export function createApiHost(options: ApiHostOptions = {}): ApiHost {
  const clients = new RegistryClientPool();
  const handlers: ApiHandlers = { ...engineHandlers(options.host ?? 'web', options.settings ?? createSessionSettings(), clients), ...options.handlers };
  const intervalMs = options.progressIntervalMs ?? 100;
  const listeners = new Set<(message: JobMessage) => void>();
  const jobs = new Map<string, { controller: AbortController; done: Promise<void> }>();

  const emit = (message: JobMessage): void => {
    for (const listener of listeners) {
      try {
        listener(message);
      } catch {
        // a broken subscriber must not stop the job or the others
      }
    }
  };

  const startJob = (run: (controls: JobRunControls) => Promise<unknown>): string => {
    const jobId = randomUUID();
    const controller = new AbortController();
    const throttle = createProgressThrottle((event) => emit({ jobId, event }), intervalMs);
    const done = (async () => {
      try {
        const result = await run({ onProgress: throttle.push, signal: controller.signal });
        throttle.flush();
        throttle.stop();
        emit({ jobId, result });
      } catch (error) {
        throttle.flush();
        throttle.stop();
        const serialized = controller.signal.aborted ? { code: 'cancelled' as const, message: 'Cancelled; nothing complete was left behind.' } : serializeError(error);
        emit({ jobId, error: serialized });
      } finally {
        jobs.delete(jobId);
      }
    })();
    jobs.set(jobId, { controller, done });
    return jobId;
  };

  const invoke = async (channel: string, input: unknown): Promise<ApiOutcome> => {
    if (!isApiChannel(channel)) {
      return { ok: false, reason: 'unknown-channel', error: { code: 'bad-usage', message: `There is no API call named "${channel.slice(0, 100)}".`, subject: channel.slice(0, 100) } };
    }
    const parsed = API_INPUTS[channel].safeParse(input ?? {});
    if (!parsed.success) return { ok: false, reason: 'bad-input', error: inputError(channel, parsed.error.issues) };
    const data = parsed.data as never;
    try {
      if (channel === 'job.cancel') {
        const job = jobs.get((parsed.data as { jobId: string }).jobId);
        job?.controller.abort(new FerryError('cancelled', 'Cancelled.'));
        return { ok: true, result: { cancelled: job !== undefined } };
      }
      if (isJobChannel(channel)) {
        const handler = handlers[channel] as unknown as (input: never, controls: JobRunControls) => Promise<unknown>;
        return { ok: true, result: { jobId: startJob((controls) => handler(data, controls)) } };
      }
      const handler = handlers[channel] as unknown as (input: never) => Promise<unknown>;
      return { ok: true, result: await handler(data) };
    } catch (error) {
      return { ok: false, reason: 'failed', error: serializeError(error) };
    }
  };

  return {
    invoke,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    runningJobs: () => [...jobs.keys()],
    async close() {
      const running = [...jobs.values()];
      for (const job of running) job.controller.abort(new FerryError('cancelled', 'Cancelled: the app is closing.'));
      await Promise.all(running.map((job) => job.done));
      listeners.clear();
      await clients.close();
    },
  };
}
