import { escapeControl } from '../../../shared/format.js';

/** Where a guarded stream keeps the stream it wraps. */
const RAW = Symbol('ferry.rawStream');

type WriteArgs = [chunk: unknown, ...rest: unknown[]];

/**
 * `stream` as the CLI's commands write to it: every string (or UTF-8 byte) chunk passes through
 * {@link escapeControl} keeping `\n` and `\t`, so nothing a bundle, a file name or a request
 * carries can reach the terminal as a control sequence (ESC, BEL, `\r`, C1, bidi overrides). JSON
 * written through it stays valid JSON with the same values. Everything else (isTTY, columns, events)
 * is the stream's own. Guarding a guarded stream returns it unchanged.
 */
export function guardStream<T extends NodeJS.WritableStream>(stream: T): T {
  if (isGuarded(stream)) return stream;
  const write = (...[chunk, ...rest]: WriteArgs): boolean => (stream.write as (...a: unknown[]) => boolean)(...escapeArgs(chunk, rest));
  const end = (...[chunk, ...rest]: WriteArgs): unknown =>
    typeof chunk === 'function' || chunk === undefined || chunk === null ? (stream.end as (...a: unknown[]) => unknown)(chunk, ...rest) : (stream.end as (...a: unknown[]) => unknown)(...escapeArgs(chunk, rest));
  return new Proxy(stream, {
    get(target, property) {
      if (property === RAW) return target;
      if (property === 'write') return write;
      if (property === 'end') return end;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The stream under a guarded one (for the progress printer, which writes its own cursor sequences); any other stream as it is. */
export function rawStream<T extends NodeJS.WritableStream>(stream: T): T {
  return isGuarded(stream) ? ((stream as unknown as Record<symbol, T>)[RAW] as T) : stream;
}

function isGuarded(stream: NodeJS.WritableStream): boolean {
  return (stream as unknown as Record<symbol, unknown>)[RAW] !== undefined;
}

/** A write's arguments with the chunk escaped, and an encoding argument (hex, base64…) replaced by utf8, which the escaped text now is. */
function escapeArgs(chunk: unknown, rest: unknown[]): unknown[] {
  const encoding = typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : undefined;
  let text: string;
  if (typeof chunk === 'string') text = encoding && !/^utf-?8$/i.test(encoding) ? Buffer.from(chunk, encoding).toString('utf8') : chunk;
  else if (chunk instanceof Uint8Array) text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
  else return [chunk, ...rest]; // an object-mode chunk: not text
  return [escapeControl(text, { multiline: true }), ...(encoding ? ['utf8', ...rest.slice(1)] : rest)];
}
