/** A byte range `[start, end)` of a resource, or why the `Range` header cannot be served. */
export type ParsedRange = { kind: 'whole' } | { kind: 'range'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * Reads an HTTP `Range` header for a resource of `size` bytes (RFC 9110 §14.1.2): one `bytes=`
 * range (`a-b`, `a-`, `-n`). Anything this server does not do (several ranges, another unit, a
 * malformed value) is ignored and the whole resource is served, as the RFC allows; a range
 * starting past the end is unsatisfiable (416).
 */
export function parseRange(header: string | undefined, size: number): ParsedRange {
  if (!header) return { kind: 'whole' };
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return { kind: 'whole' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(first);
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size : Math.min(size, Number(last) + 1);
  if (end <= start) return { kind: 'whole' };
  return { kind: 'range', start, end };
}
