import type { ApiTransport } from './api-transport.js';

declare global {
  interface Window {
    /** The Electron preload's bridge (exactly the ApiTransport shape); absent in a browser. */
    ferry?: ApiTransport;
  }
}

/** The desktop app's transport: the preload's `window.ferry` (Electron IPC), or undefined outside Electron. */
export function createIpcTransport(bridge: ApiTransport | undefined = window.ferry): ApiTransport | undefined {
  if (!bridge || typeof bridge.invoke !== 'function' || typeof bridge.subscribe !== 'function' || typeof bridge.ready !== 'function') return undefined;
  return {
    async invoke(channel, input) {
      try {
        return await bridge.invoke(channel, input ?? {});
      } catch {
        return { error: { code: 'internal', message: 'The Ferry app host did not answer; restart the app.' } };
      }
    },
    subscribe: (listener) => bridge.subscribe(listener),
    ready: () => bridge.ready(),
  };
}
