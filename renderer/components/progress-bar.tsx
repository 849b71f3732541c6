import type { JobProgress } from '../store/job.js';
import { progressLine } from './progress-text.js';

/** A job's progress: a bar, bytes done of total, rate and time left, and every item running now (a few named, "+N more"). */
export function ProgressBar({ label, progress }: { label: string; progress: JobProgress }) {
  const known = progress.total > 0;
  const line = progressLine(progress);
  return (
    <div className="progress">
      <progress aria-label={label} max={known ? progress.total : undefined} value={known ? progress.done : undefined} />
      <p className="progress-text" aria-live="off">
        {line.phase ? <span className="phase">{line.phase}</span> : null}
        {line.phase && line.amounts ? ' · ' : null}
        {line.amounts ?? null}
        {line.running ? <span className="item">{line.phase || line.amounts ? ' — ' : ''}{line.running}</span> : null}
      </p>
    </div>
  );
}
