import type { HttpResponse } from './http-transport.js';

/**
 * Reads a response body into memory, stopping (and destroying the body) as soon as it passes `cap` bytes.
 * Resolves undefined when the body is larger than the cap; transport errors reject as they are.
 * `onChunk` hears the size of every chunk as it arrives (a low-speed guard).
 */
export async function readCappedBody(response: HttpResponse, cap: number, onChunk?: (bytes: number) => void): Promise<Buffer | undefined> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > cap) {
    response.body.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    const buffer = chunk as Buffer;
    onChunk?.(buffer.length);
    total += buffer.length;
    if (total > cap) {
      response.body.destroy();
      return undefined;
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}
