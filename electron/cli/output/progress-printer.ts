import { escapeControl } from '../../../shared/format.js';
import type { OnProgress, ProgressEvent } from '../../../shared/progress.js';
import { cliAdvice, withCliAdvice } from './error-hints.js';
import { formatBytes } from './format-bytes.js';
import { guardStream, rawStream } from './guarded-stream.js';
import type { OutputMode } from './output-mode.js';

/** A progress sink for one CLI run; `stop()` clears bars before the final output. */
export interface ProgressPrinter {
  onProgress: OnProgress;
  stop(): void;
}

/**
 * Renders engine progress events: a bar with bytes, rate and ETA plus per-image lines on a
 * terminal (cli-progress), plain lines when piped, one JSON object a line with --json.
 * Progress goes to stderr so stdout carries only results. JSON and plain lines go through the guarded
 * stream; the bars write their own cursor sequences to the raw stream, and every item, detail and
 * message (names from a bundle) is escaped to one line first, in every mode.
 */
export async function createProgressPrinter(mode: OutputMode, err: NodeJS.WritableStream = process.stderr): Promise<ProgressPrinter> {
  if (mode === 'json') {
    const out = guardStream(err);
    return { onProgress: (e) => out.write(`${JSON.stringify(progressJson(e))}\n`), stop: () => {} };
  }
  if (mode === 'plain') return plainPrinter(guardStream(err));
  // the bars (cli-progress and its string-width and emoji tables) load only on a terminal
  return (await import('./tty-progress-printer.js')).ttyPrinter(rawStream(err));
}

/** A progress event as `--json` prints it: a warning with a hint also carries the command line's advice. */
export function progressJson(e: ProgressEvent): Record<string, unknown> {
  const advice = e.kind === 'warning' ? cliAdvice(e.hint, e.subject) : undefined;
  return { type: 'progress', ...e, ...(advice === undefined ? {} : { advice }) };
}

/** An event's text fields (bundle names, engine messages) escaped to one line each: safe beside cursor sequences. */
/** A progress event with every name, detail and message escaped to one line. */
export function escapeEvent(e: ProgressEvent): ProgressEvent {
  const safe = { ...e } as Record<string, unknown>;
  for (const key of ['item', 'detail', 'message'] as const) if (typeof safe[key] === 'string') safe[key] = escapeControl(safe[key]);
  return safe as ProgressEvent;
}

function plainPrinter(err: NodeJS.WritableStream): ProgressPrinter {
  let lastPercent = -10;
  const onProgress = (event: ProgressEvent): void => {
    const e = escapeEvent(event);
    switch (e.kind) {
      case 'phase-start':
        err.write(`${e.phase}: started${e.totalBytes !== undefined ? ` (${formatBytes(e.totalBytes)})` : ''}\n`);
        lastPercent = -10;
        break;
      case 'item-end':
        if (e.phase === 'resolve') err.write(`resolved ${e.item} ${e.detail ?? ''}\n`);
        else if (e.phase === 'fetch') err.write(`done ${e.item}\n`);
        else if (e.detail) err.write(`${e.phase}: ${e.item} ${e.detail}\n`);
        break;
      case 'bytes': {
        const percent = e.total > 0 ? Math.floor((e.done / e.total) * 100) : 100;
        if (percent >= lastPercent + 10 || (percent === 100 && lastPercent !== 100)) {
          lastPercent = percent;
          err.write(`${e.phase}: ${percent}% ${formatBytes(e.done)} of ${formatBytes(e.total)} at ${formatBytes(e.rate)}/s\n`);
        }
        break;
      }
      case 'warning':
        err.write(`warning: ${withCliAdvice(e.message, e.hint, e.subject)}\n`);
        break;
      default:
        break;
    }
  };
  return { onProgress, stop: () => {} };
}
