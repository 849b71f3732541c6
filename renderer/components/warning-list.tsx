import type { ErrorHint } from '../../shared/errors.js';
import { appHint, type HintSurface } from './error-hints.js';

/** A bundle's warnings as a named list, then what can be done about them in the app's words; nothing when there are none. */
export function WarningList({ warnings, hints = [], surface }: { warnings: string[]; hints?: readonly ErrorHint[]; surface?: HintSurface }) {
  if (warnings.length === 0) return null;
  const advice = surface ? hints.flatMap((h) => appHint(h, surface)?.text ?? []) : [];
  return (
    <ul className="warnings" aria-label="Warnings">
      {warnings.map((w) => (
        <li key={w}>{w}</li>
      ))}
      {advice.map((text) => (
        <li key={text} className="warning-advice">
          {text}
        </li>
      ))}
    </ul>
  );
}
