import { createHash, type Hash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { OnProgress } from '../../../shared/progress.js';
import { partialName } from '../bundle/partial-name.js';
import { FerryError } from '../errors/ferry-error.js';
import { ProgressMeter } from '../progress/progress-meter.js';
import { openRegularFile } from '../util/read-regular-file.js';
import { SlotHasher, type Slot } from '../verify/slot-hasher.js';
import { writeSplitJournal, type SplitJournal } from './split-journal.js';

const CHUNK = 4 * 1024 * 1024;
/** Chunks being read, hashed or written at once (memory: SLOTS × CHUNK). */
const SLOTS = 6;
/** Reads started ahead of the one being hashed and written. */
const READ_AHEAD = 2;
/**
 * Bytes per write call. Writes of more than 1 MiB cost the kernel two to four times more per byte (measured: 512 MiB
 * into the page cache of ext4 took 0.6–1.3 s of system time in 4 MiB writes, 0.25–0.33 s in 1 MiB ones).
 */
const WRITE_PIECE = 1024 * 1024;

/** What {@link copyIntoParts} needs: the journal (updated in place and on disk as parts complete). */
export interface CopyIntoPartsInput {
  dir: string;
  journal: SplitJournal;
  signal?: AbortSignal;
  onProgress?: OnProgress;
  /** Extra bytes on disk now: old data parts present plus new data bytes written, minus the archive size. */
  onExtra?: (bytes: number) => void;
  /**
   * Completed new parts whose flush (and the deletion of the old parts they cover) may still be under way while
   * the next ones are written: 0 (the default) keeps the extra disk space to about one part; each one more may take
   * a new part's size more.
   */
  lag?: number;
}

/**
 * Copies the archive from the old parts into the new parts (temporary names), in order, from the
 * end of the last completed new part: each new part is hashed while written and flushed, recorded as
 * completed in the journal, and then every old part whose bytes all lie in completed new parts is
 * deleted, once its own sha256 (computed as it was read) matched bundle.json. With `lag` 0 that is done
 * before the next new part is begun, and the extra disk space stays about one part; with `lag` n the flush,
 * record and deletions of up to n completed parts run (in order) while the next parts are copied, so the copy
 * never waits for the disk's flush, at up to n new parts more of space. The new parts' sha256 land in
 * `journal.completed`.
 *
 * Each chunk is read once into a shared buffer and hashed twice at once from it: for its new part on a
 * worker thread, for its old part here, while it is written out. Every byte written is thus a byte of an
 * old part proven against bundle.json, so the archive (the old parts in order) needs no hash of its own.
 */
export async function copyIntoParts(input: CopyIntoPartsInput): Promise<void> {
  const { dir, journal, signal, onProgress } = input;
  const done = journal.completed.length;
  const resumeAt = done > 0 ? journal.newParts[done - 1]!.start + journal.newParts[done - 1]!.size : 0;
  const oldPath = (i: number): string => join(dir, journal.oldParts[i]!.name);
  const oldEnd = (i: number): number => journal.oldParts[i]!.start + journal.oldParts[i]!.size;
  const present = new Set<number>();
  for (const [i] of journal.oldParts.entries()) if (oldEnd(i) > resumeAt) present.add(i);
  const handles = new Map<number, Promise<FileHandle>>();
  const oldHashes = new Map<number, Hash>();
  let written = 0;
  const extra = (): void => {
    let old = 0;
    for (const i of present) old += journal.oldParts[i]!.size;
    input.onExtra?.(old + resumeAt + written - journal.archive.size);
  };
  const total = journal.archive.size - resumeAt;
  onProgress?.({ kind: 'phase-start', phase: 'split', totalBytes: total, totalItems: journal.newParts.length - done });
  const meter = new ProgressMeter('split', total, onProgress);

  /** The old part's hash, fed from its first byte (a resumed split re-reads the bytes before `resumeAt`). */
  const oldHashOf = async (i: number): Promise<Hash> => {
    let hash = oldHashes.get(i);
    if (hash) return hash;
    hash = createHash('sha256');
    oldHashes.set(i, hash);
    const part = journal.oldParts[i]!;
    const fh = await handleOf(i);
    const buffer = resumeAt > part.start ? Buffer.allocUnsafe(CHUNK) : Buffer.alloc(0);
    for (let pos = part.start; pos < Math.min(resumeAt, oldEnd(i)); ) {
      const want = Math.min(CHUNK, Math.min(resumeAt, oldEnd(i)) - pos);
      const { bytesRead } = await fh.read(buffer, 0, want, pos - part.start);
      if (bytesRead === 0) throw shortPart(i);
      hash.update(buffer.subarray(0, bytesRead));
      pos += bytesRead;
    }
    return hash;
  };
  /** Old part `i` opened once (concurrent reads share the one open). */
  const handleOf = (i: number): Promise<FileHandle> => {
    let fh = handles.get(i);
    if (!fh) {
      // never through a link, never blocking on a FIFO: only the regular file bundle.json records
      fh = openRegularFile(oldPath(i), journal.oldParts[i]!.name).catch((error: unknown) => {
        throw lostBytes(i, error instanceof FerryError ? 'not a regular file' : ((error as NodeJS.ErrnoException).code ?? 'unreadable'));
      });
      fh.catch(() => {});
      handles.set(i, fh);
    }
    return fh;
  };
  const shortPart = (i: number): FerryError => lostBytes(i, 'shorter than recorded');
  const lostBytes = (i: number, why: string): FerryError =>
    new FerryError(
      'damaged',
      `Cannot finish the split: ${journal.oldParts[i]!.name} is ${why}, and its bytes exist nowhere else. The bundle must be copied again from its sender.`,
      { subject: oldPath(i) },
    );

  /** The copy as segments, each inside one old part and one new part, at most one chunk long. */
  interface Segment {
    oldIndex: number;
    newIndex: number;
    pos: number;
    length: number;
  }
  function* segments(): Generator<Segment> {
    let oldIndex = 0;
    for (let newIndex = done; newIndex < journal.newParts.length; newIndex++) {
      const part = journal.newParts[newIndex]!;
      const end = part.start + part.size;
      for (let pos = part.start; pos < end; ) {
        while (oldEnd(oldIndex) <= pos) oldIndex++;
        const length = Math.min(CHUNK, end - pos, oldEnd(oldIndex) - pos);
        yield { oldIndex, newIndex, pos, length };
        pos += length;
      }
    }
  }
  const hasher = new SlotHasher(SLOTS, CHUNK, signal);
  const readSegment = async (seg: Segment): Promise<Slot> => {
    const slot = await hasher.acquire();
    try {
      const fh = await handleOf(seg.oldIndex);
      let got = 0;
      while (got < seg.length) {
        const { bytesRead } = await fh.read(slot.buffer, got, seg.length - got, seg.pos + got - journal.oldParts[seg.oldIndex]!.start);
        if (bytesRead === 0) throw shortPart(seg.oldIndex);
        got += bytesRead;
      }
      return slot;
    } catch (error) {
      hasher.release(slot.index);
      throw error;
    }
  };
  /** Reads started ahead of the copy, in order (each holds a slot). */
  const reads: Promise<Slot>[] = [];
  let writing: Promise<unknown> | undefined;
  let out: FileHandle | undefined;
  /** New parts written whose flush, record and clean-up are under way, oldest first (at most `lag` while copying on). */
  const finishing: Promise<void>[] = [];
  /** The clean-up of completed parts runs one after another, in order: the journal's `completed` stays a prefix. */
  let chain: Promise<void> = Promise.resolve();
  /** The first failure of a part's clean-up (the copy stops at it). */
  const stopped: { failure?: { error: unknown } } = {};
  const throwIfStopped = (): void => {
    if (stopped.failure) throw stopped.failure.error;
  };
  const lag = Math.max(0, input.lag ?? 0);

  /**
   * A written new part, flushed, recorded as completed in the journal, and then every old part whose bytes all lie
   * in completed new parts deleted (each was proven against bundle.json as its last byte was read).
   */
  const finishPart = async (newIndex: number, fh: FileHandle, writes: Promise<unknown> | undefined, sha256: Promise<string>): Promise<void> => {
    const part = journal.newParts[newIndex]!;
    try {
      await writes;
      await fh.sync();
    } finally {
      await fh.close();
    }
    const digest = await sha256;
    signal?.throwIfAborted();
    journal.completed.push({ name: part.name, sha256: digest });
    await writeSplitJournal(dir, journal);
    onProgress?.({ kind: 'item-end', phase: 'split', item: part.name, bytes: part.size, detail: 'written' });
    for (const i of [...present]) {
      if (oldEnd(i) <= part.start + part.size) {
        await (await handles.get(i)?.catch(() => undefined))?.close();
        handles.delete(i);
        await rm(oldPath(i), { force: true });
        present.delete(i);
        onProgress?.({ kind: 'item-end', phase: 'split', item: journal.oldParts[i]!.name, detail: 'removed' });
      }
    }
    extra();
  };
  try {
    // old parts wholly inside completed new parts are no longer needed (a crash may have kept them)
    for (const [i, part] of journal.oldParts.entries()) {
      if (!present.has(i)) await rm(oldPath(i), { force: true });
      else {
        const found = await lstat(oldPath(i)).catch(() => undefined);
        if (!found?.isFile() || found.size !== part.size) throw lostBytes(i, 'missing or of the wrong size');
      }
    }
    extra();
    // a resumed split re-reads the start of the old part it stopped in, for that part's hash
    const straddling = journal.oldParts.findIndex((p, i) => p.start < resumeAt && oldEnd(i) > resumeAt);
    if (straddling >= 0) await oldHashOf(straddling);

    const it = segments();
    /** Segments whose reads are started, in order. */
    const queued: Segment[] = [];
    const readAhead = (): void => {
      while (queued.length < READ_AHEAD) {
        const next = it.next();
        if (next.done) return;
        queued.push(next.value);
        const read = readSegment(next.value);
        read.catch(() => {});
        reads.push(read);
      }
    };
    readAhead();
    while (queued.length > 0) {
      const seg = queued.shift()!;
      const slot = await reads.shift()!;
      const chunk = slot.buffer.subarray(0, seg.length);
      // the next segments are read into other slots meanwhile (as slots come free once hashed and written)
      readAhead();
      if (signal?.aborted || stopped.failure) hasher.release(slot.index);
      signal?.throwIfAborted();
      throwIfStopped();

      const part = journal.newParts[seg.newIndex]!;
      if (seg.pos === part.start) {
        // a half-written part of an interrupted run (or anything planted under its name, a link included) is removed
        // and the part created afresh, exclusively and without following a link
        const path = join(dir, partialName(journal.run, part.name));
        try {
          await rm(path, { force: true, recursive: true });
          out = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o644);
        } catch (error) {
          hasher.release(slot.index);
          throw error;
        }
      }
      // the worker hashes the chunk for its new part while it is hashed here for its old part and written out
      hasher.submit(seg.newIndex, slot, seg.length, true);
      // a part's writes go one after another, each after the one before (a failed one fails the rest)
      const fh = out!;
      const at = seg.pos - part.start;
      writing = (writing ?? Promise.resolve()).then(() => writePieces(fh, chunk, at)).finally(() => hasher.done(slot.index));
      writing.catch(() => {});
      const oldHash = await oldHashOf(seg.oldIndex);
      oldHash.update(chunk);
      written += seg.length;
      meter.add(seg.length);
      extra();
      const old = journal.oldParts[seg.oldIndex]!;
      if (seg.pos + seg.length === oldEnd(seg.oldIndex) && oldHash.digest('hex') !== old.sha256) {
        // every byte of this old part has been read: it is proven before it may ever be deleted
        throw new FerryError(
          'damaged',
          `${old.name} changed while it was being split (its sha256 no longer matches bundle.json), so the split stopped. Rerun ferry split to retry; if it fails again the bundle must be copied again from its sender.`,
          { subject: oldPath(seg.oldIndex) },
        );
      }
      if (seg.pos + seg.length < part.start + part.size) continue;

      // the new part is complete: flushed, recorded and its old parts deleted behind the copy (up to `lag` parts
      // behind it when the disk has room; else before the next part is begun)
      const writes = writing;
      out = undefined;
      writing = undefined;
      const sha256 = hasher.digest(seg.newIndex);
      chain = chain.then(
        () => finishPart(seg.newIndex, fh, writes, sha256),
        async (error: unknown) => {
          // an earlier part failed: this one is only closed (never recorded)
          await Promise.allSettled([writes]);
          await fh.close().catch(() => {});
          throw error;
        },
      );
      const finished = chain.catch((error: unknown) => {
        stopped.failure ??= { error };
      });
      finishing.push(finished);
      while (finishing.length > lag) {
        await finishing.shift();
        throwIfStopped();
      }
    }
    await Promise.all(finishing.splice(0));
    throwIfStopped();
    meter.finish();
    onProgress?.({ kind: 'phase-end', phase: 'split' });
  } finally {
    await Promise.allSettled([...reads, writing]);
    await out?.close().catch(() => {});
    // parts whose flush is under way are closed by it (and recorded only if it completed)
    await Promise.allSettled([chain]);
    await Promise.allSettled([...handles.values()].map(async (fh) => (await fh).close()));
    await hasher.close();
  }
}

/** Writes `data` at `offset`, whole, in calls of at most {@link WRITE_PIECE} bytes. */
async function writePieces(fh: FileHandle, data: Uint8Array, offset: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, Math.min(WRITE_PIECE, data.length - done), offset + done);
    done += bytesWritten;
  }
}
