import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FerryError } from '../errors/ferry-error.js';
import { chartSourceOf, parseChartSource } from './parse-chart-source.js';

describe('parseChartSource', () => {
  it('reads REPO_URL/NAME@VERSION', () => {
    const s = parseChartSource('https://charts.example.com/stable/webapp@1.4.2');
    assert.deepEqual(s, { kind: 'http', source: 'https://charts.example.com/stable/webapp@1.4.2', repoUrl: 'https://charts.example.com/stable', name: 'webapp', version: '1.4.2' });
    assert.equal(chartSourceOf('https://charts.example.com/stable/', 'webapp', '1.4.2'), s.source);
  });

  it('reads oci://HOST/PATH/NAME:VERSION', () => {
    const s = parseChartSource('oci://registry.local:5000/charts/ingress:4.11.0');
    assert.equal(s.kind, 'oci');
    assert.equal(s.name, 'ingress');
    assert.equal(s.version, '4.11.0');
    if (s.kind === 'oci') assert.equal(s.ref.repository, 'charts/ingress');
  });

  it('refuses a chart without a version, or in no known form, as a bad reference', () => {
    for (const bad of ['oci://registry.local/charts/ingress', 'webapp@1.0', 'https://charts.example.com/webapp']) {
      assert.throws(() => parseChartSource(bad), (e: unknown) => e instanceof FerryError && e.code === 'bad-reference', bad);
    }
  });
});
