import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { escapeControl } from '../../../shared/format.js';
import { MAX_BUNDLE_JSON_BYTES } from '../bundle/inspect-bundle.js';
import { FerryError } from '../errors/ferry-error.js';
import { parseStrictJson } from '../util/parse-strict-json.js';
import { readRegularFile } from '../util/read-regular-file.js';
import { syncDir } from '../util/sync-dir.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';

/** The journal of a split in progress, in the bundle folder: while it exists the folder is mid-split. */
export const SPLIT_JOURNAL = '.ferry-split-journal.json';

/**
 * The journal holds the commit's bundle.json (as a JSON string: escaping may make it longer) and SHA256SUMS, so
 * it is bounded by a few times the largest bundle.json read (`MAX_BUNDLE_JSON_BYTES`); a larger file is not read.
 */
export const MAX_SPLIT_JOURNAL_BYTES = 4 * MAX_BUNDLE_JSON_BYTES;

const hex64 = z.string().regex(/^[a-f0-9]{64}$/);
/** A plain file name of the bundle folder: never `.`, `..`, a path, or a hidden name. */
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/);
/** A byte count or offset: an integer below 2^53 (the archive itself is bounded by bundle.json's checks). */
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const span = z.object({ name, start: count, size: count });
/** A note the journal keeps for the report (a file name it removed): one line, bounded. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const note = z.string().max(2000).regex(/^[^\u0000-\u001f\u007f-\u009f]*$/);

/** A file name as the journal notes it: control characters escaped (`\x1b`), so any name the folder holds fits. */
export function journalNote(name: string): string {
  return escapeControl(name).slice(0, 2000);
}

/** What a split must remember to be finished by a later run after a crash or a cancel. */
export const SplitJournalSchema = z.object({
  version: z.literal(1),
  /** Temporary names of this split: `.ferry-<run>-<name>.partial`. */
  run: z.string().regex(/^[a-f0-9]{1,32}$/),
  bundleId: z.string().max(100),
  /** sha256 of bundle.json before the split. */
  oldManifestSha256: hex64,
  archive: z.object({ size: count, sha256: hex64 }),
  /** The data parts before the split, with their recorded sha256. */
  oldParts: z.array(span.extend({ sha256: hex64 })),
  /** The parity parts before the split (removed when the split starts). */
  oldParity: z.array(name),
  partSize: count.positive(),
  parity: z.number().int().nonnegative().max(255),
  /** The data parts after the split. */
  newParts: z.array(span),
  /** The data layout does not change (only parity does): the data parts stay where they are, untouched. */
  keepData: z.boolean().optional(),
  /** New data parts written completely and flushed, in order (always a prefix of `newParts`). */
  completed: z.array(z.object({ name, sha256: hex64 })),
  /** Signature files removed (they signed the old bundle.json). */
  removedSignatures: z.array(note),
  /** Leftovers of earlier runs that were removed. */
  clearedLeftovers: z.array(note),
  /** Set once every new part is written: the new bundle.json and SHA256SUMS; only renames remain. */
  commit: z.object({ manifest: z.string(), manifestSha256: hex64, sums: z.string() }).optional(),
});

/** A split journal. */
export type SplitJournal = z.infer<typeof SplitJournalSchema>;

/**
 * Reads the split journal of `dir`, if any: a regular file (never a link, FIFO or device) of bounded size,
 * strict JSON, the schema. A damaged journal is an error saying what to do. What it says is not yet trusted:
 * the split proves it against bundle.json and the bytes on disk before acting on it.
 */
export async function readSplitJournal(dir: string): Promise<SplitJournal | undefined> {
  const path = join(dir, SPLIT_JOURNAL);
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(path, { maxBytes: MAX_SPLIT_JOURNAL_BYTES, what: path });
  } catch (error) {
    if (error instanceof FerryError && error.code === 'not-found') return undefined;
    if (error instanceof FerryError) throw new FerryError('damaged', `${error.message.replace(/\.$/, '')}; ${JOURNAL_ADVICE}`, { subject: path, cause: error });
    throw new FerryError('io', `Cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, { subject: path, cause: error });
  }
  let json: unknown;
  let why = 'it is not valid JSON';
  try {
    json = parseStrictJson(bytes, { maxDepth: 8 });
  } catch (error) {
    why = (error as Error).message;
    json = undefined;
  }
  const parsed = SplitJournalSchema.safeParse(json);
  if (!parsed.success) {
    if (json !== undefined) why = `${parsed.error.issues[0]?.path.join('.') || '(root)'}: ${parsed.error.issues[0]?.message ?? 'invalid'}`;
    throw new FerryError('damaged', `${path}, the journal of an interrupted split, is damaged (${why}), so the split cannot be finished safely; ${JOURNAL_ADVICE}`, { subject: path });
  }
  return parsed.data;
}

/** What to do about a journal that cannot be used. */
export const JOURNAL_ADVICE = `nothing was changed. If ferry verify says the bundle is whole, delete ${SPLIT_JOURNAL} and split again; otherwise the bundle must be copied again from its sender.`;

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
