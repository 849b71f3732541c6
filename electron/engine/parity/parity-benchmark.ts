import { randomFillSync } from 'node:crypto';
import { ReedSolomon } from './reed-solomon.js';

/** What {@link benchmarkParity} measures. */
export interface ParityBenchmarkOptions {
  /** k (default 4). */
  dataShards?: number;
  /** n (default 2). */
  parityShards?: number;
  /** Chunk length of a stripe (default 1 MiB, as the file encoder uses). */
  chunkBytes?: number;
  /** Data bytes pushed through each of encode and decode (default 256 MiB). */
  totalBytes?: number;
}

/** Encode and decode speed of the in-memory codec, in MB/s (10^6 bytes) of data shards. */
export interface ParityBenchmarkResult {
  dataShards: number;
  parityShards: number;
  chunkBytes: number;
  /** Data bytes processed by each of the two measurements. */
  bytes: number;
  /** Parity computed for this many MB of data a second. */
  encodeMBps: number;
  /** With n data shards lost, this many MB of data a second read back whole (k shards read, n rebuilt). */
  decodeMBps: number;
}

/**
 * Measures the Reed–Solomon codec alone (no disk): encoding stripes of k random chunks into n parity
 * chunks, and rebuilding n lost data chunks of each stripe from the survivors. For `npm run bench` and
 * the parity figures in the README.
 */
export function benchmarkParity(options: ParityBenchmarkOptions = {}): ParityBenchmarkResult {
  const k = options.dataShards ?? 4;
  const n = options.parityShards ?? 2;
  const chunk = options.chunkBytes ?? 1024 * 1024;
  const total = options.totalBytes ?? 256 * 1024 * 1024;
  const rs = new ReedSolomon(k, n);
  const data = Array.from({ length: k }, () => randomFillSync(new Uint8Array(chunk)));
  const parity = Array.from({ length: n }, () => new Uint8Array(chunk));
  const stripes = Math.max(1, Math.round(total / (k * chunk)));
  rs.encode(data, parity); // warm-up: builds the product tables
  let started = performance.now();
  for (let i = 0; i < stripes; i++) rs.encode(data, parity);
  const encodeSeconds = (performance.now() - started) / 1000;

  const lost = [...Array(Math.min(n, k)).keys()];
  const plan = rs.planRebuild(lost);
  const shards = [...data, ...parity];
  const sources = plan.sources.map((s) => shards[s]!);
  const outputs = plan.targets.map(() => new Uint8Array(chunk));
  rs.rebuild(plan, sources, outputs);
  started = performance.now();
  for (let i = 0; i < stripes; i++) rs.rebuild(plan, sources, outputs);
  const decodeSeconds = (performance.now() - started) / 1000;
  outputs.forEach((o, i) => {
    if (Buffer.compare(o, data[plan.targets[i]!]!) !== 0) throw new Error('parity benchmark: a rebuilt chunk differs');
  });
  const bytes = stripes * k * chunk;
  return { dataShards: k, parityShards: n, chunkBytes: chunk, bytes, encodeMBps: bytes / encodeSeconds / 1e6, decodeMBps: bytes / decodeSeconds / 1e6 };
}
