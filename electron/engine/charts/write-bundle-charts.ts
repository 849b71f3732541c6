import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { newRunId, partialName } from '../bundle/partial-name.js';
import { FerryError } from '../errors/ferry-error.js';
import { safeFilePath } from '../files/write-bundle-files.js';
import type { BundleArchive as OpenedArchive } from '../bundle/bundle-archive.js';
import type { JobControls } from '../bundle/create-bundle.js';
import type { VerifiedBundle } from '../verify/open-verified-bundle.js';
import { readArchivedChart } from './chart-artifact.js';

/** One chart file written (`<name>-<version>.tgz` or its `.prov`). */
export interface WrittenChartFile {
  chart: string;
  path: string;
  size: number;
  sha256: string;
}

/** Writes every chart of an opened (verified) bundle as plain `<name>-<version>.tgz` (+ `.prov`) files into a folder: temp name, checked, flushed, renamed. */
export async function writeBundleCharts(archive: OpenedArchive, folder: string, signal?: AbortSignal): Promise<WrittenChartFile[]> {
  const dir = resolve(folder);
  const written: WrittenChartFile[] = [];
  const charts = archive.manifest.charts ?? [];
  if (charts.length > 0) await mkdir(dir, { recursive: true });
  for (const record of charts) {
    const chart = await readArchivedChart(archive, record);
    const base = `${record.name}-${record.version}.tgz`;
    const outputs = [{ name: base, blob: chart.content }, ...(chart.provenance ? [{ name: `${base}.prov`, blob: chart.provenance }] : [])];
    for (const { name, blob } of outputs) {
      signal?.throwIfAborted();
      const path = safeFilePath(dir, name);
      const temp = join(dir, partialName(newRunId(), name));
      const fh = await open(temp, 'wx', 0o644);
      const hash = createHash('sha256');
      let size = 0;
      try {
        for await (const chunk of archive.openBlob(blob.digest, signal ? { signal } : {})) {
          hash.update(chunk as Buffer);
          size += (chunk as Buffer).length;
          await fh.write(chunk as Buffer);
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      const sha256 = hash.digest('hex');
      if (`sha256:${sha256}` !== blob.digest) {
        await rm(temp, { force: true });
        throw new FerryError('damaged', `Chart ${record.name} ${record.version}: ${name} read from the archive does not match ${blob.digest}.`, { subject: record.name, hint: 'repair' });
      }
      await rename(temp, path);
      written.push({ chart: `${record.name} ${record.version}`, path, size, sha256 });
    }
  }
  return written;
}

/** Writes a verified bundle's charts as `<name>-<version>.tgz` (+ `.prov`) into `chartsTo`. */
export async function exportBundleCharts(options: { bundle: VerifiedBundle; chartsTo: string }, controls: JobControls = {}): Promise<WrittenChartFile[]> {
  const archive = await options.bundle.openArchive(controls.signal ? { signal: controls.signal } : {});
  try {
    return await writeBundleCharts(archive, options.chartsTo, controls.signal);
  } finally {
    await archive.close();
  }
}
