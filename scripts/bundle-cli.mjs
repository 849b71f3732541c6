#!/usr/bin/env node
// Bundles the `ferry` CLI: dist/ferry.mjs (the entry) plus dist/ferry-chunks/*.mjs. Few modules to load
// instead of hundreds, and code splitting keeps each command's implementation (and the engine parts it
// needs: undici, zod, yaml, systeminformation…) in chunks loaded only when that command runs, so
// `ferry --version`, `--help` and `inspect` start fast. Ship the entry and every chunk together
// (electron-builder.yml extraResources). tsc still typechecks and emits dist/ for the rest.
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

/**
 * zod's index of its ~45 message locales is half of its code (about 370 KB) and is compiled by every command that
 * reads a bundle.json; Ferry never switches zod's locale (its messages are its own), so the CLI gets English only.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](core|classic)$/.test(args.resolveDir) ? { path: join(dirname(args.resolveDir), 'locales', 'index.js'), namespace: 'zod-en' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-en' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))};\n`,
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * bundle.json's and the inventory's schemas (shared/bundle-manifest.ts, inventory.ts, inventory-signature.ts) are
 * written with zod/mini so that verify, inspect and import start fast; but esbuild splits chunks by whole modules, and
 * the commands on zod classic keep nearly all of zod's core (compiler, JSON Schema…) in the chunk they share with
 * mini: verify would still compile ~300 KB of it. So mini gets its own copy of zod's modules (the same files, in a
 * namespace of their own, free of side effects), tree-shaken to what mini's schemas use (~70 KB); commands that also
 * use classic load both. Both copies keep zod's settings (the English locale) in one global object.
 */
const zodMiniOwnCopy = {
  name: 'zod-mini-own-copy',
  setup(b) {
    const namespace = 'zod-mini';
    b.onResolve({ filter: /^zod\/(mini|v4\/locales\/en\.js)$/ }, async (args) => {
      if (args.pluginData === namespace) return undefined; // the resolve below, asking where the file is
      const found = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: namespace });
      return found.errors.length > 0 ? { errors: found.errors } : { path: found.path, namespace, sideEffects: false };
    });
    // zod's modules import one another by relative paths only
    b.onResolve({ filter: /^\.\.?\//, namespace }, (args) => ({ path: join(args.resolveDir, args.path), namespace, sideEffects: false }));
    b.onLoad({ filter: /.*/, namespace }, async (args) => ({ contents: await readFile(args.path, 'utf8'), loader: 'js', resolveDir: dirname(args.path) }));
  },
};

// FERRY_CLI_OUTDIR builds a private copy elsewhere (e.g. to time a change without touching dist/)
const outdir = process.env.FERRY_CLI_OUTDIR ?? 'dist';
// stale chunks of an earlier build would otherwise be shipped too
await rm(`${outdir}/ferry-chunks`, { recursive: true, force: true });
await build({
  entryPoints: { ferry: 'electron/cli/bin.ts' },
  outdir,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'ferry-chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  legalComments: 'external',
  // CommonJS dependencies bundled into an ES module still call require() (the banner heads every chunk)
  banner: { js: "import { createRequire as __ferryRequire } from 'node:module'; const require = __ferryRequire(import.meta.url);" },
  logLevel: 'warning',
  plugins: [zodMiniOwnCopy, zodEnglishOnly],
});
