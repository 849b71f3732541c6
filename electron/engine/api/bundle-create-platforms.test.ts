// The app's bundle.create on the real host and a real registry: the platforms asked for mean "whichever of these each
// image publishes" (a warning event and `missingPlatforms` for what one lacks), and `allPlatformsRequired` is the strict
// rule, failing the job with `platform-not-found`.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir, removeDir, seedTestImages, startRegistry, type RegistryHandle, type SeededTestImages } from '../../../e2e/harness/index.js';
import type { CreateBundleSummary, JobMessage } from '../../../shared/api-contract.js';
import type { ProgressEvent } from '../../../shared/progress.js';
import { createApiHost } from './api-host.js';

let work: string;
let registry: RegistryHandle;
let images: SeededTestImages;
let host: ReturnType<typeof createApiHost>;

before(async () => {
  work = await makeTempDir('ferry-api-platforms');
  registry = await startRegistry();
  images = await seedTestImages(registry);
  host = createApiHost();
  const set = await host.invoke('settings.setOptions', { cacheDir: join(work, 'cache') });
  assert.ok(set.ok, JSON.stringify(set));
});
after(async () => {
  await host?.close();
  await registry?.stop();
  if (work) await removeDir(work);
});

/** Starts bundle.create and resolves its progress events and its final message (every message is kept from the start). */
async function create(input: Record<string, unknown>): Promise<{ events: ProgressEvent[]; final: JobMessage }> {
  const messages: JobMessage[] = [];
  let wake = (): void => undefined;
  const unsubscribe = host.subscribe((m) => {
    messages.push(m);
    wake();
  });
  try {
    const started = await host.invoke('bundle.create', { insecureRegistries: [registry.host], ...input } as never);
    assert.ok(started.ok, JSON.stringify(started));
    const jobId = (started.result as { jobId: string }).jobId;
    const finalOf = (): JobMessage | undefined => messages.find((m) => m.jobId === jobId && !('event' in m));
    while (!finalOf()) await new Promise<void>((resolve) => (wake = resolve));
    const events = messages.filter((m): m is Extract<JobMessage, { event: ProgressEvent }> => m.jobId === jobId && 'event' in m).map((m) => m.event);
    return { events, final: finalOf()! };
  } finally {
    unsubscribe();
  }
}

describe('bundle.create and the platform rule', () => {
  test('an image lacking some platforms asked is carried without them: a warning naming it, and missingPlatforms', async () => {
    const { events, final } = await create({ images: [images.multi.fullRef, images.shared.fullRef], outputDir: join(work, 'lenient'), platforms: ['linux/amd64', 'linux/arm64'] });
    assert.ok('result' in final, JSON.stringify(final));
    const summary = final.result as CreateBundleSummary;
    assert.deepEqual(summary.manifest.images.map((i) => [i.repository, i.missingPlatforms]), [
      ['test/multi', undefined],
      ['test/shared', ['linux/arm64']],
    ]);
    // the platform warnings (others, such as two images sharing a tag, may come too)
    const warnings = events.filter((e): e is Extract<ProgressEvent, { kind: 'warning' }> => e.kind === 'warning' && e.message.includes('nodes of'));
    assert.deepEqual(warnings.map((w) => w.subject), [images.shared.fullRef], JSON.stringify(warnings));
    assert.match(warnings[0]!.message, /has no linux\/arm64 \(it has linux\/amd64\): it is carried without it/);
    assert.doesNotMatch(warnings[0]!.message, /--/, 'the engine names no CLI flag');
  });

  test('allPlatformsRequired fails the job naming the image and what it has', async () => {
    const { final } = await create({ images: [images.multi.fullRef, images.shared.fullRef], outputDir: join(work, 'strict'), platforms: ['linux/amd64', 'linux/arm64'], allPlatformsRequired: true });
    assert.ok('error' in final, JSON.stringify(final));
    assert.equal(final.error.code, 'platform-not-found');
    assert.equal(final.error.message, `Image "${images.shared.fullRef}" has no linux/arm64; it has linux/amd64.`);
  });
});
