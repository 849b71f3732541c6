import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { FerryError } from '../errors/ferry-error.js';
import { MediaType } from '../oci/media-types.js';
import type { RegistryClient } from '../registry/registry-client.js';
import type { ChartHttp } from './chart-http.js';
import { ChartMediaType, MAX_CHART_BYTES } from './chart-media-types.js';
import type { ChartSource } from './parse-chart-source.js';
import { readChartArchive } from './read-chart-archive.js';

/** One blob of a chart artifact, bytes in hand (charts are small). */
export interface ChartBlob {
  digest: string;
  size: number;
  mediaType: string;
  bytes: Buffer;
}

/** A chart ready to carry: its OCI artifact (manifest, config, chart layer, provenance) and what it says. */
export interface ResolvedChart {
  source: string;
  name: string;
  version: string;
  /** The artifact manifest (built for HTTP charts, as published for OCI ones). */
  manifest: ChartBlob;
  /** Config, chart content and provenance, in manifest order. */
  blobs: ChartBlob[];
  /** `sha256:` of the chart `.tgz`. */
  chartDigest: string;
  provenance: boolean;
  images: string[];
}

/** What resolving a chart needs. */
export interface ResolveChartContext {
  http: ChartHttp;
  client: RegistryClient;
  signal?: AbortSignal;
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const blobOf = (bytes: Buffer, mediaType: string): ChartBlob => ({ digest: sha256(bytes), size: bytes.length, mediaType, bytes });

/** Fetches a chart (HTTP repository or OCI registry) and makes it an OCI artifact with Helm's media types. */
export async function resolveChart(source: ChartSource, ctx: ResolveChartContext): Promise<ResolvedChart> {
  return source.kind === 'http' ? resolveHttpChart(source, ctx) : resolveOciChart(source, ctx);
}

async function resolveHttpChart(source: Extract<ChartSource, { kind: 'http' }>, ctx: ResolveChartContext): Promise<ResolvedChart> {
  const base = `${source.repoUrl.replace(/\/+$/, '')}/`;
  const indexBytes = (await ctx.http.get(new URL('index.yaml', base).toString(), `the index of chart repository ${source.repoUrl}`))!;
  let index: { entries?: Record<string, { version?: unknown; urls?: unknown; digest?: unknown }[]> };
  try {
    // every scalar as a string: a digest of digits only must not become a number
    index = parse(indexBytes.toString('utf8'), { schema: 'failsafe' }) as typeof index;
  } catch (error) {
    throw new FerryError('bad-reference', `The index.yaml of ${source.repoUrl} is not YAML: ${(error as Error).message}.`, { subject: source.source, cause: error });
  }
  const versions = index?.entries?.[source.name];
  if (!Array.isArray(versions)) throw new FerryError('not-found', `Chart ${source.name} is not in the repository ${source.repoUrl}.`, { subject: source.source });
  const entry = versions.find((v) => String(v.version) === source.version);
  if (!entry) {
    throw new FerryError('not-found', `Chart ${source.name} has no version ${source.version} in ${source.repoUrl} (it has ${versions.map((v) => String(v.version)).slice(0, 10).join(', ')}).`, { subject: source.source });
  }
  const url = Array.isArray(entry.urls) && typeof entry.urls[0] === 'string' ? entry.urls[0] : undefined;
  if (!url) throw new FerryError('bad-reference', `Chart ${source.name} ${source.version} lists no download URL in ${source.repoUrl}/index.yaml.`, { subject: source.source });
  const tgzUrl = new URL(url, base).toString();
  const tgz = (await ctx.http.get(tgzUrl, `chart ${source.name} ${source.version}`))!;
  const chartDigest = sha256(tgz);
  if (typeof entry.digest !== 'string' || !/^(sha256:)?[a-f0-9]{64}$/.test(entry.digest)) {
    throw new FerryError('bad-reference', `Chart ${source.name} ${source.version} has no sha256 digest in ${source.repoUrl}/index.yaml, so its download cannot be checked; it was not carried.`, { subject: source.source });
  }
  if (`sha256:${entry.digest.replace(/^sha256:/, '')}` !== chartDigest) {
    throw new FerryError('digest-mismatch', `Chart ${source.name} ${source.version} from ${tgzUrl} does not match the digest in ${source.repoUrl}/index.yaml (index: ${entry.digest}, downloaded: ${chartDigest}); it was not carried.`, {
      subject: source.source,
    });
  }
  const prov = await ctx.http.get(`${tgzUrl}.prov`, `the provenance of chart ${source.name} ${source.version}`, true);
  const info = await readChartArchive(tgz, `${source.name} ${source.version}`);
  if (info.metadata.name !== source.name || String(info.metadata.version) !== source.version) {
    throw new FerryError('bad-reference', `Chart ${source.source} holds a Chart.yaml for ${String(info.metadata.name)} ${String(info.metadata.version)}.`, { subject: source.source });
  }
  const config = blobOf(Buffer.from(JSON.stringify(info.metadata)), ChartMediaType.config);
  const layers = [blobOf(tgz, ChartMediaType.content), ...(prov ? [blobOf(prov, ChartMediaType.provenance)] : [])];
  const descriptor = (b: ChartBlob): { mediaType: string; digest: string; size: number } => ({ mediaType: b.mediaType, digest: b.digest, size: b.size });
  const manifestBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: descriptor(config),
      layers: layers.map(descriptor),
      annotations: { 'org.opencontainers.image.title': source.name, 'org.opencontainers.image.version': source.version },
    }),
  );
  return {
    source: source.source,
    name: source.name,
    version: source.version,
    manifest: blobOf(manifestBytes, MediaType.ociManifest),
    blobs: [config, ...layers],
    chartDigest,
    provenance: prov !== undefined,
    images: info.images,
  };
}

async function resolveOciChart(source: Extract<ChartSource, { kind: 'oci' }>, ctx: ResolveChartContext): Promise<ResolvedChart> {
  const fetched = await ctx.client.getManifest(source.ref, ctx.signal ? { signal: ctx.signal } : {});
  const doc = JSON.parse(fetched.bytes.toString('utf8')) as { config?: { mediaType: string; digest: string; size: number }; layers?: { mediaType: string; digest: string; size: number }[] };
  if (doc.config?.mediaType !== ChartMediaType.config || !Array.isArray(doc.layers)) {
    throw new FerryError('bad-reference', `${source.source} is not a Helm chart (its config is ${doc.config?.mediaType ?? 'missing'}, not ${ChartMediaType.config}).`, { subject: source.source });
  }
  const { registry, repository } = source.ref;
  const fetch = async (d: { mediaType: string; digest: string; size: number }): Promise<ChartBlob> => {
    if (d.size > MAX_CHART_BYTES) throw new FerryError('bad-usage', `Blob ${d.digest} of chart ${source.source} is larger than ${MAX_CHART_BYTES} bytes.`, { subject: source.source });
    const chunks: Buffer[] = [];
    for await (const c of await ctx.client.openBlob(registry, repository, d, ctx.signal ? { signal: ctx.signal } : {})) chunks.push(c as Buffer);
    return { digest: d.digest, size: d.size, mediaType: d.mediaType, bytes: Buffer.concat(chunks) };
  };
  const blobs = [await fetch(doc.config), ...(await Promise.all(doc.layers.map(fetch)))];
  const chart = blobs.find((b) => b.mediaType === ChartMediaType.content);
  if (!chart) throw new FerryError('bad-reference', `${source.source} has no chart layer (${ChartMediaType.content}).`, { subject: source.source });
  const info = await readChartArchive(chart.bytes, source.source);
  return {
    source: source.source,
    name: source.name,
    version: source.version,
    manifest: { digest: fetched.digest, size: fetched.bytes.length, mediaType: fetched.mediaType, bytes: fetched.bytes },
    blobs,
    chartDigest: chart.digest,
    provenance: blobs.some((b) => b.mediaType === ChartMediaType.provenance),
    images: info.images,
  };
}
