import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import { makeTestBundle, type TestBundle } from '../../../e2e/harness/test-bundle.js';
import { checkManifestConsistency } from './check-manifest-consistency.js';

describe('checkManifestConsistency', () => {
  let bundle: TestBundle;
  before(async () => {
    bundle = await makeTestBundle({ parity: 1, split: '1MiB', bigLayers: 2 });
  });
  after(async () => {
    await bundle?.cleanup();
  });
  /** A deep copy of the real manifest, changed by `change`. */
  const forged = (change: (m: BundleManifest) => void): BundleManifest => {
    const m = structuredClone(bundle.manifest);
    change(m);
    return m;
  };
  const problems = (change: (m: BundleManifest) => void): string[] => checkManifestConsistency(forged(change));

  it('finds nothing wrong in a bundle the engine made (split, with parity)', () => {
    assert.ok(bundle.manifest.archive.parts.length > 1 && bundle.manifest.archive.parity);
    assert.deepEqual(checkManifestConsistency(bundle.manifest), []);
  });

  it('ties every identity field to the reference: the name a policy judges is the name the runtime gets', () => {
    const host = bundle.manifest.images[0]!.registry;
    const evil = problems((m) => {
      m.images[0]!.reference = 'docker.io/evil/miner:latest';
    });
    assert.ok(evil.some((p) => /registry says .*, the reference says docker\.io/.test(p)), evil.join('\n'));
    assert.ok(evil.some((p) => /source .* names .*, not this image/.test(p)));
    const repo = problems((m) => {
      m.images[0]!.repository = 'somewhere/else';
    });
    assert.match(repo.join('\n'), /images\[0\] .*: repository says somewhere\/else, the reference says test\/multi/);
    const tag = problems((m) => {
      m.images[0]!.tag = 'other';
    });
    assert.match(tag.join('\n'), /tag says other, the reference says 1/);
    const reg = problems((m) => {
      m.images[0]!.registry = '../../outside';
    });
    assert.match(reg.join('\n'), new RegExp(`registry says \\.\\./\\.\\./outside, the reference says ${host.replace(/[.:]/g, '\\$&')}`));
    const notCanonical = problems((m) => {
      m.images[2]!.reference = m.images[2]!.reference.replace(host, `${host}/`);
    });
    assert.ok(notCanonical.length > 0);
  });

  it('refuses control characters anywhere, keys and unknown fields included', () => {
    const found = problems((m) => {
      (m.images[0] as Record<string, unknown>).note = 'ok\u001b[2J';
      (m.tool as Record<string, unknown>)['x\u0007'] = 1;
      m.images[1]!.source = `${m.images[1]!.source}\u202e`;
    });
    assert.ok(found.some((p) => p.startsWith('bundle.json.images[0].note holds a control character: "ok\\u001b[2J"')), found.join('\n'));
    assert.ok(found.some((p) => /bundle\.json\.tool has a key holding a control character/.test(p)));
    assert.ok(found.some((p) => /images\[1\]\.source holds a control character/.test(p)));
    // messages never carry the raw character
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    assert.deepEqual(found.filter((p) => /[\u0000-\u001f\u202e]/.test(p)), []);
  });

  it('finds the control characters JSON text keeps raw (C1, bidi) in a bundle.json with no escape at all', () => {
    const found = problems((m) => {
      m.images[1]!.source = `${m.images[1]!.source}\u202e`;
      (m.tool as Record<string, unknown>)['x\u009b'] = 1;
    });
    assert.ok(found.some((p) => /images\[1\]\.source holds a control character/.test(p)), found.join('\n'));
    assert.ok(found.some((p) => /bundle\.json\.tool has a key holding a control character/.test(p)), found.join('\n'));
  });

  it('bounds every number by what the parts are', () => {
    const big = problems((m) => {
      m.archive.size = 2 ** 53 - 1;
    });
    assert.ok(big.some((p) => /archive\.size is 9007199254740991: far beyond/.test(p)));
    assert.ok(big.some((p) => /parts add up to/.test(p)));
    const shard = problems((m) => {
      m.archive.parity!.shardSize = 2 ** 52;
    });
    assert.ok(shard.some((p) => /shardSize is 4503599627370496; it must be the size of the largest data part/.test(p)));
    assert.ok(shard.some((p) => /parity\.parts\[0\] .* every parity part is/.test(p)));
    const blob = problems((m) => {
      m.blobs[0]!.size = m.archive.size + 1;
    });
    assert.match(blob.join('\n'), /larger than the whole archive/);
  });

  it('refuses anything listed twice, and parts that cannot be parts', () => {
    const twice = problems((m) => {
      m.blobs.push(m.blobs[0]!);
      m.images.push(m.images[0]!);
      m.archive.parts.push(m.archive.parts[0]!);
    });
    assert.ok(twice.some((p) => /blobs lists sha256:.* twice/.test(p)));
    assert.ok(twice.some((p) => /images lists .* twice/.test(p)));
    assert.ok(twice.some((p) => /archive lists the part bundle\.tar\.001 twice/.test(p)));
    for (const name of ['..', '.hidden', 'bundle.json', 'SHA256SUMS']) {
      const bad = problems((m) => {
        m.archive.parts[0]!.name = name;
      });
      assert.ok(bad.some((p) => p.includes(`names a file "${name}", which cannot be an archive file`)), `${name}: ${bad.join('\n')}`);
    }
  });

  it('takes missingPlatforms only as a subset of what was asked, each once, and never a platform carried', () => {
    // images[1] is test/shared:1 (linux/amd64 only), images[0] test/multi:1 (amd64, arm64/v8, arm/v7)
    const asked = (m: BundleManifest, missing: string[]): void => {
      m.platforms = ['linux/amd64', 'linux/arm64'];
      m.images[1]!.missingPlatforms = missing;
    };
    assert.deepEqual(problems((m) => asked(m, ['linux/arm64'])), [], 'a bundle that asked amd64 and arm64 of an amd64-only image');
    const notAsked = problems((m) => asked(m, ['linux/arm64', 'linux/s390x']));
    assert.match(notAsked.join('\n'), /images\[1\] .*: missingPlatforms lists linux\/s390x, which was not asked for \(asked: linux\/amd64, linux\/arm64\)/);
    const twice = problems((m) => asked(m, ['linux/arm64', 'linux/arm64']));
    assert.match(twice.join('\n'), /missingPlatforms lists linux\/arm64 twice/);
    const carried = problems((m) => {
      m.platforms = ['linux/amd64', 'linux/arm64', 'linux/s390x'];
      m.images[1]!.missingPlatforms = ['linux/amd64', 'linux/s390x'];
    });
    assert.match(carried.join('\n'), /missingPlatforms lists linux\/amd64, yet a carried manifest has it \(linux\/amd64\)/);
    // derivable the other way: arm64 was asked, nothing carried has it, so it must be listed
    assert.match(carried.join('\n'), /no carried manifest has linux\/arm64, which was asked for, yet missingPlatforms does not list it/);
    const every = problems((m) => {
      m.platforms = ['linux/arm64', 'linux/s390x'];
      m.images[1]!.missingPlatforms = ['linux/arm64', 'linux/s390x'];
    });
    assert.match(every.join('\n'), /missingPlatforms lists every platform asked for; an image with none of them is not bundled/);
    const nothingAsked = problems((m) => void (m.images[1]!.missingPlatforms = ['linux/arm64']));
    assert.match(nothingAsked.join('\n'), /missingPlatforms lists linux\/arm64, but no platforms were asked for/);
    const notCanonical = problems((m) => asked(m, ['LINUX/arm64']));
    assert.match(notCanonical.join('\n'), /missingPlatforms lists "LINUX\/arm64", which is not in the form Ferry writes \(linux\/arm64\)/);
    const empty = problems((m) => asked(m, []));
    assert.match(empty.join('\n'), /missingPlatforms is empty/);
    const control = problems((m) => asked(m, ['linux/arm64\u001b[2J']));
    assert.ok(control.some((p) => /images\[1\]\.missingPlatforms\[0\] holds a control character/.test(p)), control.join('\n'));
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    assert.deepEqual(control.filter((p) => /[\u0000-\u001f]/.test(p)), []);
  });

  it("judges an image's own platforms (requestedPlatforms) in place of the bundle's", () => {
    const own = (m: BundleManifest, requested: string[], missing?: string[]): void => {
      m.images[1]!.requestedPlatforms = requested;
      if (missing) m.images[1]!.missingPlatforms = missing;
    };
    // no bundle-wide platforms: the image's own list is what was asked
    assert.deepEqual(problems((m) => own(m, ['linux/amd64', 'windows/amd64:10.0.20348'], ['windows/amd64:10.0.20348'])), []);
    assert.match(problems((m) => own(m, ['linux/amd64', 'linux/arm64'])).join('\n'), /no carried manifest has linux\/arm64, which was asked for, yet missingPlatforms does not list it/);
    const bundleWide = problems((m) => {
      m.platforms = ['linux/arm64'];
      own(m, ['linux/amd64'], ['linux/arm64']);
    });
    assert.match(bundleWide.join('\n'), /missingPlatforms lists linux\/arm64, which was not asked for \(asked: linux\/amd64\)/);
    assert.match(problems((m) => own(m, ['linux/amd64', 'linux/amd64'])).join('\n'), /requestedPlatforms lists linux\/amd64 twice/);
    assert.match(problems((m) => own(m, [])).join('\n'), /requestedPlatforms is empty/);
    assert.match(problems((m) => own(m, ['linux'])).join('\n'), /requestedPlatforms lists "linux", which is not a platform/);
  });

  it('needs every carried digest among the blobs, and asPublished to mean what it says', () => {
    const missing = problems((m) => {
      m.blobs = m.blobs.filter((b) => b.digest !== m.images[0]!.digest);
    });
    assert.ok(missing.some((p) => /images\[0\] .*: sha256:.* is not in blobs/.test(p)));
    const published = problems((m) => {
      m.images[0]!.asPublished = true;
      m.images[0]!.originalDigest = `sha256:${'0'.repeat(64)}`;
    });
    assert.match(published.join('\n'), /asPublished is true, but digest/);
  });
});
