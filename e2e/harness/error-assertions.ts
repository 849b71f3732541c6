import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { inspect } from 'node:util';
import type { ErrorCode } from '../../shared/errors.js';
import { FerryError } from '../../electron/engine/errors/ferry-error.js';

/** Awaits a promise that must reject with a FerryError of `code`; returns the error for further checks. */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<FerryError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof FerryError, `expected FerryError(${code}), got ${inspect(caught)}`);
  assert.equal(caught.code, code, `expected code ${code}, got ${caught.code}: ${caught.message}`);
  if (message) assert.match(caught.message, message);
  return caught;
}

/** Reads a stream that must fail with a FerryError of `code`. */
export function streamFailsWith(stream: Readable, code: ErrorCode, message?: RegExp): Promise<FerryError> {
  return rejectsWith(buffer(stream), code, message);
}

/** Asserts a secret appears nowhere in an error: message, JSON form, inspect (with causes) or String(). */
export function assertNoSecret(error: unknown, secret: string): void {
  const views = [inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error), String(error)];
  if (error instanceof Error) views.push(error.message, String(error.stack));
  for (const view of views) assert.ok(!view.includes(secret), `the secret leaked into an error: ${view.slice(0, 500)}`);
}
