import type { HostCommand } from '../../shared/api-contract.js';
import type { ApiClient } from '../api/api-client.js';
import type { StoreApi } from 'zustand';
import type { ReviewState } from './review-store.js';

/** What the host commands change: the Review store and the shell's open wizard, through their actions only. */
export interface HostCommandTargets {
  review: StoreApi<ReviewState>;
  showWizard(wizard: 'review'): void;
}

/** Carries out one host command: `open-bundle` shows the Review wizard with that bundle opened. */
export async function runHostCommand(command: HostCommand, targets: HostCommandTargets): Promise<void> {
  if (command.command !== 'open-bundle') return;
  targets.showWizard('review');
  targets.review.getState().setPath(command.dir);
  await targets.review.getState().open();
}

/** Follows the host's commands (File → Open bundle…, `ferry ui DIR`) for the life of the window; returns the unsubscribe function. */
export function followHostCommands(api: ApiClient, targets: HostCommandTargets): () => void {
  return api.onCommand((command) => void runHostCommand(command, targets));
}
