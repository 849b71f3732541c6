import { checkPartSize } from '../../../shared/size.js';
import { FerryError } from '../errors/ferry-error.js';

export { FAT32_MAX_FILE, parseByteCount } from '../../../shared/size.js';

/** Parses a part size (the shared parser's rules, {@link checkPartSize}) or throws `bad-usage` naming the input. */
export function parseSize(input: string | number): number {
  const checked = checkPartSize(input);
  if ('bytes' in checked) return checked.bytes;
  if (checked.problem === 'not-a-size') {
    throw new FerryError('bad-usage', `Split size "${input}" is not a size; use e.g. 700MB, 3MiB, 4GiB or fat32.`, { subject: String(input) });
  }
  throw new FerryError('bad-usage', `Split size "${input}" is too small; parts must be at least 1 MiB.`, { subject: String(input) });
}
