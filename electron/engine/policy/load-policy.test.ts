// Policy files: the YAML Ferry accepts, and every way one can be wrong, each error naming the
// file and the field. Registry host patterns.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir, rejectsWith, removeDir } from '../../../e2e/harness/index.js';
import { loadPolicy, parsePolicy } from '../index.js';
import { globMatches, isHostPattern, registryMatches } from './host-pattern.js';

let work: string;
before(async () => {
  work = await makeTempDir('ferry-policy');
});
after(async () => {
  if (work) await removeDir(work);
});

const write = (name: string, text: string): string => {
  const file = join(work, name);
  writeFileSync(file, text);
  return file;
};

describe('loadPolicy', () => {
  test('the example policy in docs/ loads, every rule read', async () => {
    const file = fileURLToPath(new URL('../../../docs/policy.example.yaml', import.meta.url));
    const policy = await loadPolicy(file);
    assert.deepEqual(policy, {
      file,
      allowedRegistries: ['registry.corp.example', '*.corp.example', 'docker.io'],
      requireDigest: true,
      forbiddenTags: ['latest', '*-dev'],
      requiredPlatforms: ['linux/amd64'],
      maxBundleSize: 20 * 1024 ** 3,
      minSignatures: 1,
      minApprovals: 1,
      requireCosignSignature: false,
    });
  });

  test('sizes in every form; platforms in canonical form; absent rules take their neutral defaults', () => {
    const policy = parsePolicy('maxBundleSize: 700MB\nrequiredPlatforms: [LINUX/ARM64/v8, "windows/amd64:ltsc2022"]\n', 'p.yaml');
    assert.deepEqual(policy, {
      file: 'p.yaml',
      requireDigest: false,
      forbiddenTags: [],
      requiredPlatforms: ['linux/arm64/v8', 'windows/amd64:10.0.20348'],
      maxBundleSize: 700_000_000,
      minSignatures: 0,
      minApprovals: 0,
      requireCosignSignature: false,
    });
    assert.equal(parsePolicy('requireCosignSignature: true\n', 'p.yaml').requireCosignSignature, true);
    assert.equal(parsePolicy('maxBundleSize: 21474836480\n', 'p.yaml').maxBundleSize, 20 * 1024 ** 3);
    assert.equal(parsePolicy('maxBundleSize: fat32\n', 'p.yaml').maxBundleSize, 4 * 1024 ** 3 - 1);
  });

  test('malformed YAML: the file and the line are named', async () => {
    const file = write('broken.yaml', 'allowedRegistries:\n  - a.example\n requireDigest: true\n  - [unclosed\n');
    const error = await rejectsWith(loadPolicy(file), 'bad-usage', /^Policy file .*broken\.yaml is not valid: it is not valid YAML: .*line 3/);
    assert.equal(error.subject, file);
  });

  test('a duplicated field is malformed YAML', () => {
    assert.throws(() => parsePolicy('requireDigest: true\nrequireDigest: false\n', 'dup.yaml'), /dup\.yaml is not valid: it is not valid YAML: Map keys must be unique/);
  });

  test('unknown fields are named, with the known ones (a typo never switches a rule off)', async () => {
    const file = write('typo.yaml', 'requireDigests: true\nforbiddenTag: [latest]\nminSignatures: 1\n');
    await rejectsWith(
      loadPolicy(file),
      'bad-usage',
      /typo\.yaml is not valid: unknown field "requireDigests", unknown field "forbiddenTag" \(known fields: version, allowedRegistries, requireDigest, forbiddenTags, requiredPlatforms, maxBundleSize, minSignatures, minApprovals, requireCosignSignature\)\.$/,
    );
  });

  test('every bad value is named by its field, all in one error', () => {
    const text = [
      'version: 2',
      'allowedRegistries: ["https://registry.corp.example/team", ok.example]',
      'requireDigest: yes',
      'forbiddenTags: [latest, "bad tag"]',
      'requiredPlatforms: [linux/amd64, linux]',
      'maxBundleSize: twenty gigs',
      'minSignatures: -1',
      'minApprovals: 1.5',
      '',
    ].join('\n');
    let message = '';
    try {
      parsePolicy(text, 'values.yaml');
    } catch (error) {
      message = (error as Error).message;
    }
    assert.match(message, /^Policy file values\.yaml is not valid: /);
    for (const expected of [
      'version: expected 1 (the only policy format this Ferry reads)',
      'allowedRegistries[0]: "https://registry.corp.example/team" is not a registry host pattern',
      'requireDigest: expected true or false',
      'forbiddenTags[1]: expected a tag or a tag pattern with *',
      'requiredPlatforms[1]: invalid platform "linux"',
      'maxBundleSize: "twenty gigs" is not a size of at least 1 MiB',
      'minSignatures: expected 0 or more',
      'minApprovals: expected a whole number',
    ]) {
      assert.ok(message.includes(expected), `${expected}\n  not in: ${message}`);
    }
    assert.ok(!message.includes('ok.example'), 'good entries are not blamed');
  });

  test('an empty file, a list, a missing file and a folder are refused, naming the file', async () => {
    await rejectsWith(loadPolicy(write('empty.yaml', '# nothing\n')), 'bad-usage', /empty\.yaml is not valid: it is empty; a policy names at least one rule/);
    await rejectsWith(loadPolicy(write('list.yaml', '- requireDigest: true\n')), 'bad-usage', /list\.yaml is not valid: it must be a mapping of rules .*, not a list/);
    await rejectsWith(loadPolicy(join(work, 'absent.yaml')), 'bad-usage', /Cannot read policy file .*absent\.yaml: ENOENT/);
    mkdirSync(join(work, 'dir.yaml'));
    await rejectsWith(loadPolicy(join(work, 'dir.yaml')), 'bad-usage', /Cannot read policy file .*dir\.yaml: EISDIR/);
  });
});

describe('registry host patterns', () => {
  test('exact names, case-insensitive; a pattern without a port allows any port of that host', () => {
    assert.ok(registryMatches('registry.corp.example', 'registry.corp.example'));
    assert.ok(registryMatches('Registry.Corp.Example', 'registry.corp.example:5000'));
    assert.ok(!registryMatches('registry.corp.example', 'registry.corp.example.evil.test'));
    assert.ok(!registryMatches('registry.corp.example', 'evilregistry.corp.example'));
  });

  test('a port in the pattern must match; :* allows any', () => {
    assert.ok(registryMatches('127.0.0.1:5000', '127.0.0.1:5000'));
    assert.ok(!registryMatches('127.0.0.1:5000', '127.0.0.1:5001'));
    assert.ok(!registryMatches('127.0.0.1:5000', '127.0.0.1'));
    assert.ok(registryMatches('127.0.0.1:*', '127.0.0.1:5001'));
    assert.ok(registryMatches('[::1]:5000', '[::1]:5000'));
    assert.ok(registryMatches('[::1]', '[::1]:5000'));
  });

  test('* globs: *.corp.example matches its subdomains, not the domain itself nor look-alikes', () => {
    assert.ok(registryMatches('*.corp.example', 'a.corp.example'));
    assert.ok(registryMatches('*.corp.example', 'a.b.corp.example:443'));
    assert.ok(!registryMatches('*.corp.example', 'corp.example'));
    assert.ok(!registryMatches('*.corp.example', 'a.corp.example.evil.test'));
    assert.ok(!registryMatches('*.corp.example', 'acorp.example'));
    assert.ok(registryMatches('*', 'anything.example:1'));
  });

  test("Docker Hub's aliases are docker.io", () => {
    assert.ok(registryMatches('docker.io', 'docker.io'));
    assert.ok(registryMatches('index.docker.io', 'docker.io'));
    assert.ok(registryMatches('registry-1.docker.io', 'docker.io'));
    assert.ok(!registryMatches('docker.io', 'ghcr.io'));
  });

  test('what counts as a pattern', () => {
    for (const good of ['registry.corp.example', '*.corp.example', 'host:5000', 'localhost', '[::1]:5000', '*', '10.0.0.*:*']) assert.ok(isHostPattern(good), good);
    for (const bad of ['https://x.example', 'x.example/team', '', 'a b', 'host:port', '-x.example']) assert.ok(!isHostPattern(bad), bad);
  });

  test('tag globs: * is any run of characters, nothing else is special', () => {
    assert.ok(globMatches('latest', 'latest'));
    assert.ok(!globMatches('latest', 'latest2'));
    assert.ok(globMatches('*-dev', '1.2-dev'));
    assert.ok(!globMatches('1.0', '1x0'), 'a dot is a dot');
  });
});
