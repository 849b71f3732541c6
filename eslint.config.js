// Lint rules: typescript-eslint's recommended set, plus the engine boundary: nothing under
// electron/engine, electron/cli or shared may import Electron (they run in plain Node).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const noElectron = {
  'no-restricted-imports': [
    'error',
    {
      paths: [{ name: 'electron', message: 'The engine, the CLI and shared/ run in plain Node: no Electron imports here.' }],
      patterns: [{ group: ['electron/*'], message: 'The engine, the CLI and shared/ run in plain Node: no Electron imports here.' }],
    },
  ],
};

// Raw IPC only in the IPC bridge and the preload: everything else goes through the typed contract.
const rawIpcMessage = 'Raw ipcMain/ipcRenderer only in electron/main/ipc-bridge.ts and electron/preload/: use the typed API contract.';
const noRawIpc = {
  'no-restricted-imports': ['error', { paths: [{ name: 'electron', importNames: ['ipcMain', 'ipcRenderer'], message: rawIpcMessage }] }],
  'no-restricted-syntax': [
    'error',
    { selector: 'MemberExpression[property.name=/^ipc(Main|Renderer)$/]', message: rawIpcMessage },
    { selector: 'ImportSpecifier[imported.name=/^ipc(Main|Renderer)$/]', message: rawIpcMessage },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', '.tmp/**', 'release/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  { files: ['**/*.{ts,tsx,js,mjs,cjs}'], ignores: ['electron/main/ipc-bridge.ts', 'electron/preload/**'], rules: noRawIpc },
  { files: ['electron/engine/**/*.ts', 'electron/cli/**/*.ts', 'shared/**/*.ts'], rules: noElectron },
  // the renderer runs in a browser (or Electron's sandboxed renderer): DOM globals, no Node, no Electron
  { files: ['renderer/**/*.{ts,tsx}'], languageOptions: { globals: { ...globals.browser } }, rules: noElectron },
);
