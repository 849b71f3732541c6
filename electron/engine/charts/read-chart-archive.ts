import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { readTarEntries } from '../bundle/archive/tar-reader.js';
import { FerryError } from '../errors/ferry-error.js';
import { discoverChartImages } from './discover-images.js';

/** What a chart archive (`.tgz`) says about itself. */
export interface ChartArchiveInfo {
  /** Chart.yaml's fields (Helm's OCI config holds them as JSON). */
  metadata: Record<string, unknown>;
  /** Images the chart may need (values.yaml and literal template `image:` fields). */
  images: string[];
}

/** Reads Chart.yaml, values.yaml and the templates of a chart archive (the top chart only, not its subcharts). */
export async function readChartArchive(tgz: Buffer, subject: string): Promise<ChartArchiveInfo> {
  let tar: Buffer;
  try {
    tar = gunzipSync(tgz, { maxOutputLength: 512 * 1024 * 1024 });
  } catch (error) {
    throw new FerryError('bad-bundle', `Chart ${subject} is not a gzip archive: ${(error as Error).message}.`, { subject, cause: error });
  }
  let chartYaml: string | undefined;
  let valuesYaml: string | undefined;
  const templates: string[] = [];
  async function* one(): AsyncGenerator<Uint8Array> {
    yield tar;
  }
  for await (const entry of readTarEntries(one())) {
    const parts = entry.name.replace(/^\.\//, '').split('/');
    if (entry.type !== 'file' || parts.length < 2) continue;
    const inTop = parts.length === 2 || (parts[1] === 'templates' && parts.length >= 3);
    if (!inTop) continue;
    const chunks: Buffer[] = [];
    for await (const c of entry.body) chunks.push(Buffer.from(c));
    const text = Buffer.concat(chunks).toString('utf8');
    if (parts.length === 2 && parts[1] === 'Chart.yaml') chartYaml = text;
    else if (parts.length === 2 && parts[1] === 'values.yaml') valuesYaml = text;
    else if (parts[1] === 'templates' && /\.(ya?ml|tpl)$/.test(entry.name)) templates.push(text);
  }
  if (chartYaml === undefined) throw new FerryError('bad-bundle', `Chart ${subject} has no Chart.yaml.`, { subject });
  const metadata = parse(chartYaml) as unknown;
  if (!metadata || typeof metadata !== 'object') throw new FerryError('bad-bundle', `Chart ${subject} has a Chart.yaml that is not a mapping.`, { subject });
  return { metadata: metadata as Record<string, unknown>, images: discoverChartImages(valuesYaml, templates) };
}
