#!/usr/bin/env node
// Bundles the Electron shell into dist/electron: the main process (ESM), the engine's utility-process
// entry (ESM) and the sandboxed preload (CommonJS: sandboxed preloads cannot be ES modules).
// `electron` stays external: Electron provides it at run time. tsc -p tsconfig.electron.json typechecks.
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', target: 'node22', sourcemap: true, legalComments: 'external', external: ['electron'], logLevel: 'warning' };
const esmBanner = { js: "import { createRequire as __ferryRequire } from 'node:module'; const require = __ferryRequire(import.meta.url);" };

await Promise.all([
  build({ ...common, entryPoints: ['electron/main/main.ts'], outfile: 'dist/electron/main.mjs', format: 'esm', banner: esmBanner }),
  build({ ...common, entryPoints: ['electron/main/engine-entry.ts'], outfile: 'dist/electron/engine-entry.mjs', format: 'esm', banner: esmBanner }),
  build({ ...common, entryPoints: ['electron/preload/preload.ts'], outfile: 'dist/electron/preload.cjs', format: 'cjs' }),
]);
