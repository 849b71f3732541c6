import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { parseDigest } from '../oci/digest.js';
import { MAX_LONE_SEGMENT, MAX_RANGE_SEGMENT, MIN_TAIL_SEGMENT, PROBE_BYTES, ParallelRangeStream, maxHeldSegments, rangeSpanAt, type ParallelRangeStreamOptions } from './parallel-ranges.js';
import { DEFAULT_MAX_RANGE_STREAMS, resolveRegistryClientOptions } from './registry-client.js';

const MIB = 1024 * 1024;

/** A clock that moves `stepMs` at every reading. */
const steppingClock = (stepMs: number) => {
  let t = 0;
  return () => (t += stepMs);
};

/** The ranges {@link rangeSpanAt} cuts a blob into, in order. */
function layout(size: number, segment: number, streams: number): number[] {
  const spans: number[] = [];
  for (let start = 0; start < size; ) {
    const span = rangeSpanAt(start, size, segment, streams);
    spans.push(span);
    start += span;
  }
  return spans;
}

describe('the default number of parallel ranges', () => {
  it('is the host slot limit, at most DEFAULT_MAX_RANGE_STREAMS, unless set', () => {
    const streams = (options: Parameters<typeof resolveRegistryClientOptions>[0]) => resolveRegistryClientOptions({ env: {}, ...options }).rangeStreams;
    assert.equal(streams({}), 6, 'the client default of 6 slots per host');
    assert.equal(streams({ maxConcurrencyPerHost: 8 }), 8, "bundle's default --concurrency");
    assert.equal(streams({ maxConcurrencyPerHost: 64 }), DEFAULT_MAX_RANGE_STREAMS, 'memory stays at 8 segments per blob');
    assert.equal(streams({ maxConcurrencyPerHost: 1 }), 1, 'one slot: one stream');
    assert.equal(streams({ maxConcurrencyPerHost: 64, rangeStreams: 4 }), 4);
  });
});

describe('rangeSpanAt', () => {
  it('cuts full rounds into whole segments', () => {
    assert.deepEqual(layout(128 * MIB, 4 * MIB, 4), Array<number>(32).fill(4 * MIB));
    assert.deepEqual(layout(8 * MIB, 2 * MIB, 4), Array<number>(4).fill(2 * MIB));
  });

  it('shares a short last round out evenly among the streams instead of leaving one range to arrive alone', () => {
    // 32 segments of 4 MiB on 6 streams: five full rounds, then 8 MiB, which one or two streams would carry alone
    const spans = layout(128 * MIB, 4 * MIB, 6);
    assert.deepEqual(spans.slice(0, 30), Array<number>(30).fill(4 * MIB));
    assert.deepEqual(spans.slice(30), Array<number>(6).fill(Math.ceil((8 * MIB) / 6)).map((s, i) => (i < 5 ? s : 8 * MIB - 5 * s)));
    assert.equal(spans.reduce((a, b) => a + b, 0), 128 * MIB);
  });

  it('never cuts the tail below MIN_TAIL_SEGMENT (request latency would cost more than it saves), and covers the blob exactly', () => {
    const size = 128 * MIB + 22_034;
    const spans = layout(size, MAX_RANGE_SEGMENT, 8);
    assert.deepEqual(spans, [...Array<number>(32).fill(4 * MIB), 22_034]);
    const small = layout(96 * MIB + 2 * MIB, 4 * MIB, 8);
    assert.deepEqual(small.slice(24), [MIN_TAIL_SEGMENT, MIN_TAIL_SEGMENT]);
  });
});

/** A ParallelRangeStream over `bytes` with the test defaults (no retries, a 10 s bound); `options` fills in the rest. */
function rangeStreamOver(bytes: Buffer, options: Pick<ParallelRangeStreamOptions, 'streams' | 'first' | 'fetchRange'> & Partial<ParallelRangeStreamOptions>): ParallelRangeStream {
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  return new ParallelRangeStream({
    digest,
    parsedDigest: parseDigest(digest)!,
    size: bytes.length,
    retries: 0,
    source: 'test',
    subject: 'test',
    toError: (error) => (error instanceof Error ? error : new Error(String(error))),
    signal: AbortSignal.timeout(10_000),
    onClose: () => undefined,
    ...options,
  });
}

/** Host slots for `takeSlot`: `idle` of them free at first; `least` is the fewest that were ever free. */
function idleSlots(idle: number) {
  const slots = {
    idle,
    least: idle,
    takeSlot: (): (() => void) | undefined => {
      if (slots.idle === 0) return undefined;
      slots.idle--;
      slots.least = Math.min(slots.least, slots.idle);
      let released = false;
      return () => {
        if (!released) slots.idle++;
        released = true;
      };
    },
  };
  return slots;
}

/** A blob of `size` random bytes and a ParallelRangeStream over it, served from memory; `asked` lists each range asked for. */
function memoryRanges(size: number, options: { streams: number; first: (bytes: Buffer, asked: [number, number][]) => Readable; firstEnd: number; now: () => number }) {
  const bytes = randomBytes(size);
  const asked: [number, number][] = [];
  const stream = rangeStreamOver(bytes, {
    streams: options.streams,
    first: { body: options.first(bytes, asked), end: options.firstEnd },
    fetchRange: async (start, end) => {
      asked.push([start, end]);
      return Readable.from([bytes.subarray(start, end + 1)]);
    },
    oneStreamRate: 64 * MIB,
    now: options.now,
  });
  return { bytes, asked, stream };
}

describe('ParallelRangeStream measuring the link', () => {
  it('starts the parallel ranges as soon as 64 MiB/s is out of reach, while the first range still arrives', async () => {
    // the first chunk 100 ms after the answer: 64 MiB/s would have brought 6.4 MiB, more than PROBE_BYTES; the rest of the
    // first range comes only once the other ranges were asked for (were the decision left to its end, never)
    const { bytes, asked, stream } = memoryRanges(16 * MIB, {
      streams: 4,
      firstEnd: PROBE_BYTES - 1,
      now: steppingClock(100),
      first: (all, askedSoFar) =>
        Readable.from(
          (async function* () {
            yield all.subarray(0, 64 * 1024);
            while (askedSoFar.length < 3) await new Promise((resolve) => setImmediate(resolve));
            yield all.subarray(64 * 1024, PROBE_BYTES);
          })(),
        ),
    });
    assert.equal((await buffer(stream)).equals(bytes), true);
    assert.deepEqual(asked, [1, 2, 3].map((i) => [i * PROBE_BYTES, (i + 1) * PROBE_BYTES - 1]));
  });

  it('brings the rest as one stream when the first PROBE_BYTES came fast', async () => {
    // a microsecond per reading: PROBE_BYTES in well under a millisecond
    const { bytes, asked, stream } = memoryRanges(16 * MIB, { streams: 4, firstEnd: PROBE_BYTES - 1, now: steppingClock(0.001), first: (all) => Readable.from([all.subarray(0, PROBE_BYTES)]) });
    assert.equal((await buffer(stream)).equals(bytes), true);
    assert.deepEqual(asked, [[PROBE_BYTES, 16 * MIB - 1]]);
  });
});

describe('ParallelRangeStream slots', () => {
  it('hands the blob\'s own slot on: once the range on it was handed on, the next range rides on it while the idle slot is still held', async () => {
    const bytes = randomBytes(4 * MIB);
    const asked: number[] = [];
    let thirdAsked: () => void = () => undefined;
    const third = new Promise<void>((resolve) => (thirdAsked = resolve));
    const slots = idleSlots(1); // one idle host slot besides the blob's own
    const stream = rangeStreamOver(bytes, {
      streams: 4,
      first: { body: Readable.from([bytes.subarray(0, MIB)]), end: MIB - 1 },
      fetchRange: async (start, end) => {
        asked.push(start);
        if (start === 2 * MIB) thirdAsked();
        // the second range (on the idle slot) ends only once the third was asked for: on the blob's own slot, freed
        // when the first was handed on; were that slot lost, the third range would wait for the second forever
        if (start === MIB) await third;
        return Readable.from([bytes.subarray(start, end + 1)]);
      },
      takeSlot: slots.takeSlot,
    });
    const got = await buffer(stream);
    assert.equal(got.equals(bytes), true);
    assert.deepEqual(asked, [MIB, 2 * MIB, 3 * MIB]);
    assert.equal(slots.least, 0, 'the idle slot was used');
    assert.equal(slots.idle, 1, 'and given back');
  });
});

describe('ParallelRangeStream with no idle slot', () => {
  it('asks again for idle slots as the bytes of its lone range arrive, and spreads the rest over the ones that freed up', async () => {
    const bytes = randomBytes(32 * MIB);
    const asked: number[] = [];
    const slots = idleSlots(0); // every host slot busy when the blob opens
    let askedWhileLoneArrived: number[] = [];
    const lone = (async function* () {
      yield bytes.subarray(0, MIB);
      // two slots free up (other blobs finished) while the lone range is still arriving
      slots.idle = 2;
      yield bytes.subarray(MIB, 2 * MIB);
      for (let turn = 0; turn < 50 && asked.length < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
      askedWhileLoneArrived = [...asked];
      yield bytes.subarray(2 * MIB, MAX_LONE_SEGMENT);
    })();
    const stream = rangeStreamOver(bytes, {
      streams: 4,
      first: { body: Readable.from(lone), end: MAX_LONE_SEGMENT - 1 },
      fetchRange: async (start, end) => {
        asked.push(start);
        return Readable.from([bytes.subarray(start, end + 1)]);
      },
      takeSlot: slots.takeSlot,
    });
    assert.equal((await buffer(stream)).equals(bytes), true);
    assert.deepEqual(askedWhileLoneArrived, [MAX_LONE_SEGMENT, MAX_LONE_SEGMENT + MAX_RANGE_SEGMENT], 'two ranges on the freed slots before the lone range ended');
    assert.equal(slots.idle, 2, 'both slots given back');
  });
});

describe('ParallelRangeStream keeps the link busy while the reader lags', () => {
  /** A 40 MiB blob in 4 MiB ranges on 4 streams, each range's body held back until `arrive(index)` (its start in segments); nothing read yet. */
  function heldRanges() {
    const bytes = randomBytes(40 * MIB);
    const asked: number[] = [];
    const waiting = new Map<number, () => void>();
    const stream = rangeStreamOver(bytes, {
      streams: 4,
      first: { body: Readable.from([bytes.subarray(0, MAX_RANGE_SEGMENT)]), end: MAX_RANGE_SEGMENT - 1 },
      fetchRange: async (start, end) => {
        asked.push(start / MAX_RANGE_SEGMENT);
        await new Promise<void>((resolve) => waiting.set(start / MAX_RANGE_SEGMENT, resolve));
        return Readable.from([bytes.subarray(start, end + 1)]);
      },
    });
    const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
    const arrive = async (index: number) => {
      waiting.get(index)!();
      await settle();
    };
    return { bytes, asked, stream, arrive, settle, waiting };
  }

  it('asks for the next range as soon as one has arrived, before the reader took the ranges before it', async () => {
    const { bytes, asked, stream, arrive, settle, waiting } = heldRanges();
    await settle();
    // range 0 (the answered first range) arrived at once; its bytes wait in the stream's buffer for the reader
    assert.deepEqual(asked, [1, 2, 3, 4], 'four in flight');
    // the reader takes nothing; range 2 arrives: its place on the link goes to range 5 at once
    await arrive(2);
    assert.deepEqual(asked, [1, 2, 3, 4, 5], 'range 5 asked while ranges 0 and 2 wait for the reader');
    // six segments held (maxHeldSegments(4)): ranges 0, 2 and 3 arrived and unread, 1, 4 and 5 in flight; a seventh
    // waits for the reader
    await arrive(3);
    assert.deepEqual(asked, [1, 2, 3, 4, 5], `at most ${maxHeldSegments(4)} segments held`);
    assert.equal(maxHeldSegments(4), 6);
    const all = buffer(stream);
    let read = false;
    void all.then(() => (read = true));
    const arrived = new Set([2, 3]);
    while (!read) {
      for (const [index, go] of waiting) {
        if (arrived.has(index)) continue;
        arrived.add(index);
        go();
      }
      await settle();
    }
    assert.equal((await all).equals(bytes), true);
    const spans = layout(40 * MIB, MAX_RANGE_SEGMENT, 4);
    const starts = spans.slice(1).map((_, i) => spans.slice(0, i + 1).reduce((a, b) => a + b, 0) / MAX_RANGE_SEGMENT);
    assert.deepEqual(asked, starts, 'each range asked once, in order');
  });
});
