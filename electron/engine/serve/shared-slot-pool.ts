/** A buffer a worker thread can read without a copy: the shared memory and a Buffer over all of it. */
export interface SharedSlot {
  shared: SharedArrayBuffer;
  bytes: Buffer;
}

/**
 * Reused shared buffers for served blobs (no allocation, and no garbage, per chunk read): {@link take} gives an idle
 * one or a new one, so a request never waits for another to finish; {@link give} keeps at most `keepIdle` for reuse.
 * A slot whose bytes may still be read elsewhere (a write or a hash under way) is simply never given back.
 */
export class SharedSlotPool {
  readonly #idle: SharedSlot[] = [];

  constructor(
    readonly slotSize: number,
    readonly keepIdle: number,
  ) {}

  /** An idle slot, or a new one. */
  take(): SharedSlot {
    const slot = this.#idle.pop();
    if (slot) return slot;
    const shared = new SharedArrayBuffer(this.slotSize);
    return { shared, bytes: Buffer.from(shared) };
  }

  /** Gives back a slot nothing reads or writes any more. */
  give(slot: SharedSlot): void {
    if (this.#idle.length < this.keepIdle && slot.bytes.length === this.slotSize) this.#idle.push(slot);
  }
}
