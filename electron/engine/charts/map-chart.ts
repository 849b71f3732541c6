import type { ChartRecord } from '../../../shared/bundle-manifest.js';
import { mapRepository, type ImportTarget, type MapRule } from '../import/map-repository.js';
import { parseChartSource } from './parse-chart-source.js';

/** Where one chart of a bundle goes in the target registry, and the `--map` rule that chose it. */
export interface ChartMapping {
  name: string;
  version: string;
  /** The target repository path (under the target registry). */
  repository: string;
  /** `HOST/PATH:VERSION` (`helm pull oci://HOST/PATH --version VERSION`). */
  target: string;
  digest: string;
  /** The `--map` rule applied, as written. */
  rule?: string;
}

/**
 * A chart's source as a `registry/path` name, the way `--map` sees images: `oci://HOST/PATH/NAME:VERSION` →
 * `HOST/PATH/NAME`; `https://HOST/PATH/NAME@VERSION` (an HTTP chart repository) → `HOST/PATH/NAME`. Undefined when the
 * recorded source cannot be read.
 */
export function chartSourceName(record: Pick<ChartRecord, 'source'>): { registry: string; repository: string } | undefined {
  try {
    const parsed = parseChartSource(record.source);
    if (parsed.kind === 'oci') return { registry: parsed.ref.registry, repository: parsed.ref.repository };
    const url = new URL(parsed.repoUrl);
    const path = url.pathname.replace(/^\/+|\/+$/g, '');
    return { registry: url.host.toLowerCase(), repository: `${path === '' ? '' : `${path}/`}${parsed.name}` };
  } catch {
    return undefined;
  }
}

/**
 * The target repository of a chart, as images are mapped: the longest `--map` rule whose source is a whole-component
 * prefix of the chart's source name (`charts.example/stable/webapp`, `HOST/charts/ocichart`), the rest appended; else
 * the longest rule matching its default path `charts/<name>` (`--map charts=helm` → `helm/<name>`); else
 * `PREFIX/charts/<name>`.
 */
export function mapChart(record: ChartRecord, target: ImportTarget, rules: readonly MapRule[]): ChartMapping {
  const source = chartSourceName(record);
  const bySource = source ? mapRepository(source.registry, source.repository, target, rules) : undefined;
  const byDefault = mapRepository('charts', record.name, target, rules);
  const chosen = bySource?.rule ? bySource : byDefault.rule ? byDefault : undefined;
  const repository = chosen?.repository ?? `${target.prefix === '' ? '' : `${target.prefix}/`}charts/${record.name}`;
  return {
    name: record.name,
    version: record.version,
    repository,
    target: `${target.registry}/${repository}:${record.version}`,
    digest: record.digest,
    ...(chosen?.rule ? { rule: chosen.rule.text } : {}),
  };
}
