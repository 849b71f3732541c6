import type { ChartRecord } from '../../../shared/bundle-manifest.js';
import type { OnProgress } from '../../../shared/progress.js';
import type { BlobPlan } from '../bundle/plan-blobs.js';
import { FerryError } from '../errors/ferry-error.js';
import type { RegistryClient, RegistryClientOptions } from '../registry/registry-client.js';
import { ChartHttp } from './chart-http.js';
import { parseChartSource } from './parse-chart-source.js';
import { resolveChart, type ResolvedChart } from './resolve-chart.js';

/** What resolving the charts of a bundle needs. */
export interface ResolveChartsContext {
  client: RegistryClient;
  auth?: { username: string; password: string };
  /** TLS as for registries: extra CAs, hosts not checked. */
  tls: Pick<RegistryClientOptions, 'caFiles' | 'insecureRegistries'>;
  signal?: AbortSignal;
  onProgress?: OnProgress;
}

/** Resolves every chart (sources parsed first, duplicates refused); reports the images each may need as a warning. */
export async function resolveCharts(sources: string[], ctx: ResolveChartsContext): Promise<ResolvedChart[]> {
  if (sources.length === 0) return [];
  const parsed = sources.map(parseChartSource);
  const seen = new Map<string, string>();
  for (const p of parsed) {
    const key = `${p.name}@${p.version}`;
    if (seen.has(key)) throw new FerryError('bad-usage', `Chart ${p.name} ${p.version} is named twice (${seen.get(key)} and ${p.source}).`, { subject: p.source });
    seen.set(key, p.source);
  }
  const http = new ChartHttp({
    ...(ctx.auth ? { username: ctx.auth.username, password: ctx.auth.password } : {}),
    caFiles: ctx.tls.caFiles ?? [],
    insecureHosts: ctx.tls.insecureRegistries ?? [],
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  try {
    const charts: ResolvedChart[] = [];
    for (const source of parsed) {
      ctx.signal?.throwIfAborted();
      ctx.onProgress?.({ kind: 'item-start', phase: 'resolve', item: source.source });
      const chart = await resolveChart(source, { http, client: ctx.client, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      ctx.onProgress?.({ kind: 'item-end', phase: 'resolve', item: source.source, detail: chart.manifest.digest });
      if (chart.images.length > 0) {
        ctx.onProgress?.({ kind: 'warning', subject: source.source, message: `Chart ${chart.name} ${chart.version}: images this chart may need (not added): ${chart.images.join(', ')}.` });
      }
      charts.push(chart);
    }
    return charts;
  } finally {
    await http.close();
  }
}

/** Adds the charts' blobs (manifest, config, chart, provenance) to the bundle's blob plan, each once. */
export function addChartBlobs(plan: BlobPlan, charts: ResolvedChart[]): void {
  const have = new Set(plan.blobs.map((b) => b.digest));
  for (const chart of charts) {
    for (const [i, blob] of [chart.manifest, ...chart.blobs].entries()) {
      if (have.has(blob.digest)) continue;
      have.add(blob.digest);
      plan.blobs.push({ digest: blob.digest, size: blob.size, mediaType: blob.mediaType, head: i < 2, source: { kind: 'inline', bytes: blob.bytes }, images: [] });
    }
  }
}

/** The bundle.json entry of a chart. */
export function chartRecord(chart: ResolvedChart): ChartRecord {
  return {
    name: chart.name,
    version: chart.version,
    source: chart.source,
    digest: chart.manifest.digest,
    chartDigest: chart.chartDigest,
    size: [chart.manifest, ...chart.blobs].reduce((n, b) => n + b.size, 0),
    provenance: chart.provenance,
    images: chart.images,
  };
}
