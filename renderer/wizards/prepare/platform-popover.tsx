import { useEffect, useLayoutEffect, useRef, type RefObject } from 'react';
import { usePrepare } from '../../store/stores-context.js';

/** The anchor button of a row's platform panel, when that row is rendered. */
function anchorOf(container: HTMLElement, reference: string): HTMLElement | null {
  return container.querySelector<HTMLElement>(`[data-platforms-for="${CSS.escape(reference)}"]`);
}

/** The platforms ticked when an image gets its own: those of the bundle's choice it publishes, else all it publishes. */
function ownStart(published: string[], defaults: string[]): string[] {
  const picked = published.filter((p) => defaults.some((d) => p === d || p.startsWith(`${d}/`)));
  return picked.length > 0 ? picked : published;
}

/**
 * One image's platforms, in a panel next to its row's button: "use the bundle's choice", or some of the platforms
 * that image publishes (only those). Escape or Done closes it and gives the focus back to the row's button.
 */
export function PlatformPopover({ reference, container, list, onClose }: { reference: string; container: RefObject<HTMLDivElement | null>; list: RefObject<HTMLDivElement | null>; onClose: () => void }) {
  const panel = useRef<HTMLDivElement>(null);
  const own = usePrepare((s) => s.overrides[reference]);
  const defaults = usePrepare((s) => s.defaultPlatforms);
  const resolution = usePrepare((s) => s.resolutions[reference]);
  const setOverride = usePrepare((s) => s.setOverride);
  const published = resolution?.status === 'ok' ? [...new Set(resolution.result.platforms)] : undefined;

  // placed under its button, right-aligned to it (never wider than the list); follows the list's scroll
  useLayoutEffect(() => {
    const box = container.current;
    const el = panel.current;
    const scroller = list.current;
    if (!box || !el) return;
    const place = (): void => {
      const anchor = anchorOf(box, reference);
      if (!anchor) return onClose();
      const b = box.getBoundingClientRect();
      const a = anchor.getBoundingClientRect();
      // from the right edge: the buttons sit at the rows' right end, so this holds when the window is resized
      el.style.setProperty('--popover-top', `${a.bottom - b.top + 4}px`);
      el.style.setProperty('--popover-right', `${Math.max(0, b.right - a.right)}px`);
    };
    place();
    scroller?.addEventListener('scroll', place);
    window.addEventListener('resize', place);
    return () => {
      scroller?.removeEventListener('scroll', place);
      window.removeEventListener('resize', place);
    };
  }, [container, list, reference, onClose]);

  useEffect(() => {
    panel.current?.querySelector<HTMLInputElement>('input')?.focus();
  }, [reference]);

  const close = (): void => {
    const box = container.current;
    onClose();
    if (box) anchorOf(box, reference)?.focus();
  };

  return (
    <div
      ref={panel}
      className="platform-popover"
      role="dialog"
      aria-label={`Platforms of ${reference}`}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          close();
        }
      }}
    >
      <h3>Platforms of {reference}</h3>
      <label>
        <input type="checkbox" checked={own === undefined} disabled={own === undefined && (published ?? []).length === 0} onChange={() => setOverride(reference, own === undefined ? ownStart(published ?? [], defaults) : undefined)} /> Use the bundle's choice
        {defaults.length > 0 ? ` (${defaults.join(', ')})` : ' (every platform it publishes)'}
      </label>
      {published === undefined ? (
        <p className="hint">Its platforms show once it is looked up.</p>
      ) : published.length === 0 ? (
        <p className="hint">It publishes no platform information: it is carried as published.</p>
      ) : (
        <div className="popover-checks" role="group" aria-label={`Platforms ${reference} publishes`}>
          {published.map((p) => (
            <label key={p}>
              <input
                type="checkbox"
                checked={own?.includes(p) ?? false}
                onChange={() => {
                  const current = own ?? [];
                  setOverride(reference, current.includes(p) ? current.filter((x) => x !== p) : [...current, p]);
                }}
              />{' '}
              {p}
            </label>
          ))}
        </div>
      )}
      <button type="button" className="secondary small" onClick={close}>
        Done
      </button>
    </div>
  );
}
