import { useEffect, useRef, type RefObject } from 'react';

/**
 * Moves the focus to `target` (a result heading or box with tabIndex=-1) when a job of this view finishes: its status
 * goes from `running` to anything else. The focus otherwise falls to the page body when the button that ran it changes.
 */
export function useFocusOnFinish(status: string, target: RefObject<HTMLElement | null>): void {
  const last = useRef(status);
  useEffect(() => {
    const was = last.current;
    last.current = status;
    if (was === 'running' && status !== 'running' && status !== 'idle') target.current?.focus();
  }, [status, target]);
}
