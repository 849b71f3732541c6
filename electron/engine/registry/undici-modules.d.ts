// Types for the few undici files Ferry loads directly (undici-lite.ts): the package's own types, by file.
declare module 'undici/lib/dispatcher/agent.js' {
  const AgentClass: typeof import('undici').Agent;
  export default AgentClass;
}
declare module 'undici/lib/dispatcher/env-http-proxy-agent.js' {
  const EnvHttpProxyAgentClass: typeof import('undici').EnvHttpProxyAgent;
  export default EnvHttpProxyAgentClass;
}
declare module 'undici/lib/dispatcher/dispatcher.js' {
  const DispatcherClass: typeof import('undici').Dispatcher;
  export default DispatcherClass;
}
declare module 'undici/lib/api/index.js' {
  const api: Record<string, unknown>;
  export default api;
}
