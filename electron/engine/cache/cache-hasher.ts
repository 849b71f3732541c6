import { SlotHasher } from '../verify/slot-hasher.js';

/** Shared read buffers of cached blob copies: 16 slots of 2 MiB (32 MiB however many blobs are copied at once). */
const SLOTS = 16;
const SLOT_BYTES = 2 * 1024 * 1024;

let early: SlotHasher | undefined;

/**
 * Starts the cache's hashing thread ahead of need: `ferry bundle` calls it first thing (unless the cache is off), so
 * the thread boots on the idle core while the command's modules load and the tags are resolved, instead of after, when
 * the first cached blob is already waiting for it. Unused (a cold cache), it keeps no process alive.
 */
export function prestartCacheHasher(): void {
  if (early) return;
  early = new SlotHasher(SLOTS, SLOT_BYTES);
  early.unref();
}

/** The hashing thread and shared buffers a cache copies blobs through: the one started ahead of need when there is one, else a new one. */
export function cacheHasher(): SlotHasher {
  const ready = early;
  early = undefined;
  if (ready?.adopt()) return ready;
  if (ready) void ready.close();
  return new SlotHasher(SLOTS, SLOT_BYTES);
}
