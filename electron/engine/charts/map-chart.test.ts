// mapChart: --map rules apply to charts as to images (source path first, then charts/<name>).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChartRecord } from '../../../shared/bundle-manifest.js';
import { parseImportTarget, parseMapRule } from '../import/map-repository.js';
import { chartSourceName, mapChart } from './map-chart.js';

const digest = `sha256:${'ab'.repeat(32)}`;
const chart = (source: string, name: string, version: string): ChartRecord => ({ name, version, source, digest, chartDigest: digest, size: 1, provenance: false, images: [] });
const http = chart('https://Charts.Example:8443/stable/webapp@1.2.0', 'webapp', '1.2.0');
const oci = chart('oci://ghcr.io/acme/charts/api:0.3.1', 'api', '0.3.1');
const target = parseImportTarget('registry.local:5000/mirror');
const rules = (...texts: string[]) => texts.map((t) => parseMapRule(t, target));

describe('mapChart', () => {
  test('a chart source reads as registry/path like an image', () => {
    assert.deepEqual(chartSourceName(http), { registry: 'charts.example:8443', repository: 'stable/webapp' });
    assert.deepEqual(chartSourceName(oci), { registry: 'ghcr.io', repository: 'acme/charts/api' });
    assert.deepEqual(chartSourceName(chart('https://charts.example/web@1', 'web', '1')), { registry: 'charts.example', repository: 'web' });
  });

  test('without rules: PREFIX/charts/<name>', () => {
    assert.deepEqual(mapChart(http, target, []), { name: 'webapp', version: '1.2.0', repository: 'mirror/charts/webapp', target: 'registry.local:5000/mirror/charts/webapp:1.2.0', digest });
    assert.equal(mapChart(oci, parseImportTarget('registry.local'), []).target, 'registry.local/charts/api:0.3.1');
  });

  test('the longest rule on the source path wins, the rest appended; whole components only', () => {
    const r = rules('ghcr.io/acme=registry.local:5000/acme', 'ghcr.io/acme/charts=helm/acme', 'ghcr.io/ac=wrong');
    assert.deepEqual(mapChart(oci, target, r), { name: 'api', version: '0.3.1', repository: 'helm/acme/api', target: 'registry.local:5000/helm/acme/api:0.3.1', digest, rule: 'ghcr.io/acme/charts=helm/acme' });
    assert.equal(mapChart(http, target, rules('charts.example:8443/stable=helm/stable')).repository, 'helm/stable/webapp');
    assert.equal(mapChart(http, target, rules('charts.example/stable=helm/stable')).repository, 'mirror/charts/webapp', 'another port is another source');
  });

  test('else a rule on charts/<name>; a source rule comes first', () => {
    assert.equal(mapChart(http, target, rules('charts=helm')).repository, 'helm/webapp');
    assert.equal(mapChart(http, target, rules('charts=helm', 'charts/webapp=apps/webapp-chart')).repository, 'apps/webapp-chart');
    assert.equal(mapChart(oci, target, rules('charts=helm', 'ghcr.io=ext')).repository, 'ext/acme/charts/api');
  });
});
