import type { ApiResponse, HostMessage } from '../../shared/api-contract.js';

/**
 * How the renderer reaches the host: the web host (fetch + WebSocket) today, Electron IPC later.
 * A transport moves messages; the typed {@link ApiClient} on top of it knows the contract.
 */
export interface ApiTransport {
  /** Sends one call and resolves with the host's answer (a result or a serialized error); rejects only when the host cannot be reached. */
  invoke(channel: string, input: unknown): Promise<ApiResponse>;
  /** Receives every message the host pushes (job messages and host commands); returns the unsubscribe function. */
  subscribe(listener: (message: HostMessage) => void): () => void;
  /** Resolves once job messages can be received (call before starting a job, so none is missed). */
  ready(): Promise<void>;
}
