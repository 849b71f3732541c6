// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- ambient types for deep undici files, seen by every tsconfig that compiles this file
/// <reference path="./undici-modules.d.ts" />
// The parts of undici the engine uses (Agent, EnvHttpProxyAgent, request), loaded file by file: `import 'undici'` also
// loads and compiles fetch, WebSocket, EventSource, the mock agents and the caches, which the engine never uses
// (about a fifth of a second of every command's start-up on the project machine).
import type { Dispatcher } from 'undici';
import AgentClass from 'undici/lib/dispatcher/agent.js';
import EnvHttpProxyAgentClass from 'undici/lib/dispatcher/env-http-proxy-agent.js';
import DispatcherClass from 'undici/lib/dispatcher/dispatcher.js';
import api from 'undici/lib/api/index.js';

// what undici's index does: every dispatcher gets request(), stream(), pipeline(), upgrade() and connect() (the proxy agent connects with it)
Object.assign(DispatcherClass.prototype, api);

// typed here from undici's own types (undici-modules.d.ts says the same for the checks that see it)
/** undici's Agent: a connection pool per origin. */
export const Agent: typeof import('undici').Agent = AgentClass;
/** undici's Agent type. */
export type Agent = import('undici').Agent;
/** undici's EnvHttpProxyAgent: HTTP(S)_PROXY and NO_PROXY as given. */
export const EnvHttpProxyAgent: typeof import('undici').EnvHttpProxyAgent = EnvHttpProxyAgentClass;

/** What {@link request} takes: undici's request options, with the dispatcher to send through (default: one shared Agent). */
export type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & { method?: Dispatcher.HttpMethod; dispatcher?: Dispatcher };

let shared: Agent | undefined;

/** undici's `request(url, options)`: one request through `options.dispatcher` (or a shared Agent, as undici's global one). */
export function request(url: string | URL, options: RequestOptions = {}): Promise<Dispatcher.ResponseData> {
  const target = typeof url === 'string' ? new URL(url) : url;
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new TypeError(`Only http(s) URLs can be requested, not ${target.protocol}`);
  const { dispatcher, ...rest } = options;
  return (dispatcher ?? (shared ??= new Agent())).request({ ...rest, origin: target.origin, path: `${target.pathname}${target.search}`, method: options.method ?? 'GET' });
}
