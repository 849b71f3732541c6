import { FerryError } from '../errors/ferry-error.js';
import { abortError } from './abort.js';

/** What kind of failure a low-level HTTP error is. */
export type TransportFailureKind = 'timeout' | 'tls' | 'network';

/** A classified transport error: its kind, whether retrying may help, and a short code for messages. */
export interface TransportFailure {
  kind: TransportFailureKind;
  retryable: boolean;
  code: string;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);
const PERMANENT_NETWORK_CODES = new Set(['ENOTFOUND', 'UND_ERR_INVALID_ARG', 'ERR_INVALID_URL', 'UND_ERR_ABORTED']);
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_)|CERT|SELF_SIGNED|^UNABLE_TO_|^EPROTO$|^HOSTNAME_MISMATCH$/;

/** The first `code` found on an error or its causes. */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Classifies an error thrown by undici or the socket layer (not an abort: check the signal first). */
export function classifyTransportError(error: unknown): TransportFailure {
  const code = errorCode(error) ?? (error instanceof Error ? error.name : 'unknown error');
  if (TIMEOUT_CODES.has(code)) return { kind: 'timeout', retryable: true, code };
  if (TLS_CODE.test(code)) return { kind: 'tls', retryable: false, code };
  return { kind: 'network', retryable: !PERMANENT_NETWORK_CODES.has(code), code };
}

/** Context for turning a transport error into a user-facing error. */
export interface TransportErrorContext {
  /** The host[:port] the request went to. */
  host: string;
  /** The registry as users name it (defaults to host). */
  registry?: string;
  /** The error subject (image reference or registry host). */
  subject: string;
  /** What was being done, for the message: `fetching the manifest of X`. */
  action?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Turns a low-level error into what the client throws: the abort error when the signal fired, FerryErrors unchanged,
 * otherwise FerryError('timeout' | 'tls' | 'network'). Messages carry only host names and error codes.
 */
export function toFerryTransportError(error: unknown, context: TransportErrorContext): Error {
  if (context.signal?.aborted) return abortError(context.signal);
  if (error instanceof FerryError) return error;
  const failure = classifyTransportError(error);
  const during = context.action ? ` while ${context.action}` : '';
  const options = { subject: context.subject, cause: error };
  switch (failure.kind) {
    case 'timeout':
      return new FerryError(
        'timeout',
        `${context.host} did not answer within ${Math.round(context.timeoutMs / 1000)} s${during}; check the network and proxy settings, or try again.`,
        options,
      );
    case 'tls':
      return new FerryError(
        'tls',
        `The TLS connection to ${context.host} failed${during} (${failure.code}): its certificate is not trusted by this machine.`,
        { ...options, hint: 'tls-trust' },
      );
    default:
      return new FerryError(
        'network',
        `Cannot reach ${context.host}${during} (${failure.code}); check the registry name, the network and proxy settings.`,
        options,
      );
  }
}
