import type { HttpResponse } from './http-transport.js';
import { readCappedBody } from './read-capped-body.js';

/** `CODE: message` from a registry's JSON error body, shortened; empty when there is none. */
export async function registryErrorDetail(response: HttpResponse): Promise<string> {
  const bytes = await readCappedBody(response, 64 * 1024).catch(() => undefined);
  if (!bytes || bytes.length === 0) return '';
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = parsed.errors?.[0];
    if (!first) return '';
    const text = [first.code, first.message].filter((p) => typeof p === 'string' && p !== '').join(': ');
    // A registry could echo what it was sent: never repeat anything that looks like a credential.
    return text
      .replace(/[\r\n\t]+/g, ' ')
      .replace(/\b(basic|bearer)\s+[^\s,;"']+/gi, '$1 [redacted]')
      .slice(0, 200);
  } catch {
    return '';
  }
}
