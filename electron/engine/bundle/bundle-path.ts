import { statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

/** The bundle a path names — a folder holding `bundle.json`, or the `bundle.json` itself — resolved; undefined for anything else. */
export function bundlePathOf(path: string): string | undefined {
  const full = resolve(path);
  const isFile = (p: string): boolean => statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
  if (basename(full) === 'bundle.json') return isFile(full) ? full : undefined;
  return statSync(full, { throwIfNoEntry: false })?.isDirectory() && isFile(join(full, 'bundle.json')) ? full : undefined;
}

/** The first bundle named among command-line arguments (the desktop app opened with a folder, or by the file manager); options are skipped. */
export function bundleArgument(args: readonly string[]): string | undefined {
  for (const arg of args) {
    if (arg.startsWith('-') || arg.includes('\0')) continue;
    const path = bundlePathOf(arg);
    if (path) return path;
  }
  return undefined;
}
