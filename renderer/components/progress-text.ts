import { escapeControl, formatBytes, formatDuration } from '../../shared/format.js';
import type { Phase } from '../../shared/progress.js';
import type { JobProgress } from '../store/job.js';

/** How many running items the progress line names before "+N more". */
export const RUNNING_NAMES_SHOWN = 3;

/** The longest item name shown whole (a name comes from a registry or a bundle: outside input). */
const NAME_MAX = 80;

/** Below this many seconds the time left is not counted out ("a few seconds left", never "0s left"). */
const FEW_SECONDS = 10;

const PHASE_NAMES: Record<Phase, string> = {
  resolve: 'Resolve',
  fetch: 'Fetch',
  write: 'Write',
  hash: 'Check',
  split: 'Split',
  parity: 'Parity',
  repair: 'Repair',
  verify: 'Verify',
  'write-media': 'Write to media',
  'read-back': 'Read back',
  push: 'Push',
};

/** What the items of a phase are doing, and what they are (none where they are of several kinds). */
const RUNNING_WORDS: Record<Phase, { verb: string; one?: string; many?: string }> = {
  resolve: { verb: 'resolving' },
  fetch: { verb: 'fetching', one: 'image', many: 'images' },
  write: { verb: 'writing' },
  hash: { verb: 'checking', one: 'part', many: 'parts' },
  split: { verb: 'splitting', one: 'part', many: 'parts' },
  parity: { verb: 'computing parity for', one: 'part', many: 'parts' },
  repair: { verb: 'repairing', one: 'part', many: 'parts' },
  verify: { verb: 'verifying', one: 'part', many: 'parts' },
  'write-media': { verb: 'writing', one: 'part', many: 'parts' },
  'read-back': { verb: 'reading back', one: 'part', many: 'parts' },
  push: { verb: 'pushing', one: 'image', many: 'images' },
};

/** A job's progress as the progress bar words it, in three pieces (the phase is shown in bold). */
export interface ProgressLine {
  /** The phase's name ("Push"), when one has started. */
  phase?: string;
  /** Bytes done of total, rate, time left ("1.20 MB of 4.00 MB · 300.0 kB/s · 12s left"); "Starting…" before anything is known. */
  amounts?: string;
  /** What is running now: "pushing 3 images: a, b, c", "+N more" past {@link RUNNING_NAMES_SHOWN}. */
  running?: string;
}

/** Time left as words: none while unknown, "a few seconds left" under ten seconds, else "1m05s left". */
export function timeLeftText(etaSeconds: number | null): string | undefined {
  if (etaSeconds === null || !Number.isFinite(etaSeconds) || etaSeconds < 0) return undefined;
  return etaSeconds < FEW_SECONDS ? 'a few seconds left' : `${formatDuration(etaSeconds)} left`;
}

/** One item's name, safe to show: control characters made visible, cut at {@link NAME_MAX} characters. */
function shownName(name: string): string {
  const safe = escapeControl(name);
  return safe.length > NAME_MAX ? `${safe.slice(0, NAME_MAX - 1)}…` : safe;
}

/** The items running now, named: "pushing 3 images: a, b, c +2 more" (the one item: "pushing a"). */
function runningText(phase: Phase | undefined, items: readonly string[]): string | undefined {
  if (items.length === 0) return undefined;
  const words = phase ? RUNNING_WORDS[phase] : { verb: 'working on' };
  const names = items.slice(0, RUNNING_NAMES_SHOWN).map(shownName).join(', ');
  const more = items.length > RUNNING_NAMES_SHOWN ? ` +${items.length - RUNNING_NAMES_SHOWN} more` : '';
  if (items.length === 1) return `${words.verb} ${names}`;
  return `${words.verb} ${items.length}${words.many ? ` ${words.many}` : ''}: ${names}${more}`;
}

/** A job's progress in words, as pieces: the phase, the amounts (bytes, rate, time left), what is running. */
export function progressLine(progress: JobProgress): ProgressLine {
  const known = progress.total > 0;
  const amounts: string[] = [];
  if (known) amounts.push(`${formatBytes(progress.done)} of ${formatBytes(progress.total)}`);
  if (progress.rate > 0) amounts.push(`${formatBytes(progress.rate)}/s`);
  const left = known && progress.rate > 0 && progress.done < progress.total ? timeLeftText(progress.etaSeconds) : undefined;
  if (left) amounts.push(left);
  const items = progress.items ?? (progress.item ? [progress.item] : []);
  const running = runningText(progress.phase, items);
  const line: ProgressLine = {};
  if (progress.phase) line.phase = PHASE_NAMES[progress.phase];
  if (amounts.length > 0) line.amounts = amounts.join(' · ');
  else if (!progress.phase && !running) line.amounts = 'Starting…';
  if (running) line.running = running;
  return line;
}

/** A job's progress as one line of text: "Push · 1.20 MB of 4.00 MB · 300.0 kB/s · 12s left — pushing 3 images: a, b, c". */
export function progressText(progress: JobProgress): string {
  const line = progressLine(progress);
  const head = [line.phase, line.amounts].filter((p) => p !== undefined).join(' · ');
  return line.running ? (head ? `${head} — ${line.running}` : line.running) : head;
}
