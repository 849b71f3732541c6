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
  /**
   * Looks at the page as it stands at 800×600 and at 1280×800: a full-page screenshot at each (`NAME-800x600.png`,
   * `NAME-1280x800.png`), failing when anything scrolls sideways or a visible button or field sits off-screen to the
   * right. Leaves the page at 1280×800.
   */
  shotAtBothSizes(name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds the renderer from the current sources (not whatever dist/ holds), starts `ferry ui`'s web host
 * in-process on it, and opens a 1280×800 page (the app window's default size) in Debian Chromium (not yet navigated: `page.goto(host.openUrl)`).
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
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
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
    shotAtBothSizes: (name) => shotAtBothSizes(page, name),
    async close() {
      await browser.close();
      await host.close();
      await api.close();
      await removeDir(join(rendererDir, '..'));
    },
  };
}

/** The window sizes every screen is looked at: the smallest supported, and the app's default. */
export const SCREEN_SIZES = [
  { width: 800, height: 600 },
  { width: 1280, height: 800 },
] as const;

/** Run in the page (a string: the harness is typed without the DOM): what scrolls sideways or sits off-screen to the right. */
const OFF_SCREEN_CHECK = `(() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  if (document.documentElement.scrollWidth > width + 1) problems.push('the page scrolls sideways (' + document.documentElement.scrollWidth + 'px wide in ' + width + 'px)');
  for (const el of document.querySelectorAll('button, input, select, textarea, [role="tab"]')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    // inside a box that scrolls sideways on purpose (a wide table), the box is what must fit
    let scroller = el.parentElement;
    while (scroller && !(scroller.scrollWidth > scroller.clientWidth && /(auto|scroll)/.test(getComputedStyle(scroller).overflowX))) scroller = scroller.parentElement;
    const right = scroller ? scroller.getBoundingClientRect().right : box.right;
    if (right > width + 1) problems.push(el.tagName.toLowerCase() + ' "' + (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 40) + '" ends at ' + Math.round(right) + 'px');
  }
  return problems;
})()`;

/** See {@link AppUnderTest.shotAtBothSizes}. */
export async function shotAtBothSizes(page: Page, name: string): Promise<void> {
  for (const size of SCREEN_SIZES) {
    await page.setViewportSize(size);
    const offScreen = (await page.evaluate(OFF_SCREEN_CHECK)) as string[];
    await page.screenshot({ path: join(APP_SHOTS_DIR, `${name}-${size.width}x${size.height}.png`), fullPage: true });
    if (offScreen.length > 0) throw new Error(`${name} at ${size.width}x${size.height}: ${offScreen.slice(0, 5).join('; ')}`);
  }
}
