import { useEffect, useRef, type KeyboardEvent } from 'react';
import { useAppStore, WIZARDS, type Wizard } from './store/app-store.js';
import { ImportWizard } from './wizards/import/import-wizard.js';
import { PrepareWizard } from './wizards/prepare/prepare-wizard.js';
import { ReviewWizard } from './wizards/review/review-wizard.js';
import { SettingsButton, SettingsDialog } from './wizards/settings/settings-dialog.js';

const TITLES: Record<Wizard, string> = { prepare: 'Prepare', review: 'Review', import: 'Import' };
const ROLES: Record<Wizard, string> = { prepare: 'field engineer', review: 'security officer', import: 'offline operator' };

/**
 * The app shell: a header with the three wizards as tabs (arrow keys move between them) and Settings, wrapping rather
 * than running off a narrow window, and the open wizard (Prepare at first, then the one used last).
 */
export function AppShell() {
  const wizard = useAppStore((s) => s.wizard);
  const showWizard = useAppStore((s) => s.showWizard);
  const tabs = useRef<Record<string, HTMLButtonElement | null>>({});
  /** The tab the arrow keys just moved to: it keeps the focus once the wizard it opens has mounted. */
  const movedTo = useRef<Wizard | undefined>(undefined);

  // runs after the new wizard's own effects (a parent's effects run after its children's): a wizard that focuses
  // something as it mounts does not pull the focus off the tabs while the user arrows through them
  useEffect(() => {
    if (movedTo.current === wizard) tabs.current[wizard]?.focus();
    movedTo.current = undefined;
  }, [wizard]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    // arrows move from the tab that has the focus (the selected one, unless focus was put elsewhere)
    const index = WIZARDS.indexOf(WIZARDS.find((w) => tabs.current[w] === e.target) ?? wizard);
    const next =
      e.key === 'ArrowRight' ? WIZARDS[(index + 1) % WIZARDS.length] : e.key === 'ArrowLeft' ? WIZARDS[(index + WIZARDS.length - 1) % WIZARDS.length] : e.key === 'Home' ? WIZARDS[0] : e.key === 'End' ? WIZARDS[WIZARDS.length - 1] : undefined;
    if (!next) return;
    e.preventDefault();
    if (next !== wizard) movedTo.current = next;
    showWizard(next);
    tabs.current[next]?.focus();
  };

  return (
    <>
      <header className="app-header">
        <h1>Ferry</h1>
        <div role="tablist" aria-label="Wizards" onKeyDown={onKeyDown}>
          {WIZARDS.map((w) => (
            <button
              key={w}
              ref={(el) => {
                tabs.current[w] = el;
              }}
              role="tab"
              id={`tab-${w}`}
              type="button"
              aria-selected={wizard === w}
              aria-controls={`panel-${w}`}
              tabIndex={wizard === w ? 0 : -1}
              onClick={() => showWizard(w)}
            >
              {TITLES[w]} <span className="role">({ROLES[w]})</span>
            </button>
          ))}
        </div>
        <SettingsButton />
      </header>
      <SettingsDialog />
      <main id={`panel-${wizard}`} role="tabpanel" aria-labelledby={`tab-${wizard}`} tabIndex={-1}>
        {wizard === 'review' ? <ReviewWizard /> : wizard === 'prepare' ? <PrepareWizard /> : <ImportWizard />}
      </main>
    </>
  );
}
