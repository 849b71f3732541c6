import { SlotHasher } from './slot-hasher.js';

/** Verify's reads: 8 MiB each, four in flight or being hashed, so 32 MiB of buffers whatever the bundle's size. */
export const VERIFY_CHUNK = 8 * 1024 * 1024;
const VERIFY_SLOTS = 4;

let early: SlotHasher | undefined;

/**
 * Starts verify's hashing thread ahead of need: a command that verifies calls it first thing, so the thread boots
 * (tens of milliseconds) while the command's modules load and bundle.json is read. Unused, it keeps no process alive.
 */
export function prestartVerifyHasher(): void {
  if (early) return;
  early = new SlotHasher(VERIFY_SLOTS, VERIFY_CHUNK);
  early.unref();
}

/** The hasher a verification reads through: the one started ahead of need when there is one, else a new one. */
export function verifyHasher(signal?: AbortSignal): SlotHasher {
  const ready = early;
  early = undefined;
  if (ready?.adopt(signal)) return ready;
  if (ready) void ready.close();
  return new SlotHasher(VERIFY_SLOTS, VERIFY_CHUNK, signal);
}
