import type { JobMessage } from '../../shared/api-contract.js';

/** What {@link createJobNotifier} needs from the shell. */
export interface JobNotifierOptions {
  /** Shows an OS notification. */
  notify(title: string, body: string): void;
  /** True while the app window has the focus (then no notification: the user sees the result). */
  isFocused(): boolean;
}

/** Follows jobs from start to end and tells the user when a long one ended while they were elsewhere. */
export interface JobNotifier {
  /** A job call answered `{ jobId }`. */
  started(jobId: string, channel: string): void;
  /** Every job message passing through the bridge. */
  message(message: JobMessage): void;
}

const NAMES: Record<string, string> = {
  'bundle.create': 'The bundle',
  'bundle.verify': 'The verification',
  'bundle.import': 'The import',
  'bundle.serve': 'Serving the bundle',
  'media.write': 'Writing to media',
};

/** Makes the notifier of ended jobs (OS notification when a job's result or error arrives and the window is not focused). */
export function createJobNotifier(options: JobNotifierOptions): JobNotifier {
  const jobs = new Map<string, string>();
  return {
    started: (jobId, channel) => void jobs.set(jobId, channel),
    message(message) {
      if (!('result' in message) && !('error' in message)) return;
      const channel = jobs.get(message.jobId);
      jobs.delete(message.jobId);
      if (options.isFocused()) return;
      const what = (channel && NAMES[channel]) ?? 'The job';
      if ('error' in message) {
        if (message.error.code === 'cancelled') options.notify('Ferry', `${what} was cancelled.`);
        else options.notify('Ferry', `${what} failed: ${message.error.message}`);
      } else {
        options.notify('Ferry', `${what} finished.`);
      }
    },
  };
}
