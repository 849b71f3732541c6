import { isHostCommand, type ApiChannel, type ApiInput, type ApiResult, type HostCommand, type JobChannel, type JobMessage, type JobResults } from '../../shared/api-contract.js';
import type { ProgressEvent } from '../../shared/progress.js';
import { ApiCallError } from './api-call-error.js';
import type { ApiTransport } from './api-transport.js';

/** A job as the renderer holds it: its id once known, its outcome, and a way to cancel it. */
export interface RunningJob<C extends JobChannel> {
  jobId: Promise<string>;
  result: Promise<JobResults[C]>;
  cancel(): Promise<void>;
}

/** The typed API the views use: every call of the contract, over any transport. */
export interface ApiClient {
  /** A plain call: resolves with its result or rejects with an {@link ApiCallError}. */
  call<C extends Exclude<ApiChannel, JobChannel>>(channel: C, input: ApiInput<C>): Promise<ApiResult<C>>;
  /** Starts a long job; progress goes to `onProgress`; `result` settles with its outcome. */
  startJob<C extends JobChannel>(channel: C, input: ApiInput<C>, onProgress: (event: ProgressEvent) => void): RunningJob<C>;
  /** Receives the host's commands (open a bundle); commands that arrived before the first listener are delivered to it. Returns the unsubscribe function. */
  onCommand(listener: (command: HostCommand) => void): () => void;
}

interface JobWaiter {
  onProgress(event: ProgressEvent): void;
  resolve(result: unknown): void;
  reject(error: ApiCallError): void;
}

/** Makes the typed client over a transport. */
export function createApiClient(transport: ApiTransport): ApiClient {
  const waiters = new Map<string, JobWaiter>();
  // messages of a job whose id the call has not answered yet (a quick job can finish first)
  const early = new Map<string, JobMessage[]>();

  const deliver = (waiter: JobWaiter, message: JobMessage): boolean => {
    if ('event' in message) {
      waiter.onProgress(message.event);
      return false;
    }
    if ('result' in message) waiter.resolve(message.result);
    else waiter.reject(new ApiCallError(message.error));
    return true;
  };

  const commandListeners = new Set<(command: HostCommand) => void>();
  const earlyCommands: HostCommand[] = [];

  transport.subscribe((message) => {
    if (isHostCommand(message)) {
      if (commandListeners.size === 0) {
        if (earlyCommands.length < 10) earlyCommands.push(message);
      } else for (const listener of commandListeners) listener(message);
      return;
    }
    const waiter = waiters.get(message.jobId);
    if (!waiter) {
      const list = early.get(message.jobId) ?? [];
      if (list.length < 1000) list.push(message);
      early.set(message.jobId, list);
      if (early.size > 100) early.delete(early.keys().next().value as string);
      return;
    }
    if (deliver(waiter, message)) waiters.delete(message.jobId);
  });

  const invoke = async (channel: string, input: unknown): Promise<unknown> => {
    const response = await transport.invoke(channel, input);
    if ('error' in response) throw new ApiCallError(response.error);
    return response.result;
  };

  return {
    call: (channel, input) => invoke(channel, input) as never,
    onCommand(listener) {
      commandListeners.add(listener);
      for (const command of earlyCommands.splice(0)) listener(command);
      return () => void commandListeners.delete(listener);
    },
    startJob(channel, input, onProgress) {
      let resolveId!: (id: string) => void;
      let rejectId!: (error: unknown) => void;
      const jobId = new Promise<string>((res, rej) => {
        resolveId = res;
        rejectId = rej;
      });
      const result = new Promise<never>((resolve, reject) => {
        (async () => {
          await transport.ready();
          const { jobId: id } = (await invoke(channel, input)) as { jobId: string };
          const waiter: JobWaiter = { onProgress, resolve: resolve as (r: unknown) => void, reject };
          waiters.set(id, waiter);
          resolveId(id);
          for (const message of early.get(id) ?? []) if (deliver(waiter, message)) waiters.delete(id);
          early.delete(id);
        })().catch((error: unknown) => {
          rejectId(error);
          reject(error);
        });
      });
      jobId.catch(() => undefined);
      return {
        jobId,
        result,
        cancel: async () => {
          await invoke('job.cancel', { jobId: await jobId });
        },
      };
    },
  };
}
