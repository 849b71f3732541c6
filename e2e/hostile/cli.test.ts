// A bundle is hostile input, through the built `ferry` command (npm run build first): a handful of the named corpus
// as a user meets it — exit code 1 for a refused bundle (2 only for bad usage), stderr naming the fault and escaping
// control characters, nothing written outside the targets, nothing placed, the bundle unchanged.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { craftCase, NAMED_CASES, runFolders, type HostileCase, type RunFolders } from '../harness/hostile-bundles.js';
import { RAW_CONTROL } from '../harness/hostile-commands.js';
import { prepareHostileBase, presign, redactPaths, snapshotTree, treeChanges, type HostileBase } from '../harness/hostile-oracle.js';
import { run, type RunResult } from '../harness/tools.js';

const bin = fileURLToPath(new URL('../../bin/ferry.js', import.meta.url));
const built = fileURLToPath(new URL('../../dist/ferry.mjs', import.meta.url));

let base: HostileBase;
before(async () => {
  assert.ok(existsSync(built), 'the CLI is not built: run npm run build first');
  base = await prepareHostileBase();
});
after(() => base?.bundle.cleanup());

const named = (name: string): HostileCase => {
  const c = NAMED_CASES.find((n) => n.name === name);
  if (!c) throw new Error(`no corpus case ${name}`);
  return c;
};

/** Crafts a case into its own run folder; returns the folders and the tree as it was. */
function craft(name: string, label: string): { folders: RunFolders; before: Map<string, string> } {
  // a neutral folder name: the case's words in a path would match the fault regexes by themselves
  const folders = runFolders(join(base.bundle.work, 'cli', `${createHash('sha256').update(name).digest('hex').slice(0, 10)}-${label}`));
  craftCase(base.bundle.dir, named(name), folders, base.facts, presign(base.preparer));
  return { folders, before: snapshotTree(folders.root) };
}

/** Runs the built ferry with the report folder as its working directory (import's default report lands there). */
function ferry(args: string[], folders: RunFolders, timeoutMs = 30_000): Promise<RunResult> {
  return run(process.execPath, [bin, ...args], { cwd: folders.report, timeoutMs });
}

/** Exit 1, stderr's error line matching every regex, no raw control character, nothing changed anywhere. */
function assertRefused(r: RunResult, folders: RunFolders, before: Map<string, string>, faults: RegExp[]): void {
  const both = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.code, 1, `exit code 1 (refused), got ${r.code}:\n${both}`);
  assert.match(r.stderr, /^ferry: error: /m, both);
  const said = redactPaths(both, [folders.root, base.preparerKey, base.approverKey, base.bundle.dir]);
  for (const re of faults) assert.match(said, re, `the output names the fault (${re}), paths aside:\n${said}`);
  const raw = RAW_CONTROL.exec(both);
  assert.equal(raw, null, `a raw U+${raw?.[0].charCodeAt(0).toString(16).padStart(4, '0')} reached the terminal:\n${JSON.stringify(both)}`);
  assert.deepEqual(treeChanges(before, snapshotTree(folders.root)), [], 'nothing changed: the bundle, its targets and the folders around them');
}

describe('hostile bundles through the built ferry command', () => {
  test('verify: an extra index.json name is a fault naming it (exit 1)', async () => {
    const { folders, before } = craft('names/index-extra-nginx', 'verify');
    assertRefused(await ferry(['verify', folders.bundle], folders), folders, before, [/docker\.io\/library\/nginx:latest/]);
  });

  test('inspect: a reference that disagrees with registry, repository and source is refused (exit 1)', async () => {
    const { folders, before } = craft('names/reference-evil-miner', 'inspect');
    assertRefused(await ferry(['inspect', folders.bundle], folders), folders, before, [/docker\.io\/evil\/miner:latest/]);
  });

  test('import --to-dir: a layer whose bytes differ from its digest places nothing', async () => {
    const { folders, before } = craft('archive/blob-bytes-differ', 'place');
    const r = await ferry(['import', folders.bundle, '--to-dir', folders.place], folders);
    assertRefused(r, folders, before, [new RegExp(base.facts.layers[0]!.slice('sha256:'.length)), /nothing was placed/]);
    assert.deepEqual(readdirSync(folders.place), []);
  });

  test('import --to --mirror-config: a registry with a newline and a TOML table is refused before any connection', async () => {
    const { folders, before } = craft('paths/registry-newline-toml', 'import');
    // 127.0.0.1:1: nothing listens; a refusal must come from the bundle, not from the network
    const r = await ferry(['import', folders.bundle, '--to', '127.0.0.1:1/mirror', '--insecure-registry', '127.0.0.1:1', '--mirror-config', folders.mirror], folders);
    assertRefused(r, folders, before, [/registry/]);
    assert.doesNotMatch(r.stderr, /ECONNREFUSED|cannot connect|network/i, 'refused before connecting');
    assert.deepEqual(readdirSync(folders.mirror), []);
  });

  test('import --to-dir: images[].registry = ../../outside writes nothing anywhere', async () => {
    const { folders, before } = craft('paths/registry-dotdot', 'place');
    assertRefused(await ferry(['import', folders.bundle, '--to-dir', folders.place, '--files-to', folders.files], folders), folders, before, [/\.\.\/\.\.\/outside/]);
  });

  test('verify: bundle.json as a FIFO is refused at once, not waited on', async () => {
    const { folders, before } = craft('special/bundle-json-fifo', 'verify');
    const started = Date.now();
    const r = await ferry(['verify', folders.bundle], folders, 15_000);
    assert.ok(Date.now() - started < 15_000, 'it did not hang');
    assertRefused(r, folders, before, [/bundle\.json/]);
  });

  test('approve: signatures/ as a link to another folder is refused and nothing is written through it', async () => {
    const { folders, before } = craft('paths/signatures-symlink', 'approve');
    assertRefused(await ferry(['approve', folders.bundle, '--key', base.approverKey], folders), folders, before, [/signatures/, /link/i]);
  });

  test('verify: control characters in bundle fields never reach the terminal raw', async () => {
    const { folders, before } = craft('controls/bundle-fields', 'verify');
    assertRefused(await ferry(['verify', folders.bundle], folders), folders, before, [/tool\.name|tool\.version|source|control/]);
  });

  test('split: a tar entry ../x, resealed, is not re-sealed again (exit 1, the bundle unchanged)', async () => {
    const { folders, before } = craft('archive/entry-dotdot', 'split');
    assertRefused(await ferry(['split', folders.bundle, '--size', '1MiB', '--parity', '1'], folders), folders, before, [/\.\.\/x/]);
  });

  test('serve: a bundle.json with a key twice is refused instead of served', async () => {
    const { folders, before } = craft('archive/bundle-json-duplicate-keys', 'serve');
    assertRefused(await ferry(['serve', folders.bundle, '--listen', '127.0.0.1:0'], folders, 15_000), folders, before, [/reference/, /twice|duplicate/i]);
  });

  test('repair: parity.shardSize = 2^52 is refused without allocating it', async () => {
    const { folders, before } = craft('special/parity-shard-2e52', 'repair');
    assertRefused(await ferry(['repair', folders.bundle], folders), folders, before, [/shardSize|parity/]);
  });

  test('bad usage is exit 2, a refused bundle never is', async () => {
    const { folders } = craft('names/index-extra-nginx', 'usage');
    for (const args of [['import', folders.bundle], ['split', folders.bundle], ['verify', join(folders.root, 'no-such-folder')]]) {
      const r = await ferry(args, folders);
      assert.equal(r.code, 2, `ferry ${args.join(' ')}: exit 2 expected, got ${r.code}:\n${r.stderr}`);
    }
  });
});
