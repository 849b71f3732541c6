import { formatBytes, formatDuration } from '../../shared/format.js';
import type { JobProgress } from '../store/review-store.js';

/** A job's progress: a bar, bytes done of total, rate and time left, and the current item. */
export function ProgressBar({ label, progress }: { label: string; progress: JobProgress }) {
  const known = progress.total > 0;
  const parts = [known ? `${formatBytes(progress.done)} of ${formatBytes(progress.total)}` : 'Starting…'];
  if (progress.rate > 0) parts.push(`${formatBytes(progress.rate)}/s`);
  if (progress.etaSeconds !== null && known) parts.push(`${formatDuration(progress.etaSeconds)} left`);
  return (
    <div className="progress">
      <progress aria-label={label} max={known ? progress.total : undefined} value={known ? progress.done : undefined} />
      <p className="progress-text" aria-live="off">
        {progress.phase ? <span className="phase">{progress.phase}</span> : null} {parts.join(' · ')}
        {progress.item ? <span className="item"> — {progress.item}</span> : null}
      </p>
    </div>
  );
}
