import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../../../shared/progress.js';
import { withCliAdvice } from './error-hints.js';
import { formatBytes, formatDuration } from './format-bytes.js';
import { escapeEvent, type ProgressPrinter } from './progress-printer.js';

/** The terminal's progress: a bar with bytes, rate and ETA, and a line per image (cli-progress), on the raw stream. */
export function ttyPrinter(err: NodeJS.WritableStream): ProgressPrinter {
  const multi = new cliProgress.MultiBar(
    {
      stream: err as NodeJS.WriteStream,
      format: '{label} [{bar}] {percentage}% | {doneText} / {totalText} | {rateText} | ETA {etaText}',
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | undefined;
  const images = new Map<string, cliProgress.SingleBar>();
  const onProgress = (event: ProgressEvent): void => {
    const e = escapeEvent(event);
    switch (e.kind) {
      case 'item-start':
        if (e.phase === 'fetch') {
          images.set(e.item, multi.create(1, 0, { label: truncate(e.item, 40), doneText: '', totalText: '', rateText: '', etaText: '' }, { format: '  {label} {status}' }));
          images.get(e.item)!.update(0, { status: 'waiting' });
        }
        break;
      case 'item-end':
        if (e.phase === 'resolve') multi.log(`resolved ${e.item}\n`);
        else if (e.phase === 'fetch' && images.has(e.item)) images.get(e.item)!.update(1, { status: 'done ✓' });
        else if (e.phase !== 'fetch' && e.detail) multi.log(`${e.phase}: ${e.item} ${e.detail}\n`);
        break;
      case 'phase-start':
        if (e.totalBytes !== undefined && e.phase !== 'resolve') {
          bar = multi.create(e.totalBytes, 0, { label: e.phase.padEnd(6), doneText: '0 B', totalText: formatBytes(e.totalBytes), rateText: '', etaText: '…' });
        }
        break;
      case 'bytes':
        bar?.update(e.done, {
          doneText: formatBytes(e.done),
          totalText: formatBytes(e.total),
          rateText: `${formatBytes(e.rate)}/s`,
          etaText: e.etaSeconds === null ? '…' : formatDuration(e.etaSeconds),
        });
        break;
      case 'warning':
        multi.log(`warning: ${withCliAdvice(e.message, e.hint, e.subject)}\n`);
        break;
      default:
        break;
    }
  };
  return { onProgress, stop: () => multi.stop() };
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text.padEnd(width) : `…${text.slice(text.length - width + 1)}`;
}
