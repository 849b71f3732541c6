import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Finds the built renderer (`dist/renderer`, with its `index.html`) from where this code runs: the
 * bundled CLI in `dist/`, tsc's output under `dist/electron/…`, or the sources through tsx.
 * `FERRY_RENDERER_DIR` overrides. Undefined when it has not been built (`npm run build`).
 */
export function findRendererDir(from: string = fileURLToPath(import.meta.url)): string | undefined {
  const override = process.env.FERRY_RENDERER_DIR;
  if (override) return existsSync(join(override, 'index.html')) ? override : undefined;
  let dir = dirname(from);
  for (;;) {
    for (const candidate of [join(dir, 'renderer'), join(dir, 'dist', 'renderer')]) {
      if (existsSync(join(candidate, 'index.html')) && existsSync(join(candidate, 'assets'))) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
