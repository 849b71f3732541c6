// Helm charts end to end: from an HTTP chart repository (index.yaml, digest checked, .prov carried)
// and from an OCI registry (kept byte for byte); listed in bundle.json with the images they may need
// (never added); checked by verify (a flipped byte is caught); pushed by `ferry import --to` as OCI
// artifacts Helm can pull (manifest and chart layer read back from the target); written by --charts-to.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import {
  makeTempDir,
  makeTestChart,
  pushTestChartOci,
  removeDir,
  skopeo,
  seedTestImages,
  startHelmRepo,
  startRegistry,
  startContainerd,
  type ContainerdHandle,
  type HelmRepoHandle,
  type RegistryHandle,
  type TestChart,
} from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';
import type { BundleManifest } from '../../shared/bundle-manifest.js';

let work: string;
let registry: RegistryHandle;
let repo: HelmRepoHandle;
let env: NodeJS.ProcessEnv;
let webapp: TestChart;
let ocichart: TestChart;
let pushed: { digest: string; bytes: Buffer };
const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const readBundle = (dir: string): BundleManifest => JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as BundleManifest;

before(async () => {
  work = await makeTempDir('ferry-e2e-charts');
  mkdirSync(join(work, 'home'));
  env = { HOME: join(work, 'home'), XDG_CACHE_HOME: join(work, 'cache'), DOCKER_CONFIG: join(work, 'home', '.docker') };
  webapp = await makeTestChart('webapp', '0.1.0', { prov: true });
  ocichart = await makeTestChart('ocichart', '1.0.0');
  const broken = await makeTestChart('broken', '2.0.0');
  repo = await startHelmRepo([webapp, broken], { wrongDigest: ['broken'] });
  registry = await startRegistry({ auth: 'none' });
  await seedTestImages(registry);
  pushed = await pushTestChartOci(registry, 'charts/ocichart', ocichart);
});

after(async () => {
  await Promise.allSettled([registry?.stop(), repo?.stop()]);
  if (work) await removeDir(work);
});

describe('Helm charts in a bundle', () => {
  let dir: string;
  let bundle: BundleManifest;
  let stdout: string;

  before(async () => {
    dir = join(work, 'bundle');
    const r = await runFerry(
      ['bundle', `${registry.host}/test/shared:1`, '--chart', `${repo.url}/webapp@0.1.0`, '--chart', `oci://${registry.host}/charts/ocichart:1.0.0`, '--insecure-registry', registry.host, '-o', dir],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    stdout = r.stdout;
    bundle = readBundle(dir);
  });

  test('both charts are listed with their digests, provenance and the images they may need (not added)', () => {
    const [a, b] = bundle.charts;
    assert.equal(bundle.charts.length, 2);
    assert.deepEqual({ ...a, digest: undefined, size: undefined }, { name: 'webapp', version: '0.1.0', source: `${repo.url}/webapp@0.1.0`, digest: undefined, chartDigest: webapp.digest, size: undefined, provenance: true, images: webapp.images });
    assert.equal(b!.digest, pushed.digest, 'the OCI chart is kept byte for byte');
    assert.equal(b!.chartDigest, ocichart.digest);
    assert.equal(b!.provenance, false);
    assert.deepEqual(b!.images, ocichart.images);
    assert.deepEqual(bundle.images.map((i) => i.repository), ['test/shared'], 'no discovered image was added');
    assert.ok(!webapp.images.includes('not-the-top-chart:1'));
    assert.match(stdout, /images this chart may need \(not added\):\n\s+busybox:1\.36\n\s+docker\.io\/library\/nginx:1\.27\n\s+quay\.io\/prometheus\/node-exporter:v1\.8\.0/);
    for (const d of [a!.digest, a!.chartDigest, b!.digest]) assert.ok(bundle.blobs.some((x) => x.digest === d), `${d} is a blob of the bundle`);
    assert.ok(repo.requests.includes('GET /charts/webapp-0.1.0.tgz.prov'));
  });

  test('the HTTP chart is stored as a Helm OCI artifact (config from Chart.yaml, chart and provenance layers)', async () => {
    const tar = join(dir, 'bundle.tar');
    const raw = await skopeo(['inspect', '--raw', `oci-archive:${tar}:1`]);
    assert.equal(raw.code, 0, 'skopeo still reads the archive: ' + raw.stderr);
    const containerd: ContainerdHandle = await startContainerd();
    try {
      const imported = await containerd.ctr(['images', 'import', '--all-platforms', '--no-unpack', tar]);
      assert.equal(imported.code, 0, imported.stderr);
      const ls = await containerd.ctr(['images', 'ls', '-q']);
      assert.deepEqual(ls.stdout.trim().split('\n'), [`${registry.host}/test/shared:1`], 'ctr imports the image; the chart artifacts are not in index.json');
    } finally {
      await containerd.stop();
    }
    const manifestBlob = bundle.blobs.find((b) => b.digest === bundle.charts[0]!.digest)!;
    assert.equal(manifestBlob.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    const inspect = await runFerry(['inspect', dir], { env });
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, /webapp 0\.1\.0 .*\(with provenance\)[\s\S]*images this chart may need \(not added\)/);
  });

  test('ferry verify accepts it, and catches a flipped byte in a chart', async () => {
    const ok = await runFerry(['verify', dir], { env });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const damaged = join(work, 'damaged');
    cpSync(dir, damaged, { recursive: true });
    const tar = readFileSync(join(damaged, 'bundle.tar'));
    const at = tar.indexOf(webapp.tgz.subarray(40, 104)) + 5;
    assert.ok(at > 5);
    tar[at]! ^= 0xff;
    writeFileSync(join(damaged, 'bundle.tar'), tar);
    const bad = await runFerry(['verify', damaged], { env });
    assert.equal(bad.code, 1, bad.stdout);
    assert.match(bad.stdout + bad.stderr, new RegExp(`${webapp.digest} of chart webapp 0\\.1\\.0`));
  });

  test('the HTML review report shows each chart, its digests and the images it may need', async () => {
    const report = join(work, 'charts-review.html');
    const r = await runFerry(['inspect', dir, '--html', report], { env });
    assert.equal(r.code, 0, r.stderr);
    const html = readFileSync(report, 'utf8');
    assert.match(html, /<h2>Helm charts<\/h2>/);
    for (const chart of bundle.charts) {
      assert.ok(html.includes(chart.digest) && html.includes(chart.chartDigest), `${chart.name} digests`);
      for (const image of chart.images) assert.ok(html.includes(image), `${chart.name} may need ${image}`);
    }
  });

  test('ferry import --to pushes the charts where helm pull finds them; --charts-to writes the .tgz and .prov', async () => {
    const target = await startRegistry({ auth: 'none' });
    try {
      const out = join(work, 'charts-out');
      const r = await runFerry(['import', dir, '--to', `${target.host}/mirror`, '--insecure-registry', target.host, '--charts-to', out, '--report', join(work, 'report.json')], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`Chart webapp 0\\.1\\.0 → ${target.host}/mirror/charts/webapp:0\\.1\\.0`));
      for (const chart of bundle.charts) {
        const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${target.host}/mirror/charts/${chart.name}:${chart.version}`]);
        assert.equal(raw.code, 0, raw.stderr);
        assert.equal(sha256(Buffer.from(raw.stdout)), chart.digest, `${chart.name}: the manifest in the target is the carried one`);
        const doc = JSON.parse(raw.stdout) as { config: { mediaType: string }; layers: { mediaType: string; digest: string }[] };
        assert.equal(doc.config.mediaType, 'application/vnd.cncf.helm.config.v1+json');
        assert.equal(doc.layers[0]!.mediaType, 'application/vnd.cncf.helm.chart.content.v1.tar+gzip');
        const blob = await request(`${target.url}/v2/mirror/charts/${chart.name}/blobs/${chart.chartDigest}`);
        assert.equal(blob.statusCode, 200);
        const bytes = Buffer.from(await blob.body.arrayBuffer());
        assert.equal(sha256(bytes), chart.chartDigest, `${chart.name}: the chart layer fetched from the target matches`);
      }
      const report = JSON.parse(readFileSync(join(work, 'report.json'), 'utf8')) as { charts?: { name: string; target: string; digest: string }[] };
      assert.deepEqual(
        report.charts?.map((c) => [c.name, c.target, c.digest]).sort(),
        bundle.charts.map((c) => [c.name, `${target.host}/mirror/charts/${c.name}:${c.version}`, c.digest]).sort(),
        'the import report lists every chart pushed',
      );
      assert.deepEqual(readdirSync(out).sort(), ['ocichart-1.0.0.tgz', 'webapp-0.1.0.tgz', 'webapp-0.1.0.tgz.prov']);
      assert.ok(readFileSync(join(out, 'webapp-0.1.0.tgz')).equals(webapp.tgz));
      assert.ok(readFileSync(join(out, 'webapp-0.1.0.tgz.prov')).equals(webapp.prov!));
      assert.ok(readFileSync(join(out, 'ocichart-1.0.0.tgz')).equals(ocichart.tgz));
    } finally {
      await target.stop();
    }
  });

  test('--map applies to charts as to images: a rule on the chart source path, else on charts/<name>; shown by --dry-run and followed by the push', async () => {
    const offline = 'registry.offline:5000';
    const maps = ['--map', `${registry.host}/charts=${offline}/helm/oci`, '--map', 'charts=helm/all', '--map', 'charts/nothing=elsewhere'];
    const dry = await runFerry(['import', dir, '--to', `${offline}/mirror`, '--dry-run', ...maps], { env });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`chart ocichart 1\\.0\\.0\\s+${offline}/helm/oci/ocichart:1\\.0\\.0  \\(--map ${registry.host}/charts=${offline}/helm/oci\\)`));
    assert.match(dry.stdout, new RegExp(`chart webapp 0\\.1\\.0\\s+${offline}/helm/all/webapp:0\\.1\\.0  \\(--map charts=helm/all\\)`));
    assert.match(dry.stdout, new RegExp(`test/shared:1\\s+${offline}/mirror/test/shared:1@sha256:`), 'images keep their own mapping');
    const json = await runFerry(['import', dir, '--to', `${offline}/mirror`, '--dry-run', '--json', '--map', 'charts/webapp=apps/webapp-chart'], { env });
    assert.equal(json.code, 0, json.stderr);
    const report = (JSON.parse(json.stdout.trim().split('\n').at(-1)!) as { report: { charts?: { name: string; target: string; rule?: string }[] } }).report;
    assert.deepEqual(
      report.charts?.map((c) => [c.name, c.target, c.rule]).sort(),
      [
        ['ocichart', `${offline}/mirror/charts/ocichart:1.0.0`, undefined],
        ['webapp', `${offline}/apps/webapp-chart:0.1.0`, 'charts/webapp=apps/webapp-chart'],
      ],
      'an exact charts/<name> rule renames one chart; the other keeps PREFIX/charts/<name>',
    );
    const target = await startRegistry({ auth: 'none' });
    try {
      const r = await runFerry(['import', dir, '--to', target.host, '--insecure-registry', target.host, '--map', 'charts=helm', '--report', join(work, 'mapped.json')], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`Chart webapp 0\\.1\\.0 → ${target.host}/helm/webapp:0\\.1\\.0 .*\\(--map charts=helm\\)`));
      for (const chart of bundle.charts) {
        const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${target.host}/helm/${chart.name}:${chart.version}`]);
        assert.equal(raw.code, 0, raw.stderr);
        assert.equal(sha256(Buffer.from(raw.stdout)), chart.digest);
      }
    } finally {
      await target.stop();
    }
  });

  test('a YAML list file names images (with their own platforms), charts and files', async () => {
    const listDir = join(work, 'list');
    mkdirSync(listDir);
    writeFileSync(join(listDir, 'readme.txt'), 'carried beside the chart\n');
    writeFileSync(
      join(listDir, 'bundle.yaml'),
      [
        'images:',
        `  - ref: ${registry.host}/test/multi:1`,
        '    platforms: [linux/arm64]',
        `  - ${registry.host}/test/shared:1`,
        'charts:',
        `  - { repo: "${repo.url}", name: webapp, version: 0.1.0 }`,
        `  - oci://${registry.host}/charts/ocichart:1.0.0`,
        'files:',
        '  - readme.txt',
        '',
      ].join('\n'),
    );
    const out = join(work, 'from-list');
    const r = await runFerry(['bundle', '-f', join(listDir, 'bundle.yaml'), '--insecure-registry', registry.host, '-o', out], { env });
    assert.equal(r.code, 0, r.stderr);
    const b = readBundle(out);
    const multi = b.images.find((i) => i.repository === 'test/multi')!;
    assert.deepEqual(multi.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`), ['linux/arm64'], 'the per-image platform filter applies');
    assert.equal(multi.asPublished, false);
    assert.equal(b.images.find((i) => i.repository === 'test/shared')!.asPublished, true, 'other images keep every platform');
    assert.deepEqual(b.charts.map((c) => `${c.name}@${c.version}`), ['webapp@0.1.0', 'ocichart@1.0.0']);
    assert.deepEqual(b.files.map((f) => [f.name, f.size]), [['readme.txt', 25]]);
    assert.equal((await runFerry(['verify', out], { env })).code, 0);
  });

  test('an HTTP chart repository behind Basic auth takes --chart-username/--chart-password', async () => {
    const locked = await startHelmRepo([webapp], { auth: { username: 'helm', password: 's3cret' } });
    try {
      const denied = await runFerry(['bundle', '--chart', `${locked.url}/webapp@0.1.0`, '-o', join(work, 'locked-denied')], { env });
      assert.equal(denied.code, 1);
      assert.match(denied.stderr, /needs credentials \(HTTP 401\)\. Give the login with --chart-username/);
      const out = join(work, 'locked');
      const ok = await runFerry(['bundle', '--chart', `${locked.url}/webapp@0.1.0`, '--chart-username', 'helm', '--chart-password', 's3cret', '-o', out], { env });
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(readBundle(out).charts[0]!.chartDigest, webapp.digest);
    } finally {
      await locked.stop();
    }
  });

  test('a chart whose download does not match the index digest is refused, naming the chart', async () => {
    const r = await runFerry(['bundle', '--chart', `${repo.url}/broken@2.0.0`, '-o', join(work, 'broken')], { env });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /Chart broken 2\.0\.0 .* does not match the digest in .*index\.yaml/);
    assert.deepEqual(readdirSync(work).filter((n) => n === 'broken'), []);
  });
});
