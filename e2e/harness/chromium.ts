import { run, type RunResult } from './tools.js';

/** Debian's Chromium (installed by scripts/install-test-tools.sh). */
export const CHROMIUM_PATH = process.env.FERRY_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a headless Chromium on a closed network, as root, with no first-run or background traffic. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** Prints a local HTML file to PDF with headless Chromium, as a reader of the report would. */
export function printToPdf(htmlFile: string, pdfFile: string, userDataDir: string): Promise<RunResult> {
  return run(CHROMIUM_PATH, [...CHROMIUM_ARGS, `--user-data-dir=${userDataDir}`, '--no-pdf-header-footer', `--print-to-pdf=${pdfFile}`, `file://${htmlFile}`], {
    timeoutMs: 60_000,
  });
}
