import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import type { JobMessage } from '../../shared/api-contract.js';
import { createApiHost, startWebHost, type ApiHost, type WebHost } from '../../electron/engine/index.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.js';
import { makeTempDir, removeDir } from './temp-dir.js';

const root = new URL('../..', import.meta.url).pathname;

/** Where app tests save their screenshots (`test-results/app/`). */
export const APP_SHOTS_DIR = join(root, 'test-results', 'app');

/** The app running for a test: the built renderer, the web host, Debian Chromium and one page. */
export interface AppUnderTest {
  api: ApiHost;
  host: WebHost;
  browser: Browser;
  page: Page;
  /** Every job message the host sent. */
  jobMessages: JobMessage[];
  /** Console messages that reported a Content-Security-Policy violation. */
  cspViolations: string[];
  /** Path of a screenshot named `name` in {@link APP_SHOTS_DIR}. */
  shot(name: string): string;
  close(): Promise<void>;
}

/**
 * Builds the renderer from the current sources (not whatever dist/ holds), starts `ferry ui`'s web host
 * in-process on it, and opens a 1024×700 page in Debian Chromium (not yet navigated: `page.goto(host.openUrl)`).
 */
export async function startAppUnderTest(): Promise<AppUnderTest> {
  mkdirSync(APP_SHOTS_DIR, { recursive: true });
  const rendererDir = join(await makeTempDir('ferry-renderer'), 'renderer');
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn', build: { outDir: rendererDir, emptyOutDir: true, sourcemap: false } });
  const api = createApiHost({ host: 'web' });
  const jobMessages: JobMessage[] = [];
  api.subscribe((m) => jobMessages.push(m));
  const host = await startWebHost({ api, rendererDir });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
  // a context of its own (not browser.newPage's implicit one), so tools like axe can open frames in it
  const context = await browser.newContext({ viewport: { width: 1024, height: 700 } });
  const page = await context.newPage();
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  return {
    api,
    host,
    browser,
    page,
    jobMessages,
    cspViolations,
    shot: (name) => join(APP_SHOTS_DIR, name),
    async close() {
      await browser.close();
      await host.close();
      await api.close();
      await removeDir(join(rendererDir, '..'));
    },
  };
}
