/** The most entries one page of `_catalog` or `tags/list` may ask for (`n`), as distribution's default `catalog.maxentries`. */
export const MAX_PAGE_ENTRIES = 1000;

/** How many repositories `_catalog` answers when `n` is not given (distribution's default). */
export const DEFAULT_CATALOG_ENTRIES = 100;

/** One page of a sorted list: its entries and the `Link` header to the next page, or why `n` is refused. */
export type Page = { kind: 'page'; entries: string[]; link?: string } | { kind: 'invalid'; n: number };

/**
 * `n` and `last` pagination of a sorted list, as the distribution spec says and distribution does: entries after `last`,
 * at most `n` (`defaultN` when `n` is absent, not a number or negative; every entry when `defaultN` is undefined),
 * `n` above {@link MAX_PAGE_ENTRIES} refused (400 `PAGINATION_NUMBER_INVALID`), and, when entries remain after the page,
 * `Link: <PATH?last=…&n=…>; rel="next"` (relative to the request's path, query keys in distribution's order).
 */
export function paginate(names: readonly string[], query: URLSearchParams, path: string, defaultN?: number): Page {
  const last = query.get('last');
  const after = last ? names.filter((name) => name > last) : [...names];
  const raw = query.get('n');
  const parsed = raw !== null && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : undefined;
  if (parsed !== undefined && parsed > MAX_PAGE_ENTRIES) return { kind: 'invalid', n: parsed };
  const n = parsed !== undefined && parsed >= 0 ? parsed : defaultN;
  if (n === undefined || after.length <= n) return { kind: 'page', entries: n === undefined ? after : after.slice(0, n) };
  const entries = after.slice(0, n);
  const next = new URLSearchParams([
    ['last', entries[entries.length - 1] ?? last ?? ''],
    ['n', String(n)],
  ]);
  // n=0 lists nothing and points nowhere (distribution sends no Link for it)
  return n === 0 ? { kind: 'page', entries } : { kind: 'page', entries, link: `<${path}?${next.toString()}>; rel="next"` };
}
