import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onProcessExit } from './exit-cleanup.js';

/** Unregister functions of the exit-time removal of each live temp dir. */
const exitRemovals = new Map<string, () => void>();

/** Registers `dir` for removal at process exit (after services were killed) unless removeDir() ran first;
 * FERRY_KEEP_TMP=1 keeps such dirs for debugging. */
export function removeAtExit(dir: string): void {
  if (exitRemovals.has(dir) || process.env.FERRY_KEEP_TMP === '1') return;
  exitRemovals.set(dir, onProcessExit(() => rmSync(dir, { recursive: true, force: true }), 1));
}

/** Creates a fresh directory `BASE/ferry-PREFIX-XXXXXX` (BASE defaults to os.tmpdir(); a leading `ferry-` in PREFIX
 * is not doubled), removed at process exit at the latest. */
export async function makeTempDir(prefix: string, base = tmpdir()): Promise<string> {
  const dir = await mkdtemp(join(base, `ferry-${prefix.replace(/^ferry-/, '')}-`));
  removeAtExit(dir);
  return dir;
}

/** Removes a directory tree, ignoring errors (it may already be gone). */
export async function removeDir(dir: string): Promise<void> {
  exitRemovals.get(dir)?.();
  exitRemovals.delete(dir);
  await rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
}
