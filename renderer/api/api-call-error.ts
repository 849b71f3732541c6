import type { SerializedError } from '../../shared/errors.js';

/** A call or job that failed, carrying the host's serialized error (code and a human sentence). */
export class ApiCallError extends Error {
  readonly error: SerializedError;

  constructor(error: SerializedError) {
    super(error.message);
    this.name = 'ApiCallError';
    this.error = error;
  }
}

/** Any thrown thing as a serialized error a view can show. */
export function toSerializedError(error: unknown): SerializedError {
  if (error instanceof ApiCallError) return error.error;
  return { code: 'network', message: error instanceof Error ? `The Ferry host cannot be reached: ${error.message}` : 'The Ferry host cannot be reached.' };
}
