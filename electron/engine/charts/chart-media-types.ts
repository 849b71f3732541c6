/** Helm's OCI media types (helm.sh/docs/topics/registries). */
export const ChartMediaType = {
  config: 'application/vnd.cncf.helm.config.v1+json',
  content: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
  provenance: 'application/vnd.cncf.helm.chart.provenance.v1.prov',
} as const;

/** Largest chart archive (or provenance file) held in memory. */
export const MAX_CHART_BYTES = 64 * 1024 * 1024;
