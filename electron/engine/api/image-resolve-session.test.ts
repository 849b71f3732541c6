import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pushManifest, seedTestImages, startRegistry, type RegistryHandle, type SeededTestImages } from '../../../e2e/harness/index.js';
import type { ImageResolveResult } from '../../../shared/api-contract.js';
import { mapLimit } from '../util/map-limit.js';
import { createApiHost } from './api-host.js';
import { createSessionSettings } from './session-settings.js';

describe('image.resolve reuses one session registry client (Bearer-token registry)', () => {
  let registry: RegistryHandle;
  let seeded: SeededTestImages;
  const extraTags = ['2', '3', '4', '5', '6', '7', '8', '9'];

  before(async () => {
    registry = await startRegistry({ auth: 'token' });
    seeded = await seedTestImages(registry);
    const target = { url: registry.url, username: registry.username!, password: registry.password!, dispatcher: registry.dispatcher };
    // many rows on one registry: the same image under more tags, like a long Prepare list
    for (const tag of extraTags) await pushManifest(target, 'test/multi', tag, seeded.multi.manifest.bytes, seeded.multi.mediaType);
  });
  after(async () => {
    await registry?.stop();
  });

  test('N resolves fetch one token per repository scope, not one per resolve; a settings change makes a fresh client', async () => {
    const settings = createSessionSettings({ fallbackCredentials: async () => undefined });
    settings.setRegistry({ host: registry.host, username: registry.username!, password: registry.password!, insecure: true });
    const host = createApiHost({ settings });
    try {
      const refs = [...extraTags.map((t) => `${registry.host}/test/multi:${t}`), `${registry.host}/test/shared:1`, `${registry.host}/test/single:1.0`, `${registry.host}/test/shared:1`, `${registry.host}/test/single:1.0`];
      const tokens = registry.tokenServer!;
      const before = tokens.tokenRequests;
      // the Prepare wizard resolves 4 at a time
      const results = await mapLimit(refs, 4, async (reference) => {
        const outcome = await host.invoke('image.resolve', { reference });
        assert.ok(outcome.ok, JSON.stringify(outcome));
        return outcome.result as ImageResolveResult;
      });
      results.forEach((r, i) => {
        const expected = refs[i]!.includes('multi') ? seeded.multi : refs[i]!.includes('shared') ? seeded.shared : seeded.single;
        assert.equal(r.digest, expected.digest, refs[i]);
      });
      const fetched = tokens.requests.slice(before);
      const scopes = fetched.map((r) => r.scopes.join(' '));
      // three repositories, 12 resolves: each scope once (two resolves racing for a scope share one fetch)
      assert.deepEqual([...scopes].sort(), ['repository:test/multi:pull', 'repository:test/shared:pull', 'repository:test/single:pull'], `token requests: ${scopes.join(', ')}`);
      assert.ok(fetched.every((r) => r.user === registry.username && r.status === 200));

      // the same again: no token fetched at all
      const again = tokens.tokenRequests;
      for (const reference of refs.slice(0, 4)) assert.ok((await host.invoke('image.resolve', { reference })).ok);
      assert.equal(tokens.tokenRequests, again, 'a later resolve reuses the cached tokens');

      // a login change retires the old client: the next resolve logs in anew with the new settings
      settings.setRegistry({ host: registry.host, username: registry.username!, password: registry.password!, insecure: true });
      const changed = tokens.tokenRequests;
      assert.ok((await host.invoke('image.resolve', { reference: refs[0]! })).ok);
      assert.equal(tokens.tokenRequests, changed + 1, 'a new client after the settings changed');

      // a wrong password after the change is used (not a stale cached token)
      settings.setRegistry({ host: registry.host, username: registry.username!, password: 'wrong-password', insecure: true });
      const refused = await host.invoke('image.resolve', { reference: refs[1]! });
      assert.equal(refused.ok, false);
    } finally {
      await host.close();
    }
    // closed with the host: nothing is resolved any more
    const late = await host.invoke('image.resolve', { reference: `${registry.host}/test/multi:2` });
    assert.equal(late.ok, false);
    if (!late.ok) assert.equal(late.error.code, 'cancelled');
  });
});
