import { useEffect, useState } from 'react';
import { registryOfSubject, type SerializedError } from '../../shared/errors.js';
import { useAppStore } from '../store/app-store.js';
import { useSettings } from '../store/stores-context.js';
import { appHint, SETTINGS_TARGETS, type HintSurface } from './error-hints.js';

/** Frames to wait for a target to appear (Settings renders its fields once opened). */
const FIND_FRAMES = 30;

/** Focuses the element with `id` once it is on the page (scrolled into view), trying for a few frames. */
function focusWhenThere(id: string, frames = FIND_FRAMES): void {
  const el = document.getElementById(id);
  if (el) {
    el.scrollIntoView({ block: 'center' });
    el.focus();
  } else if (frames > 0) {
    requestAnimationFrame(() => focusWhenThere(id, frames - 1));
  }
}

/** The surface an error is shown on: the one given, else the open wizard. */
function useSurface(surface: HintSurface | undefined): HintSurface {
  const wizard = useAppStore((s) => s.wizard);
  return surface ?? wizard;
}

/**
 * "Show me" for an error's hint: focuses the field the hint names, opening Settings first when the field is there
 * (with the registry of the error's subject typed in, when the form is empty). Nothing when the error has no hint
 * or its field is not on the page.
 */
export function ShowMeButton({ error, surface, label }: { error: SerializedError; surface?: HintSurface; label?: string }) {
  const where = useSurface(surface);
  const openSettings = useSettings((s) => s.openDialog);
  const settingsHost = useSettings((s) => s.form.host);
  const setSettingsForm = useSettings((s) => s.setForm);
  const target = error.code === 'cancelled' ? undefined : appHint(error.hint, where)?.target;
  const inSettings = target !== undefined && SETTINGS_TARGETS.has(target);
  const [onPage, setOnPage] = useState(false);
  useEffect(() => {
    setOnPage(target !== undefined && !inSettings && document.getElementById(target) !== null);
  }, [target, inSettings]);
  if (target === undefined || !(inSettings || onPage)) return null;

  const showMe = (): void => {
    if (inSettings && where !== 'settings') {
      const host = registryOfSubject(error.subject);
      if (host !== undefined && settingsHost === '') setSettingsForm({ host });
      openSettings();
    }
    focusWhenThere(target);
  };
  return (
    <button type="button" className="secondary small show-me" onClick={showMe} {...(label ? { 'aria-label': label } : {})}>
      Show me
    </button>
  );
}

/**
 * An error as the user reads it: the sentence, then what to do about it in the app's own words (its fields and
 * buttons, never a command-line flag) and, when that field is on the page or in Settings, "Show me" to focus it.
 * `surface` says where it is shown (default: the open wizard), so one hint can name each wizard's own field.
 */
export function ErrorMessage({ error, surface }: { error: SerializedError; surface?: HintSurface }) {
  const where = useSurface(surface);
  const hint = error.code === 'cancelled' ? undefined : appHint(error.hint, where);
  return (
    <div className="error" role="alert">
      <strong>{error.code === 'cancelled' ? 'Cancelled' : 'Error'}:</strong> {error.message}
      {hint ? (
        <span className="error-hint">
          {' '}
          {hint.text} <ShowMeButton error={error} surface={where} />
        </span>
      ) : null}
    </div>
  );
}
