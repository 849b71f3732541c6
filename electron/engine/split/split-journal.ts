import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { FerryError } from '../errors/ferry-error.js';
import { syncDir } from '../util/sync-dir.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';

/** The journal of a split in progress, in the bundle folder: while it exists the folder is mid-split. */
export const SPLIT_JOURNAL = '.ferry-split-journal.json';

const hex64 = z.string().regex(/^[a-f0-9]{64}$/);
const name = z.string().regex(/^[A-Za-z0-9._-]+$/);
const span = z.object({ name, start: z.number().int().nonnegative(), size: z.number().int().nonnegative() });

/** What a split must remember to be finished by a later run after a crash or a cancel. */
export const SplitJournalSchema = z.object({
  version: z.literal(1),
  /** Temporary names of this split: `.ferry-<run>-<name>.partial`. */
  run: z.string().regex(/^[a-f0-9]+$/),
  bundleId: z.string(),
  /** sha256 of bundle.json before the split. */
  oldManifestSha256: hex64,
  archive: z.object({ size: z.number().int().nonnegative(), sha256: hex64 }),
  /** The data parts before the split, with their recorded sha256. */
  oldParts: z.array(span.extend({ sha256: hex64 })),
  /** The parity parts before the split (removed when the split starts). */
  oldParity: z.array(name),
  partSize: z.number().int().positive(),
  parity: z.number().int().nonnegative(),
  /** The data parts after the split. */
  newParts: z.array(span),
  /** The data layout does not change (only parity does): the data parts stay where they are, untouched. */
  keepData: z.boolean().optional(),
  /** New data parts written completely and flushed, in order (always a prefix of `newParts`). */
  completed: z.array(z.object({ name, sha256: hex64 })),
  /** Signature files removed (they signed the old bundle.json). */
  removedSignatures: z.array(z.string()),
  /** Leftovers of earlier runs that were removed. */
  clearedLeftovers: z.array(z.string()),
  /** Set once every new part is written: the new bundle.json and SHA256SUMS; only renames remain. */
  commit: z.object({ manifest: z.string(), manifestSha256: hex64, sums: z.string() }).optional(),
});

/** A split journal. */
export type SplitJournal = z.infer<typeof SplitJournalSchema>;

/** Reads the split journal of `dir`, if any; a damaged journal is an error saying what to do. */
export async function readSplitJournal(dir: string): Promise<SplitJournal | undefined> {
  const path = join(dir, SPLIT_JOURNAL);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FerryError('io', `Cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, { subject: path, cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = SplitJournalSchema.safeParse(json);
  if (!parsed.success) {
    throw new FerryError(
      'damaged',
      `${path}, the journal of an interrupted split, is damaged, so the split cannot be finished safely; the bundle must be copied again from its sender.`,
      { subject: path },
    );
  }
  return parsed.data;
}

/** Writes the journal atomically (temporary name, flushed, renamed, folder flushed). */
export async function writeSplitJournal(dir: string, journal: SplitJournal): Promise<void> {
  await writeFileAtomic(join(dir, SPLIT_JOURNAL), `${JSON.stringify(journal)}\n`);
  await syncDir(dir);
}

/** Removes the journal: the split is over. */
export async function removeSplitJournal(dir: string): Promise<void> {
  await rm(join(dir, SPLIT_JOURNAL), { force: true });
  await syncDir(dir);
}
