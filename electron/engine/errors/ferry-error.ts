import type { ErrorCode, ErrorHint, SerializedError } from '../../../shared/errors.js';

/** The one error type the engine throws: a code, a sentence a user can act on, and the thing at fault. */
export class FerryError extends Error {
  readonly code: ErrorCode;
  readonly subject?: string;
  /** What the user can do about it, worded by each surface (see {@link ErrorHint}). */
  readonly hint?: ErrorHint;

  constructor(code: ErrorCode, message: string, options: { subject?: string; cause?: unknown; hint?: ErrorHint } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FerryError';
    this.code = code;
    if (options.subject !== undefined) this.subject = options.subject;
    if (options.hint !== undefined) this.hint = options.hint;
  }

  /** The form that crosses IPC, JSON output and logs. */
  toJSON(): SerializedError {
    return { code: this.code, message: this.message, ...(this.subject ? { subject: this.subject } : {}), ...(this.hint ? { hint: this.hint } : {}) };
  }
}

/** Turns anything thrown into a serializable error without leaking stack traces or secrets. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof FerryError) return error.toJSON();
  if (isAbortError(error)) return { code: 'cancelled', message: 'Cancelled.' };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message };
}

/** True for the errors an AbortSignal produces. */
export function isAbortError(error: unknown): boolean {
  return (
    (error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR')) ||
    (error instanceof FerryError && error.code === 'cancelled')
  );
}
