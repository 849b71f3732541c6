import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArchivePart, BundleManifest } from '../../../shared/bundle-manifest.js';
import type { OnProgress } from '../../../shared/progress.js';
import { hashFile } from '../bundle/hash-file.js';
import { ProgressMeter } from '../progress/progress-meter.js';

/** What is wrong with an archive file, if anything. */
export type ArchiveFileState = 'ok' | 'missing' | 'size' | 'checksum' | 'unreadable';

/** One data or parity part as found on disk, against its record in `bundle.json`. */
export interface ScannedArchiveFile {
  name: string;
  /** Its shard number: data parts 0…k−1, parity parts k…k+n−1. */
  shard: number;
  role: 'data' | 'parity';
  record: ArchivePart;
  state: ArchiveFileState;
  /** One sentence saying what is wrong (absent when ok). */
  problem?: string;
}

/**
 * Checks every data and parity part of a bundle in `dir` against `bundle.json` (size, then sha256,
 * streamed; phase `verify` with bytes). SHA256SUMS is not consulted: it may be damaged too.
 */
export async function scanArchiveFiles(dir: string, manifest: BundleManifest, controls: { signal?: AbortSignal; onProgress?: OnProgress } = {}): Promise<ScannedArchiveFile[]> {
  const { signal, onProgress } = controls;
  const data = manifest.archive.parts.map((record, shard) => ({ record, shard, role: 'data' as const }));
  const parity = (manifest.archive.parity?.parts ?? []).map((record, i) => ({ record, shard: data.length + i, role: 'parity' as const }));
  const all = [...data, ...parity];
  const total = all.reduce((n, f) => n + f.record.size, 0);
  onProgress?.({ kind: 'phase-start', phase: 'verify', totalBytes: total, totalItems: all.length });
  const meter = new ProgressMeter('verify', total, onProgress);
  const out: ScannedArchiveFile[] = [];
  for (const f of all) {
    signal?.throwIfAborted();
    const path = join(dir, f.record.name);
    const base = { name: f.record.name, shard: f.shard, role: f.role, record: f.record };
    let size: number;
    try {
      // not followed: a link (to /dev/zero, a FIFO, a file elsewhere) or a device is not a part, and is never read
      const s = await lstat(path);
      if (s.isSymbolicLink()) throw Object.assign(new Error('a symbolic link, not a file'), { code: 'a symbolic link, not a file; links are not followed' });
      if (!s.isFile()) throw Object.assign(new Error('not a file'), { code: 'not a regular file' });
      size = s.size;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      out.push(
        code === 'ENOENT'
          ? { ...base, state: 'missing', problem: `${f.record.name} is missing.` }
          : { ...base, state: 'unreadable', problem: `${f.record.name} cannot be read (${code ?? 'error'}).` },
      );
      meter.add(f.record.size);
      continue;
    }
    if (size !== f.record.size) {
      out.push({ ...base, state: 'size', problem: `${f.record.name} is ${size} bytes; bundle.json records ${f.record.size}.` });
      meter.add(f.record.size);
      continue;
    }
    try {
      const { sha256 } = await hashFile(path, { signal, onBytes: (n) => meter.add(n) });
      out.push(
        sha256 === f.record.sha256
          ? { ...base, state: 'ok' }
          : { ...base, state: 'checksum', problem: `${f.record.name} is damaged: its sha256 ${sha256.slice(0, 12)}… does not match ${f.record.sha256.slice(0, 12)}… in bundle.json.` },
      );
    } catch (error) {
      if (signal?.aborted) throw error;
      out.push({ ...base, state: 'unreadable', problem: `${f.record.name} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).` });
    }
  }
  meter.finish();
  onProgress?.({ kind: 'phase-end', phase: 'verify' });
  return out;
}
