import { create } from 'zustand';

/** The three wizards, in the order the header shows them. */
export const WIZARDS = ['prepare', 'review', 'import'] as const;

/** One wizard. */
export type Wizard = (typeof WIZARDS)[number];

/** The app shell's state: which wizard is open. Changed only through its actions. */
export interface AppState {
  wizard: Wizard;
  showWizard(wizard: Wizard): void;
}

/** The app shell's store (Review first: it is the wizard that works end to end today). */
export const useAppStore = create<AppState>()((set) => ({
  wizard: 'review',
  showWizard: (wizard) => set({ wizard }),
}));
