#!/usr/bin/env node
// The `ferry` command: runs the bundled CLI (npm run build first).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'ferry.mjs');
if (!existsSync(entry)) {
  process.stderr.write('ferry: not built yet; run `npm run build` in the Ferry checkout first\n');
  process.exit(2);
}
await import(pathToFileURL(entry).href);
