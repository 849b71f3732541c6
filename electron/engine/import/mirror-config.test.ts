// The containerd hosts.toml files and the k3s registries.yaml `ferry import --mirror-config DIR` writes, against
// hostile source registries (a bundle is hostile input): a registry that climbs out of DIR, one whose line breaks
// would add a [host] table, a DIR/<registry> that is a link elsewhere. Real folders; the YAML read back by `yaml`.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { makeTempDir, removeDir } from '../../../e2e/harness/index.js';
import { FerryError } from '../errors/ferry-error.js';
import { hostsToml, mirrorConfigText, writeMirrorConfig, type MirroredRepository, type MirrorTarget } from './mirror-config.js';

let work: string;
before(async () => {
  work = await makeTempDir('ferry-mirror-config');
});
after(async () => {
  await removeDir(work);
});

const target: MirrorTarget = { registry: 'registry.local:5000', scheme: 'http' };
const repo = (sourceRegistry: string, sourceRepository = 'team/app', targetRepository = `mirror/${sourceRepository}`): MirroredRepository => ({
  sourceRegistry,
  sourceRepository,
  targetRepository,
});

/** Every path below `dir` (folders and files), relative to it, sorted: what a write may have added. */
async function listing(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) out.push(relative(dir, join(entry.parentPath, entry.name)));
  return out.sort();
}

/** The hostile registry strings a red team put in `images[].registry`. */
const HOSTILE: [string, string][] = [
  ['a path out of DIR', '../../outside'],
  ['a deeper path out of DIR (into the test folder)', '../../../../escaped'],
  ['an absolute path', '/etc/containerd/certs.d/evil'],
  ['a host then a path', 'evil.example/../..'],
  ['a line break adding a [host] table', 'evil.example"]\n[host."http://attacker.example:5000"]\n  capabilities = ["pull", "resolve"]\n#'],
  ['a bare line break', 'evil.example\nserver = "http://attacker.example"'],
  ['a dot-dot name', '..'],
  ['an empty name', ''],
];

describe('mirror configuration from a hostile bundle', () => {
  for (const [what, registry] of HOSTILE) {
    test(`${what}: refused by name, and nothing is written inside or outside DIR`, async () => {
      const parent = join(work, `case-${HOSTILE.findIndex(([w]) => w === what)}`);
      const dir = join(parent, 'level-1', 'level-2', 'mirror');
      await mkdir(dir, { recursive: true });
      const before = await listing(work);
      // a good registry alongside: the bad one must stop the whole write, not be skipped silently
      const repos = [repo('registry.example.com'), repo(registry)];
      assert.throws(() => mirrorConfigText(repos, target), (error: unknown) => {
        assert.ok(error instanceof FerryError);
        assert.equal(error.code, 'bad-bundle');
        assert.ok(error.message.includes(JSON.stringify(registry)), error.message);
        assert.ok(!error.message.includes('\n'), 'the message quotes the value escaped, on one line');
        return true;
      });
      await assert.rejects(writeMirrorConfig(dir, repos, target), { code: 'bad-bundle' });
      assert.deepEqual(await listing(work), before, 'no file or folder added anywhere');
      assert.throws(() => hostsToml(registry, '', target), { code: 'bad-bundle' });
    });
  }

  test('DIR/<registry> already a link to a folder outside DIR: refused, nothing written through it', async () => {
    const dir = join(work, 'linked', 'mirror');
    const elsewhere = join(work, 'linked', 'elsewhere');
    await mkdir(dir, { recursive: true });
    await mkdir(elsewhere);
    await symlink(elsewhere, join(dir, 'registry.example.com'));
    await assert.rejects(writeMirrorConfig(dir, [repo('registry.example.com')], target), (error: unknown) => {
      assert.ok(error instanceof FerryError);
      assert.match(error.message, /registry\.example\.com.*is a symbolic link/);
      return true;
    });
    assert.deepEqual(await readdir(elsewhere), []);
  });

  test('values that need escaping (a CA path with quotes and a line break) stay values: one [host] table, and YAML reads back exactly', async () => {
    const caFile = '/etc/ca "x"\n[host."http://attacker.example"]\\.pem';
    const withCa: MirrorTarget = { registry: 'registry.local:5000', scheme: 'https', skipVerify: true, caFile };
    const toml = hostsToml('registry.example.com', 'mirror', withCa);
    assert.deepEqual(
      toml.split('\n').filter((l) => l.startsWith('[')),
      ['[host."https://registry.local:5000/v2/mirror"]'],
    );
    assert.ok(toml.includes(`  ca = "/etc/ca \\"x\\"\\u000a[host.\\"http://attacker.example\\"]\\\\.pem"`), toml);
    assert.ok(toml.split('\n')[0]!.startsWith('#') && !toml.split('\n')[0]!.includes('registry.example.com'), 'no value in the comment');

    const text = mirrorConfigText([repo('registry.example.com'), repo('other.example:8443', 'solo', 'renamed/solo'), repo('other.example:8443', 'team/b', 'mirror/team/b')], withCa);
    const yaml = parse(text.registriesYaml) as {
      mirrors: Record<string, { endpoint: string[]; rewrite?: Record<string, string> }>;
      configs: Record<string, { tls: { insecure_skip_verify: boolean; ca_file: string } }>;
    };
    assert.deepEqual(Object.keys(yaml.mirrors), ['registry.example.com', 'other.example:8443']);
    assert.deepEqual(yaml.mirrors['registry.example.com'], { endpoint: ['https://registry.local:5000'], rewrite: { '^(.*)$': 'mirror/$1' } });
    assert.deepEqual(yaml.mirrors['other.example:8443']!.rewrite, { '^solo$': 'renamed/solo', '^team/b$': 'mirror/team/b' });
    assert.deepEqual(yaml.configs, { 'registry.local:5000': { tls: { insecure_skip_verify: true, ca_file: caFile } } });
    // what the import e2e test and k3s read: values double-quoted
    assert.match(text.registriesYaml, /^ {6}- "https:\/\/registry\.local:5000"$/m);
    assert.match(text.registriesYaml, /"\^solo\$": "renamed\/solo"/);
    assert.equal(text.hostsToml.length, 1, 'other.example:8443 has no shared prefix: no hosts.toml');
    assert.equal(text.warnings.length, 1);
  });

  test('a good bundle: DIR/<registry>/hosts.toml for each source with a shared prefix, and registries.yaml, all inside DIR', async () => {
    const dir = join(work, 'good', 'mirror');
    const result = await writeMirrorConfig(dir, [repo('registry.example.com'), repo('docker.io', 'library/nginx', 'mirror/library/nginx'), repo('[::1]:5000', 'x', 'mirror/x')], target);
    assert.deepEqual(await listing(join(work, 'good')), [
      'mirror',
      'mirror/[::1]:5000',
      'mirror/[::1]:5000/hosts.toml',
      'mirror/docker.io',
      'mirror/docker.io/hosts.toml',
      'mirror/registries.yaml',
      'mirror/registry.example.com',
      'mirror/registry.example.com/hosts.toml',
    ]);
    assert.equal(result.files.length, 4);
    const hub = await readFile(join(dir, 'docker.io', 'hosts.toml'), 'utf8');
    assert.match(hub, /^server = "https:\/\/registry-1\.docker\.io"$/m);
    assert.match(hub, /^\[host\."http:\/\/registry\.local:5000\/v2\/mirror"\]$/m);
    assert.match(hub, /^ {2}override_path = true$/m);
    // written again (a rerun): the same files, replaced in place
    await writeMirrorConfig(dir, [repo('registry.example.com')], target);
    assert.match(await readFile(join(dir, 'registry.example.com', 'hosts.toml'), 'utf8'), /capabilities = \["pull", "resolve"\]/);
  });
});
