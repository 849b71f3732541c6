import type { ChartRecord } from '../../../shared/bundle-manifest.js';
import type { BundleArchive } from '../bundle/bundle-archive.js';
import { FerryError } from '../errors/ferry-error.js';
import { ChartMediaType } from './chart-media-types.js';

/** A carried chart's artifact as read back from the archive. */
export interface ArchivedChart {
  record: ChartRecord;
  manifest: { digest: string; mediaType: string; bytes: Buffer };
  /** Config and layers, in manifest order. */
  blobs: { digest: string; size: number; mediaType: string }[];
  /** The chart `.tgz` layer. */
  content: { digest: string; size: number };
  provenance?: { digest: string; size: number };
}

/** Reads a carried chart's manifest from the archive and finds its chart and provenance layers. */
export async function readArchivedChart(archive: BundleArchive, record: ChartRecord): Promise<ArchivedChart> {
  const blob = archive.manifest.blobs.find((b) => b.digest === record.digest);
  const bytes = await archive.readBlob(record.digest);
  const doc = JSON.parse(bytes.toString('utf8')) as { config: { digest: string; size: number; mediaType: string }; layers: { digest: string; size: number; mediaType: string }[] };
  const content = doc.layers.find((l) => l.mediaType === ChartMediaType.content);
  if (!content || content.digest !== record.chartDigest) {
    throw new FerryError('bad-bundle', `Chart ${record.name} ${record.version}: its manifest has no chart layer ${record.chartDigest}.`, { subject: record.name });
  }
  const provenance = doc.layers.find((l) => l.mediaType === ChartMediaType.provenance);
  return {
    record,
    manifest: { digest: record.digest, mediaType: blob?.mediaType ?? 'application/vnd.oci.image.manifest.v1+json', bytes },
    blobs: [doc.config, ...doc.layers],
    content,
    ...(provenance ? { provenance } : {}),
  };
}
