import type { ApiResponse, HostMessage } from '../../shared/api-contract.js';
import type { ApiTransport } from './api-transport.js';

/**
 * The transport of `ferry ui`: `POST /api/<channel>` with JSON and the `/api/events` WebSocket,
 * both on the page's own origin (the token travels in the HttpOnly cookie set on the first load).
 * The socket reconnects after a drop.
 */
export function createWebTransport(base: Location = window.location): ApiTransport {
  const listeners = new Set<(message: HostMessage) => void>();
  let socket: WebSocket | undefined;
  let opened: Promise<void> | undefined;

  const connect = (): Promise<void> => {
    opened ??= new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`${base.protocol === 'https:' ? 'wss' : 'ws'}://${base.host}/api/events`);
      socket = ws;
      ws.addEventListener('open', () => resolve(), { once: true });
      ws.addEventListener('message', (e) => {
        let message: HostMessage;
        try {
          message = JSON.parse(String(e.data)) as HostMessage;
        } catch {
          return;
        }
        for (const listener of listeners) listener(message);
      });
      ws.addEventListener('close', () => {
        opened = undefined;
        socket = undefined;
        reject(new Error('the event socket closed'));
      });
    });
    return opened;
  };

  return {
    async invoke(channel, input) {
      const response = await fetch(`/api/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        credentials: 'same-origin',
        body: JSON.stringify(input ?? {}),
      });
      const text = await response.text();
      try {
        return JSON.parse(text) as ApiResponse;
      } catch {
        return { error: { code: 'internal', message: `The Ferry host answered ${response.status} without JSON.` } };
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      if (!socket) connect().catch(() => undefined);
      return () => listeners.delete(listener);
    },
    ready: () => connect(),
  };
}
