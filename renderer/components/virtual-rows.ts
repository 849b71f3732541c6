import { useLayoutEffect, useState, type RefObject, type UIEvent } from 'react';

/** Rows rendered beyond each edge of the view, so a fast scroll shows no gap. */
export const OVERSCAN = 8;

/** The rows of a long list in view of its scrolling box, and what to render around them. */
export interface VirtualRows {
  /** The first row index to render. */
  first: number;
  /** One past the last row index to render. */
  last: number;
  /** The height of the rows above `first` (a spacer or an offset), in pixels. */
  before: number;
  /** The height of the rows from `last` to the end, in pixels. */
  after: number;
  /** The row height in use (measured from a rendered row when `measure` is given). */
  rowHeight: number;
  /** Give to the scrolling box's `onScroll`. */
  onScroll(event: UIEvent<HTMLElement>): void;
}

/** Options of {@link useVirtualRows}. */
export interface VirtualRowsOptions {
  /** The scrolling box. */
  box: RefObject<HTMLElement | null>;
  count: number;
  /** The row height, or a first guess when `measure` finds a row to measure. */
  rowHeight: number;
  /** Only rows beyond this count are virtualised (shorter lists render every row). */
  from?: number;
  /** A selector for a rendered row inside the box whose height replaces the guess. */
  measure?: string;
}

/**
 * The one virtual list of the app: the window of rows a scrolling box shows, tracking its scroll position and size
 * (ResizeObserver), for any markup (a `ul`, a `table`). Lists shorter than `from` render whole.
 */
export function useVirtualRows({ box, count, rowHeight: guess, from = 0, measure }: VirtualRowsOptions): VirtualRows {
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const [rowHeight, setRowHeight] = useState(guess);
  const virtual = count >= from;

  useLayoutEffect(() => {
    const el = box.current;
    if (!virtual || !el) return;
    if (measure) {
      const row = el.querySelector<HTMLElement>(measure);
      if (row && row.offsetHeight > 0 && row.offsetHeight !== rowHeight) setRowHeight(row.offsetHeight);
    }
    const onResize = (): void => setViewport(el.clientHeight || 600);
    onResize();
    const observer = new ResizeObserver(onResize);
    observer.observe(el);
    return () => observer.disconnect();
  }, [box, virtual, measure, rowHeight]);

  if (!virtual) return { first: 0, last: count, before: 0, after: 0, rowHeight, onScroll: () => undefined };
  const first = Math.min(count, Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN));
  const last = Math.min(count, Math.ceil((scrollTop + viewport) / rowHeight) + OVERSCAN);
  return { first, last, before: first * rowHeight, after: (count - last) * rowHeight, rowHeight, onScroll: (e) => setScrollTop(e.currentTarget.scrollTop) };
}
