import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { _electron } from 'playwright-core';
import { build } from 'vite';
import type { JobMessage } from '../../shared/api-contract.js';
import { makeTempDir, removeDir, seedTestImages, startRegistry } from '../harness/index.js';
import { APP_SHOTS_DIR } from '../harness/app-harness.js';

const root = new URL('../..', import.meta.url).pathname;

/**
 * The Electron binary to drive, found without `require('electron')` (which would try to download it):
 * `$ELECTRON_OVERRIDE_DIST_PATH/electron`, or the binary electron's package fetched earlier.
 */
function electronBinary(): string | undefined {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const exe = join(override, process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron');
    return existsSync(exe) ? exe : undefined;
  }
  const pathFile = join(root, 'node_modules', 'electron', 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const exe = join(root, 'node_modules', 'electron', 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(exe) ? exe : undefined;
}

const binary = electronBinary();
const skip = binary
  ? false
  : 'no Electron binary here: set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron release (or run `npx install-electron` on a connected machine) to run the desktop smoke test';

test('the desktop app: window opens, the API answers over IPC, a bundle of a test image completes', { skip, timeout: 180_000 }, async () => {
  // the shell and the renderer, built from the current sources into dist/ (where main.mjs looks)
  execFileSync(process.execPath, [join(root, 'scripts', 'bundle-electron.mjs')], { cwd: root, stdio: 'inherit' });
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  const registry = await startRegistry();
  const work = await makeTempDir('ferry-electron-smoke');
  const app = await _electron.launch({
    executablePath: binary!,
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), root],
    env: { ...process.env, ELECTRON_ENABLE_LOGGING: '1', HOME: work },
    timeout: 60_000,
  });
  try {
    await seedTestImages(registry);
    const page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    assert.equal(await page.title(), 'Ferry');
    assert.match(page.url(), /^app:\/\/ferry\//);
    // the preload exposes exactly the transport, and the page has no Node
    assert.deepEqual(await page.evaluate(() => Object.keys((globalThis as unknown as { ferry: object }).ferry).sort()), ['invoke', 'ready', 'subscribe']);
    assert.equal(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require), 'undefined');
    assert.equal(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process), 'undefined', 'no Node in the page (sandbox, context isolation)');
    assert.equal(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length), 1);

    const info = await page.evaluate(() => (globalThis as unknown as { ferry: { invoke(c: string, i: unknown): Promise<unknown> } }).ferry.invoke('app.info', {}));
    assert.equal((info as { result: { host: string } }).result.host, 'electron');

    const outputDir = join(work, 'bundle');
    const end = (await page.evaluate(
      async ({ image, outputDir, insecure }) => {
        const ferry = (globalThis as unknown as { ferry: { invoke(c: string, i: unknown): Promise<{ result?: { jobId: string }; error?: unknown }>; subscribe(l: (m: unknown) => void): () => void; ready(): Promise<void> } }).ferry;
        await ferry.ready();
        const seen: { jobId: string; result?: unknown; error?: unknown }[] = [];
        let wake = (): void => undefined;
        ferry.subscribe((m) => {
          seen.push(m as never);
          wake();
        });
        const started = await ferry.invoke('bundle.create', { images: [image], outputDir, insecureRegistries: [insecure], split: '1MiB' });
        if (!started.result) return { error: started.error };
        const jobId = started.result.jobId;
        for (;;) {
          const done = seen.find((m) => m.jobId === jobId && ('result' in m || 'error' in m));
          if (done) return { done, progress: seen.filter((m) => m.jobId === jobId && 'event' in m).length };
          await new Promise<void>((r) => (wake = r));
        }
      },
      { image: `${registry.host}/test/single:1.0`, outputDir, insecure: registry.host },
    )) as { done?: JobMessage; progress?: number; error?: unknown };
    assert.ok(end.done && 'result' in end.done, JSON.stringify(end));
    assert.ok((end.progress ?? 0) > 0, 'progress reached the window');
    execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: outputDir });

    // a second launch naming the bundle (as a file manager does) opens it in Review in this window
    await app.evaluate(({ app: electronApp }, dir) => void electronApp.emit('second-instance', {}, ['ferry', dir], process.cwd()), outputDir);
    await page.getByRole('tab', { name: /Review/ }).and(page.locator('[aria-selected="true"]')).waitFor();
    await page.getByRole('heading', { name: /^Bundle / }).waitFor();
    mkdirSync(APP_SHOTS_DIR, { recursive: true });
    await page.screenshot({ path: join(APP_SHOTS_DIR, 'electron-smoke.png') });
  } finally {
    await app.close();
    await registry.stop();
    await removeDir(work);
  }
});
