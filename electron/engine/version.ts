import { readFileSync } from 'node:fs';

/** Ferry's version, from package.json (found from the source tree or from dist/). */
export const TOOL_VERSION: string = readVersion();

function readVersion(): string {
  // from electron/engine/ (sources), dist/electron/engine/ (tsc output) or dist/ (the bundled CLI)
  for (const rel of ['../../package.json', '../../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'ferry' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}
