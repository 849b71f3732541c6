/** Retry timing: exponential backoff with full jitter, and `Retry-After` parsing. */

/** The longest Ferry waits before a retry, whatever a registry asks for. */
export const MAX_RETRY_DELAY_MS = 30_000;

const BASE_DELAY_MS = 500;

/** Full-jitter exponential backoff for the given zero-based retry attempt: random in [0, min(cap, base·2^attempt)). */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** Milliseconds a `Retry-After` header asks to wait (delta-seconds or an HTTP date), capped; undefined when absent or unparseable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(MAX_RETRY_DELAY_MS, Math.max(0, ms));
}
