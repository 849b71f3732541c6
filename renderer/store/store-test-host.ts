// Test support for the store tests (not bundled into the app: only *.test.ts files import it).
import { createApiHost, type ApiHostOptions } from '../../electron/engine/api/api-host.js';
import { createApiClient, type ApiClient } from '../api/api-client.js';
import type { ApiTransport } from '../api/api-transport.js';

/** A store test's host: the real API host in this process (the contract validates every input), some handlers replaced. */
export interface StoreTestHost {
  api: ApiClient;
  /** Every call as the store sent it, in order: channel and input. */
  calls: { channel: string; input: unknown }[];
  /** Calls of one channel, their inputs. */
  inputsOf(channel: string): unknown[];
  close(): Promise<void>;
}

/**
 * The one host store tests run on: a real ApiClient over the real API host (real handlers for what runs offline: file
 * checks, list reading, bundle inspection), with `handlers` replacing the calls that would need a registry or a long job.
 */
export function storeTestHost(options: Pick<ApiHostOptions, 'handlers' | 'settings'> = {}): StoreTestHost {
  const host = createApiHost({ ...options, progressIntervalMs: 0 });
  const calls: { channel: string; input: unknown }[] = [];
  const transport: ApiTransport = {
    async invoke(channel, input) {
      calls.push({ channel, input });
      const outcome = await host.invoke(channel, input);
      return outcome.ok ? { result: outcome.result } : { error: outcome.error };
    },
    subscribe: (listener) => host.subscribe(listener),
    ready: async () => undefined,
  };
  return {
    api: createApiClient(transport),
    calls,
    inputsOf: (channel) => calls.filter((c) => c.channel === channel).map((c) => c.input),
    close: () => host.close(),
  };
}
