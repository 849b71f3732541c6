// `ferry inspect --html`: one self-contained review page, proven by what it holds and by Chromium printing it.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { renderHtmlReport } from '../../electron/engine/index.js';
import { makeTestBundle, printToPdf, type TestBundle } from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';

let bundle: TestBundle;

before(async () => {
  // test/windows has foreign layers that are left out: the report must say so
  bundle = await makeTestBundle({ images: ['test/multi:1', 'test/single:1.0', 'test/windows:ltsc'] });
});
after(() => bundle?.cleanup());

describe('ferry inspect --html', () => {
  test('writes one self-contained page with every image, digest, platform, foreign layer and part', async () => {
    const report = join(bundle.work, 'review.html');
    const r = await runFerry(['inspect', bundle.dir, '--html', report]);
    assert.equal(r.code, 0, r.stderr);
    const html = readFileSync(report, 'utf8');
    // self-contained: no scripts, no external or linked resources, and a CSP that forbids loading any
    assert.doesNotMatch(html, /<script|<link|<img|<iframe|\ssrc=|\shref=|url\(/i);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/);
    assert.match(html, /@media print/);
    for (const image of bundle.manifest.images) {
      assert.ok(html.includes(image.reference), image.reference);
      assert.ok(html.includes(image.originalDigest), `${image.reference} original digest`);
      assert.ok(html.includes(image.digest), `${image.reference} carried digest`);
    }
    assert.ok(html.includes('windows/amd64:10.0.20348.2340'));
    assert.ok(html.includes('left out'), 'foreign layers left out are shown');
    for (const part of bundle.manifest.archive.parts) assert.ok(html.includes(part.sha256));
    assert.ok(html.includes(bundle.manifest.id));
  });

  test('Chromium prints it to PDF', async () => {
    const report = join(bundle.work, 'print.html');
    assert.equal((await runFerry(['inspect', bundle.dir, '--html', report])).code, 0);
    const pdf = join(bundle.work, 'review.pdf');
    const r = await printToPdf(report, pdf, join(bundle.work, 'chromium-profile'));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(statSync(pdf).size > 1000);
    assert.equal(readFileSync(pdf).subarray(0, 5).toString(), '%PDF-');
  });

  test('escapes whatever the bundle says, and shows the checks it was given', () => {
    const manifest = structuredClone(bundle.manifest);
    manifest.images[0]!.source = '<script>alert(1)</script>"&';
    manifest.images[0]!.digest = `sha256:${'b'.repeat(64)}`;
    const html = renderHtmlReport({
      manifest,
      bundleSha256: 'a'.repeat(64),
      warnings: ['<b>warn</b>'],
      generated: '2026-11-23T00:00:00Z',
      trust: { ok: false, signatures: [], problems: ['No signature by a trusted key.'] },
      policy: { ok: false, file: 'policy.yaml', violations: [{ rule: 'forbiddenTags', subject: 'x', message: 'tag latest is forbidden' }] },
    });
    assert.ok(!html.includes('<script>alert'));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;'));
    assert.ok(html.includes('&lt;b&gt;warn&lt;/b&gt;'));
    assert.match(html, /Signatures<\/span><strong>FAIL/);
    assert.match(html, /Policy<\/span><strong>FAIL/);
    assert.ok(html.includes('tag latest is forbidden'));
    assert.ok(html.includes('platforms filtered') && html.includes(`carried <code class="digest">sha256:${'b'.repeat(64)}`));
  });
});
