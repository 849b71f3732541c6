import { readFile } from 'node:fs/promises';
import { FerryError } from '../engine/errors/ferry-error.js';

/** Reads a LIST file: one image reference per line; `#` starts a comment; blank lines are skipped. */
export async function readListFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new FerryError('bad-usage', `Cannot read list file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}.`, { subject: path });
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
}
