import { randomBytes } from 'node:crypto';

/** A temporary file of some run: `.ferry-<run>-<name>.partial`, never mistaken for a finished file. */
export const PARTIAL_NAME = /^\.ferry-.*\.partial$/;

/** Archive files by name: `bundle.tar`, its data parts `bundle.tar.001`… and parity parts `bundle.tar.p01`… */
export const ARCHIVE_FILE_NAME = /^bundle\.tar(\.\d{3,}|\.p\d{2,})?$/;

/** A fresh run id for temporary names. */
export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

/** The temporary name of `name` for run `run`, as `OutputFolder` names them. */
export function partialName(run: string, name: string): string {
  return `.ferry-${run}-${name}.partial`;
}
