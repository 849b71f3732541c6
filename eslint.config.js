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

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  { files: ['electron/engine/**/*.ts', 'electron/cli/**/*.ts', 'shared/**/*.ts'], rules: noElectron },
  // the renderer runs in a browser (or Electron's sandboxed renderer): DOM globals, no Node, no Electron
  { files: ['renderer/**/*.{ts,tsx}'], languageOptions: { globals: { ...globals.browser } }, rules: noElectron },
);
