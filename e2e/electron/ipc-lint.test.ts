import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const root = new URL('../..', import.meta.url).pathname;

/** Lints `code` as if it were the file at `path` (the project's own eslint.config.js). */
async function lint(path: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: `${root}${path}` });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

const rawMain = "import { ipcMain } from 'electron';\nipcMain.handle('x', () => 1);\n";
const rawRenderer = "import electron from 'electron';\nelectron.ipcRenderer.send('x');\n";

test('raw ipcMain/ipcRenderer outside the IPC bridge and the preload fails the lint', async () => {
  for (const path of ['electron/main/lint-probe.ts', 'electron/main/main.ts', 'e2e/electron/lint-probe.ts']) {
    const main = await lint(path, rawMain);
    assert.ok(main.some((m) => /Raw ipcMain\/ipcRenderer/.test(m)), `${path}: ${main.join('; ')}`);
    const renderer = await lint(path, rawRenderer);
    assert.ok(renderer.some((m) => /Raw ipcMain\/ipcRenderer/.test(m)), `${path}: ${renderer.join('; ')}`);
  }
  // the renderer and the engine may not import Electron at all
  for (const path of ['renderer/lint-probe.ts', 'electron/engine/lint-probe.ts']) assert.ok((await lint(path, rawMain)).some((m) => /no-restricted-imports/.test(m)), path);
});

test('the IPC bridge and the preload may use it', async () => {
  assert.deepEqual(await lint('electron/main/ipc-bridge.ts', rawMain), []);
  assert.deepEqual(await lint('electron/preload/preload.ts', "import { ipcRenderer } from 'electron';\nvoid ipcRenderer.invoke('x');\n"), []);
});
