#!/usr/bin/env node
// Bundles the `ferry` CLI into one file (dist/ferry.mjs): one module to load instead of a
// hundred halves the command's start-up time. tsc still typechecks and emits dist/ for the rest.
import { build } from 'esbuild';

await build({
  entryPoints: ['electron/cli/bin.ts'],
  outfile: 'dist/ferry.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  legalComments: 'external',
  // CommonJS dependencies bundled into an ES module still call require()
  banner: { js: "import { createRequire as __ferryRequire } from 'node:module'; const require = __ferryRequire(import.meta.url);" },
  logLevel: 'warning',
});
