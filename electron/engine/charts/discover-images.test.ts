import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { discoverChartImages } from './discover-images.js';

describe('discoverChartImages', () => {
  it('finds image: {repository, tag}, {registry, repository, digest} and image: "ref" at any depth in values.yaml', () => {
    const values = [
      'image:',
      '  repository: docker.io/library/nginx',
      '  tag: "1.27"',
      'metrics:',
      '  exporter:',
      '    image: quay.io/prometheus/node-exporter:v1.8.0',
      'db:',
      '  image:',
      '    registry: ghcr.io',
      '    repository: acme/db',
      `    digest: sha256:${'a'.repeat(64)}`,
      'jobs:',
      '  - image: busybox',
      'notAnImage:',
      '  image: "{{ .Values.x }}"',
    ].join('\n');
    assert.deepEqual(discoverChartImages(values, []), ['busybox', 'docker.io/library/nginx:1.27', `ghcr.io/acme/db@sha256:${'a'.repeat(64)}`, 'quay.io/prometheus/node-exporter:v1.8.0']);
  });

  it('takes literal image: fields of templates and skips templated ones', () => {
    const template = ['containers:', '  - name: a', '    image: busybox:1.36', '  - name: b', '    image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"', '  - image: "alpine:3.20" # pinned'].join('\n');
    assert.deepEqual(discoverChartImages(undefined, [template]), ['alpine:3.20', 'busybox:1.36']);
  });

  it('yields nothing for a values.yaml that does not parse', () => {
    assert.deepEqual(discoverChartImages('image: [unclosed', []), []);
  });
});
