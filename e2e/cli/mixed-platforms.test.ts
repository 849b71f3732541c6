// One bundle for a cluster of Linux and Windows, amd64 and arm64 nodes: `ferry bundle --platform` carries whichever of
// the platforms each image publishes, warns about what it lacks and records it (`missingPlatforms`); `ferry inspect`
// shows it; skopeo and ctr read the result; `--all-platforms-required` and a policy's `requiredPlatforms` are the strict
// rule. The real CLI as a child process against a real docker-registry on loopback.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createHash } from 'node:crypto';
import {
  makeTempDir,
  removeDir,
  seedTestImages,
  skopeo,
  startContainerd,
  startRegistry,
  type ContainerdHandle,
  type RegistryHandle,
  type SeededTestImages,
} from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';
import type { BundleManifest, ImageRecord } from '../../shared/bundle-manifest.js';

let work: string;
let registry: RegistryHandle;
let images: SeededTestImages;
let env: NodeJS.ProcessEnv;

const PLATFORMS = ['--platform', 'linux/amd64', '--platform', 'linux/arm64', '--platform', 'windows/amd64:ltsc2022'];

before(async () => {
  work = await makeTempDir('ferry-e2e-mixed-platforms');
  mkdirSync(join(work, 'home'));
  env = { HOME: join(work, 'home'), XDG_CACHE_HOME: join(work, 'cache'), DOCKER_CONFIG: join(work, 'home', '.docker'), XDG_RUNTIME_DIR: join(work, 'home') };
  registry = await startRegistry({ auth: 'none' });
  images = await seedTestImages(registry);
});
after(async () => {
  await registry?.stop();
  if (work) await removeDir(work);
});

const readBundle = (dir: string): BundleManifest => JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as BundleManifest;
const sha256 = (b: string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const platformsOf = (i: ImageRecord): string[] => i.manifests.map((m) => `${m.platform!.os}/${m.platform!.architecture}${m.platform!.variant ? `/${m.platform!.variant}` : ''}${m.platform!.osVersion ? `:${m.platform!.osVersion}` : ''}`);

describe('a mixed Linux and Windows list for amd64, arm64 and ltsc2022 nodes', () => {
  let dir: string;
  let bundle: BundleManifest;
  let stdout: string;
  let stderr: string;
  let containerd: ContainerdHandle;
  const byRepo = (repo: string): ImageRecord => bundle.images.find((i) => i.repository === repo)!;

  before(async () => {
    dir = join(work, 'mixed');
    const r = await runFerry(['bundle', images.multi.fullRef, images.shared.fullRef, images.windows.fullRef, ...PLATFORMS, '-o', dir, '--insecure-registry', registry.host], { env });
    assert.equal(r.code, 0, r.stderr);
    ({ stdout, stderr } = r);
    bundle = readBundle(dir);
    containerd = await startContainerd();
  });
  after(async () => {
    await containerd?.stop();
  });

  test('builds: each image carries what it has, and bundle.json records what it lacks', () => {
    assert.deepEqual(platformsOf(byRepo('test/multi')), ['linux/amd64', 'linux/arm64/v8']);
    assert.deepEqual(platformsOf(byRepo('test/shared')), ['linux/amd64']);
    assert.deepEqual(platformsOf(byRepo('test/windows')), ['windows/amd64:10.0.20348.2340', 'linux/amd64']);
    assert.deepEqual(byRepo('test/multi').missingPlatforms, ['windows/amd64:10.0.20348']);
    assert.deepEqual(byRepo('test/shared').missingPlatforms, ['linux/arm64', 'windows/amd64:10.0.20348']);
    assert.deepEqual(byRepo('test/windows').missingPlatforms, ['linux/arm64']);
  });

  test('the terminal warns once per lacking image, naming it, what it lacks and what it has; the summary says so', () => {
    const warnings = stderr.split('\n').filter((l) => l.startsWith('warning: Image'));
    assert.equal(warnings.length, 3, stderr);
    assert.ok(warnings.includes(`warning: Image "${images.shared.fullRef}" has no linux/arm64, windows/amd64:10.0.20348 (it has linux/amd64): it is carried without them, so nodes of those platforms cannot run it.`), stderr);
    assert.ok(warnings.some((w) => w.includes(`"${images.windows.fullRef}" has no linux/arm64 (it has windows/amd64:10.0.17763.5458, windows/amd64:10.0.20348.2340`)), stderr);
    assert.match(stdout, /IMAGE +DIGEST +PLATFORMS +MISSING +SIZE/);
    assert.match(stdout, /3 image\(s\) lack a platform asked for and are carried without it .*--all-platforms-required makes this an error\./);
  });

  test('ferry inspect shows the missing platforms per image, as text and as --json', async () => {
    const text = await runFerry(['inspect', dir], { env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /platforms: linux\/amd64, linux\/arm64, windows\/amd64:10\.0\.20348/);
    const row = text.stdout.split('\n').find((l) => l.startsWith(`${images.shared.fullRef} `))!;
    assert.match(row, /linux\/amd64 +linux\/arm64, windows\/amd64:10\.0\.20348 +/);
    assert.match(text.stdout, new RegExp(`${images.windows.fullRef.replace(/[.]/g, '\\.')}\\n(?: {4}.*\\n)*? {4}missing  linux/arm64 \\(asked for, not published: nodes of that platform cannot run it\\)`));
    assert.match(text.stdout, /warning: \S+test\/shared:1 lacks linux\/arm64, windows\/amd64:10\.0\.20348: the image does not publish them/);
    const json = await runFerry(['inspect', dir, '--json'], { env });
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { bundle: BundleManifest; warnings: string[]; missingPlatforms: { image: string; missing: string[] }[] };
    assert.deepEqual(parsed.missingPlatforms, [
      { image: images.multi.fullRef, missing: ['windows/amd64:10.0.20348'] },
      { image: images.shared.fullRef, missing: ['linux/arm64', 'windows/amd64:10.0.20348'] },
      { image: images.windows.fullRef, missing: ['linux/arm64'] },
    ]);
    assert.deepEqual(
      parsed.bundle.images.map((i) => [i.repository, i.missingPlatforms]),
      [
        ['test/multi', ['windows/amd64:10.0.20348']],
        ['test/shared', ['linux/arm64', 'windows/amd64:10.0.20348']],
        ['test/windows', ['linux/arm64']],
      ],
    );
    assert.equal(parsed.warnings.filter((w) => w.includes(' lacks ')).length, 3);
  });

  test('the HTML report shows them in the images table', async () => {
    const html = join(work, 'mixed.html');
    const r = await runFerry(['inspect', dir, '--html', html], { env });
    assert.equal(r.code, 0, r.stderr);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /<span class="tag bad">missing<\/span> <span class="missing-platform">linux\/arm64<\/span>, <span class="missing-platform">windows\/amd64:10\.0\.20348<\/span>/);
  });

  test('skopeo reads the filtered OCI index byte for byte, and every image through docker-archive:', async () => {
    const tar = join(dir, 'bundle.tar');
    // `1` names test/multi:1 and test/shared:1; skopeo takes the first, multi's new index of amd64 and arm64
    const raw = await skopeo(['inspect', '--raw', `oci-archive:${tar}:1`]);
    assert.equal(raw.code, 0, raw.stderr);
    assert.equal(sha256(raw.stdout), byRepo('test/multi').digest);
    const wanted = images.multi.platforms.filter((p) => p.platform.architecture !== 'arm').map((p) => p.manifest.digest);
    assert.deepEqual((JSON.parse(raw.stdout) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest), wanted);
    // docker-archive: (the docker load half) gives each image's linux/amd64, the Windows list's too
    for (const image of bundle.images) {
      const docker = await skopeo(['inspect', `docker-archive:${tar}:${image.reference}`]);
      assert.equal(docker.code, 0, `${image.reference}: ${docker.stderr}`);
      assert.deepEqual((JSON.parse(docker.stdout) as { Os: string; Architecture: string }).Architecture, 'amd64');
    }
  });

  test('ctr images import loads every image under its carried digest', async () => {
    const imported = await containerd.ctr(['images', 'import', '--all-platforms', '--no-unpack', join(dir, 'bundle.tar')]);
    assert.equal(imported.code, 0, imported.stderr);
    const ls = await containerd.ctr(['images', 'ls']);
    for (const image of bundle.images) {
      const line = ls.stdout.split('\n').find((l) => l.startsWith(`${image.reference} `));
      assert.ok(line?.includes(image.digest), `${image.reference} at ${image.digest}:\n${ls.stdout}`);
    }
  });

  test('a policy requiring linux/arm64 fails verify, naming each image without it and the platform', async () => {
    const policy = join(work, 'arm64.yaml');
    writeFileSync(policy, 'version: 1\nrequiredPlatforms: [linux/arm64]\n');
    const r = await runFerry(['verify', dir, '--policy', policy, '--json'], { env });
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout.split('\n').find((l) => l.includes('"type":"result"'))!) as { policy: { ok: boolean; violations: { rule: string; subject: string; message: string }[] } };
    assert.equal(report.policy.ok, false);
    assert.deepEqual(report.policy.violations.map((v) => [v.rule, v.subject]), [
      ['requiredPlatforms', images.shared.fullRef],
      ['requiredPlatforms', images.windows.fullRef],
    ]);
    assert.match(report.policy.violations[1]!.message, /test\/windows:ltsc does not carry linux\/arm64, which the policy requires .* It was bundled without linux\/arm64: the image does not publish it/);
    const text = await runFerry(['verify', dir, '--policy', policy], { env });
    assert.equal(text.code, 1);
    assert.match(text.stdout, /test\/shared:1 does not carry linux\/arm64/);
    // the platforms every image has pass
    writeFileSync(policy, 'version: 1\nrequiredPlatforms: [linux/amd64]\n');
    assert.equal((await runFerry(['verify', dir, '--policy', policy], { env })).code, 0);
  });
});

describe('the strict rule and images with none of the platforms', () => {
  test('--all-platforms-required fails naming the image and what it has; nothing is left', async () => {
    const dir = join(work, 'strict');
    const r = await runFerry(['bundle', images.multi.fullRef, images.shared.fullRef, '--platform', 'linux/amd64', '--platform', 'linux/arm64', '--all-platforms-required', '-o', dir, '--insecure-registry', registry.host], { env });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes(`Image "${images.shared.fullRef}" has no linux/arm64; it has linux/amd64.`), r.stderr);
    assert.ok(!existsSync(join(dir, 'bundle.json')));
  });

  test('an image with none of them fails naming its platforms, even with others that have them (--json: exit 1, the error)', async () => {
    const dir = join(work, 'none');
    const r = await runFerry(['bundle', images.multi.fullRef, images.single.fullRef, '--platform', 'linux/arm64', '--platform', 'windows/amd64:ltsc2022', '-o', dir, '--insecure-registry', registry.host, '--json'], { env });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes(`ferry: error: Image "${images.single.fullRef}" has no linux/arm64, windows/amd64:10.0.20348; it has linux/amd64.`), r.stderr);
    const error = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { type: string; error: { code: string; subject?: string } };
    assert.deepEqual([error.type, error.error.code, error.error.subject], ['error', 'platform-not-found', images.single.fullRef]);
    assert.ok(!existsSync(join(dir, 'bundle.json')));
  });

  test('--json: each warning is a JSON line on stderr naming the image', async () => {
    const dir = join(work, 'json');
    const r = await runFerry(['bundle', images.multi.fullRef, images.shared.fullRef, '--platform', 'linux/amd64', '--platform', 'linux/arm64', '-o', dir, '--insecure-registry', registry.host, '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const events = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { type: string; kind?: string; subject?: string; message?: string });
    const warnings = events.filter((e) => e.kind === 'warning' && e.message?.includes('nodes of'));
    assert.deepEqual(warnings.map((w) => w.subject), [images.shared.fullRef]);
    assert.match(warnings[0]!.message!, /has no linux\/arm64 \(it has linux\/amd64\)/);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { bundle: BundleManifest };
    assert.deepEqual(result.bundle.images.map((i) => i.missingPlatforms), [undefined, ['linux/arm64']]);
  });
});
