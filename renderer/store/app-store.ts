import { create } from 'zustand';
import { createStore, type StateCreator, type StoreApi } from 'zustand/vanilla';

/** The three wizards, in the order the header shows them. */
export const WIZARDS = ['prepare', 'review', 'import'] as const;

/** One wizard. */
export type Wizard = (typeof WIZARDS)[number];

/** Where the last wizard used is remembered in this browser. */
export const WIZARD_KEY = 'ferry.wizard';

/** The wizard the app opens on when none was used before (or what was stored is not a wizard). */
export const FIRST_WIZARD: Wizard = 'prepare';

/** The app shell's state: which wizard is open. Changed only through its actions. */
export interface AppState {
  wizard: Wizard;
  showWizard(wizard: Wizard): void;
}

/** Where the shell remembers the wizard (this browser's localStorage in the app). */
export interface WizardStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** This browser's localStorage, when there is one (typed here so the store also loads under Node's tests). */
const browserStorage = (): WizardStorage | undefined => (globalThis as { localStorage?: WizardStorage }).localStorage;

/** True for one of the three wizards' names (what storage holds is not trusted). */
export function isWizard(value: unknown): value is Wizard {
  return typeof value === 'string' && (WIZARDS as readonly string[]).includes(value);
}

/** The wizard remembered in storage; Prepare when none, unreadable or not a wizard. */
export function storedWizard(storage: WizardStorage | undefined): Wizard {
  try {
    const value = storage?.getItem(WIZARD_KEY);
    return isWizard(value) ? value : FIRST_WIZARD;
  } catch {
    return FIRST_WIZARD;
  }
}

/** The shell's state over a storage: opens on the remembered wizard and remembers each one shown. */
function appState(storage: WizardStorage | undefined): StateCreator<AppState> {
  return (set) => ({
    wizard: storedWizard(storage),
    showWizard(wizard) {
      if (!isWizard(wizard)) return;
      try {
        storage?.setItem(WIZARD_KEY, wizard);
      } catch {
        // storage refused (full, private mode): the choice lasts for this page only
      }
      set({ wizard });
    },
  });
}

/** Makes an app shell store on a given storage (the app uses {@link useAppStore}; tests make their own). */
export function createAppStore(storage: WizardStorage | undefined): StoreApi<AppState> {
  return createStore<AppState>()(appState(storage));
}

/** The app shell's store: opens on Prepare, or on the wizard used last in this browser. */
export const useAppStore = create<AppState>()(appState(browserStorage()));
