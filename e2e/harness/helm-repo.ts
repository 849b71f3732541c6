import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { makeTar } from './image-builder.js';
import { listenOnLoopback } from './listen-loopback.js';
import { pushBlob, pushManifest, type PushTarget } from './push.js';

/** A chart archive made for tests, with what it holds. */
export interface TestChart {
  name: string;
  version: string;
  /** The packed `.tgz`. */
  tgz: Buffer;
  /** A `.prov` file (text; not a real PGP signature), when made with one. */
  prov?: Buffer;
  /** `sha256:` of the tgz. */
  digest: string;
  /** The images its values.yaml and templates reference. */
  images: string[];
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * Packs a small Helm chart like `helm package`: `NAME/Chart.yaml`, `NAME/values.yaml` referencing
 * images both ways (`image: {repository, tag}` and `image: "ref"`), a template with a literal
 * `image:` and a templated one, and optionally a provenance file.
 */
export async function makeTestChart(name: string, version: string, options: { prov?: boolean } = {}): Promise<TestChart> {
  const files: Record<string, string> = {
    [`${name}/Chart.yaml`]: `apiVersion: v2\nname: ${name}\nversion: ${version}\nappVersion: "1.2.3"\ndescription: A test chart for ferry\ntype: application\n`,
    [`${name}/values.yaml`]: [
      'replicaCount: 1',
      'image:',
      '  repository: docker.io/library/nginx',
      '  tag: "1.27"',
      'sidecar:',
      '  image: "quay.io/prometheus/node-exporter:v1.8.0"',
      '',
    ].join('\n'),
    [`${name}/templates/deployment.yaml`]: [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'spec:',
      '  template:',
      '    spec:',
      '      initContainers:',
      '        - name: init',
      '          image: busybox:1.36',
      '      containers:',
      '        - name: main',
      '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"',
      '',
    ].join('\n'),
    [`${name}/charts/sub/values.yaml`]: 'image: "not-the-top-chart:1"\n',
  };
  const tgz = gzipSync(await makeTar(files));
  const prov = options.prov ? Buffer.from(`-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nname: ${name}\nversion: ${version}\nfiles:\n  ${name}-${version}.tgz: ${sha256(tgz)}\n-----BEGIN PGP SIGNATURE-----\n\nnot-a-real-signature\n-----END PGP SIGNATURE-----\n`) : undefined;
  return { name, version, tgz, ...(prov ? { prov } : {}), digest: sha256(tgz), images: ['busybox:1.36', 'docker.io/library/nginx:1.27', 'quay.io/prometheus/node-exporter:v1.8.0'] };
}

/** A Helm HTTP chart repository on loopback. */
export interface HelmRepoHandle {
  /** `http://127.0.0.1:PORT/charts`: the repository URL (index.yaml below it). */
  url: string;
  /** Every request as `METHOD /path`. */
  requests: string[];
  stop(): Promise<void>;
}

/**
 * Serves `index.yaml` and the charts (`<name>-<version>.tgz`, `.prov`) under `/charts`, with
 * relative URLs in the index; `wrongDigest` names charts whose index digest is wrong; with
 * `auth`, every request needs those Basic credentials.
 */
export async function startHelmRepo(charts: TestChart[], options: { wrongDigest?: string[]; auth?: { username: string; password: string } } = {}): Promise<HelmRepoHandle> {
  const requests: string[] = [];
  const files = new Map<string, Buffer>();
  const entries: string[] = [];
  for (const c of charts) {
    files.set(`/charts/${c.name}-${c.version}.tgz`, c.tgz);
    if (c.prov) files.set(`/charts/${c.name}-${c.version}.tgz.prov`, c.prov);
    const digest = options.wrongDigest?.includes(c.name) ? '0'.repeat(64) : c.digest.slice(7);
    entries.push(`  ${c.name}:\n  - apiVersion: v2\n    name: ${c.name}\n    version: ${c.version}\n    digest: ${digest}\n    urls:\n    - ${c.name}-${c.version}.tgz\n`);
  }
  files.set('/charts/index.yaml', Buffer.from(`apiVersion: v1\nentries:\n${entries.join('')}generated: "2024-01-01T00:00:00Z"\n`));
  const expected = options.auth ? `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}` : undefined;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    requests.push(`${req.method} ${path}`);
    if (expected && req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="charts"' }).end();
      return;
    }
    const body = files.get(path);
    if (!body) {
      res.writeHead(404).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-length': String(body.length) }).end(req.method === 'HEAD' ? undefined : body);
  });
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}/charts`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Pushes a test chart to a registry as Helm does (`helm push`): an OCI manifest with Helm's media types; returns the manifest's digest and bytes. */
export async function pushTestChartOci(target: PushTarget, repo: string, chart: TestChart): Promise<{ digest: string; bytes: Buffer }> {
  const config = Buffer.from(JSON.stringify({ name: chart.name, version: chart.version, apiVersion: 'v2', appVersion: '1.2.3', description: 'A test chart for ferry', type: 'application' }));
  const blobs: [Buffer, string][] = [
    [chart.tgz, 'application/vnd.cncf.helm.chart.content.v1.tar+gzip'],
    ...(chart.prov ? [[chart.prov, 'application/vnd.cncf.helm.chart.provenance.v1.prov'] as [Buffer, string]] : []),
  ];
  await pushBlob(target, repo, config);
  for (const [b] of blobs) await pushBlob(target, repo, b);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: sha256(config), size: config.length },
      layers: blobs.map(([b, mediaType]) => ({ mediaType, digest: sha256(b), size: b.length })),
      annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
    }),
  );
  const digest = await pushManifest(target, repo, chart.version, bytes, 'application/vnd.oci.image.manifest.v1+json');
  return { digest, bytes };
}
