// A bundle is hostile input, and split and repair rewrite bundle folders: nothing destructive may start
// before what it relies on is proven. Real bundles (real registry, real engine), then the red team's
// tampering — numbers out of bounds, a deep JSON field, a flipped byte, bundle.json / SHA256SUMS / the split
// journal as a FIFO or a link to /dev/zero, a forged journal, signatures/ as a link — and the real CLI: each
// run must end (bounded by a timeout), exit 1 naming the file at fault, and leave every file as it was.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BundleManifest } from '../../shared/bundle-manifest.js';
import { generateSigningKey, signBundle } from '../../electron/engine/index.js';
import { flipByte, makeTestBundle, run, type TestBundle } from '../harness/index.js';
import { runFerry } from '../harness/ferry-cli.js';

const MIB = 1024 * 1024;
/** Every CLI run here must end by itself well within this (a hang is a failure, not a stuck suite). */
const RUN_MS = 60_000;
const TEST = { timeout: 3 * RUN_MS };

let base: TestBundle;
before(async () => {
  // about 3.2 MB of archive in four 1 MiB parts (the last one short), with two parity parts
  base = await makeTestBundle({ split: '1MiB', bigLayers: 3, parity: 2 });
});
after(async () => {
  await base?.cleanup();
});

const sha = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');
const ferry = (args: string[]): ReturnType<typeof runFerry> => runFerry(args, { timeoutMs: RUN_MS });

/**
 * Every entry below `dir` (hidden ones and signatures/ included) as what it is — a regular file by the sha256 of
 * its bytes, a link by its target, a FIFO, a folder — without ever opening anything but a regular file.
 */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of (readdirSync(dir, { recursive: true }) as string[]).sort()) {
    const path = join(dir, name);
    const info = lstatSync(path);
    out[name] = info.isSymbolicLink() ? `link to ${readlinkSync(path)}` : info.isFIFO() ? 'fifo' : info.isDirectory() ? 'folder' : info.isFile() ? sha(readFileSync(path)) : 'other';
  }
  return out;
}

/** Rewrites bundle.json as a forger would (`change` edits the parsed document, `text` the written text), and reseals its SHA256SUMS line. */
function forge(dir: string, change: (doc: BundleManifest & Record<string, unknown>) => void, text: (json: string) => string = (t) => t): void {
  const doc = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as BundleManifest & Record<string, unknown>;
  change(doc);
  const json = text(`${JSON.stringify(doc, null, 2)}\n`);
  writeFileSync(join(dir, 'bundle.json'), json);
  const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8').replace(/^[0-9a-f]{64} {2}bundle\.json$/m, `${sha(json)}  bundle.json`);
  writeFileSync(join(dir, 'SHA256SUMS'), sums);
}

/** Replaces a file of the folder by a FIFO (nothing ever writes to it: a reader that opens it waits forever). */
function fifoAt(path: string): void {
  rmSync(path, { force: true });
  execFileSync('mkfifo', [path]);
}

/** Replaces a file of the folder by a link to /dev/zero (a reader that follows it reads forever). */
function zeroAt(path: string): void {
  rmSync(path, { force: true });
  symlinkSync('/dev/zero', path);
}

/** Asserts a run refused: exit 1 (not killed by the timeout), its error naming `file`, and the folder exactly as `before`. */
function assertRefused(r: Awaited<ReturnType<typeof runFerry>>, dir: string, before: Record<string, string>, file: string, pattern?: RegExp): void {
  assert.equal(r.code, 1, `exit 1, not a hang or a crash:\n${r.stdout}\n${r.stderr}`);
  const error = r.stderr.split('\n').find((l) => l.startsWith('ferry: error:')) ?? r.stderr;
  assert.ok(error.includes(file), `the error names ${file}:\n${r.stderr}`);
  if (pattern) assert.match(error, pattern);
  assert.deepEqual(snapshot(dir), before, 'every file as it was, and nothing new');
}

describe('ferry split refuses a hostile bundle before changing anything', () => {
  test('archive.size 2^53−1 (the last part made to add up, SHA256SUMS resealed): no heap blow-up, exit 1 naming bundle.json', TEST, async () => {
    const dir = base.copy();
    forge(dir, (doc) => {
      const parts = doc.archive.parts;
      parts[parts.length - 1]!.size = Number.MAX_SAFE_INTEGER - parts.slice(0, -1).reduce((n, p) => n + p.size, 0);
      doc.archive.size = Number.MAX_SAFE_INTEGER;
    });
    const before = snapshot(dir);
    assertRefused(await ferry(['split', dir, '--size', '1MiB']), dir, before, join(dir, 'bundle.json'), /archive\.size/);
  });

  test('a 200 000-deep JSON field (SHA256SUMS resealed): exit 1 naming bundle.json, bundle.tar parts all kept', TEST, async () => {
    const dir = base.copy();
    forge(dir, () => undefined, (json) => json.replace(/^\{/, `{\n  "deep": ${'['.repeat(200_000)}${']'.repeat(200_000)},`));
    const before = snapshot(dir);
    assertRefused(await ferry(['split', dir, '--size', '3MiB']), dir, before, 'bundle.json', /nests deeper/);
  });

  test('one flipped byte in a part: exit 1 naming the part, pointing to repair', TEST, async () => {
    const dir = base.copy();
    flipByte(join(dir, 'bundle.tar.002'), 4242);
    const before = snapshot(dir);
    assertRefused(await ferry(['split', dir, '--size', '3MiB']), dir, before, 'bundle.tar.002', /nothing was changed.*Run ferry repair/);
  });

  for (const [what, plant] of [
    ['a FIFO', fifoAt],
    ['a link to /dev/zero', zeroAt],
  ] as const) {
    test(`bundle.json ${what}: exit 1 naming it, at once`, TEST, async () => {
      const dir = base.copy();
      plant(join(dir, 'bundle.json'));
      const before = snapshot(dir);
      assertRefused(await ferry(['split', dir, '--size', '3MiB']), dir, before, join(dir, 'bundle.json'));
    });

    test(`the split journal ${what}: exit 1 naming it, at once`, TEST, async () => {
      const dir = base.copy();
      plant(join(dir, '.ferry-split-journal.json'));
      const before = snapshot(dir);
      assertRefused(await ferry(['split', dir, '--size', '3MiB']), dir, before, '.ferry-split-journal.json');
    });
  }

  /** A journal for `dir` (a whole bundle) as the split would write it, interrupted after the first new part of 1.5 MiB. */
  function journalFor(dir: string, completed: { name: string; sha256: string }[]): Record<string, unknown> {
    const manifest = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as BundleManifest;
    const { archive } = manifest;
    const partSize = 1.5 * MIB;
    let start = 0;
    const newParts = Array.from({ length: Math.ceil(archive.size / partSize) }, (_, i) => ({ name: `bundle.tar.${String(i + 1).padStart(3, '0')}`, start: i * partSize, size: Math.min(partSize, archive.size - i * partSize) }));
    return {
      version: 1,
      run: '0badc0de',
      bundleId: manifest.id,
      oldManifestSha256: sha(readFileSync(join(dir, 'bundle.json'))),
      archive: { size: archive.size, sha256: archive.sha256 },
      oldParts: archive.parts.map((p) => ({ name: p.name, start: (start += p.size) - p.size, size: p.size, sha256: p.sha256 })),
      oldParity: archive.parity!.parts.map((p) => p.name),
      partSize,
      parity: 2,
      newParts,
      completed,
      removedSignatures: [],
      clearedLeftovers: [],
    };
  }

  test('a forged journal on a whole bundle, its "completed" part planted (junk whose sha256 it records): the resumed split proves the bytes first; exit 1, nothing deleted', TEST, async () => {
    const dir = base.copy();
    const junk = Buffer.alloc(1.5 * MIB, 0x5a);
    writeFileSync(join(dir, '.ferry-0badc0de-bundle.tar.001.partial'), junk);
    writeFileSync(join(dir, '.ferry-split-journal.json'), JSON.stringify(journalFor(dir, [{ name: 'bundle.tar.001', sha256: sha(junk) }])));
    const before = snapshot(dir);
    assertRefused(await ferry(['split', dir, '--size', '1.5MiB']), dir, before, dir, /do not add up to the archive's recorded sha256; nothing was changed/);
  });

  test('a forged journal naming bundle.json and SHA256SUMS as old parity parts (to be deleted): refused as not agreeing with bundle.json; exit 1, nothing deleted', TEST, async () => {
    const dir = base.copy();
    writeFileSync(join(dir, '.ferry-split-journal.json'), JSON.stringify({ ...journalFor(dir, []), oldParity: ['bundle.json', 'SHA256SUMS'] }));
    const before = snapshot(dir);
    assertRefused(await ferry(['split', dir, '--size', '1.5MiB']), dir, before, '.ferry-split-journal.json', /old parity parts are not the ones bundle\.json records/);
  });

  test('a genuine journal of a split not yet begun still resumes: the bundle ends whole, re-split', TEST, async () => {
    const dir = base.copy();
    writeFileSync(join(dir, '.ferry-split-journal.json'), JSON.stringify(journalFor(dir, [])));
    const r = await ferry(['split', dir, '--size', '1.5MiB']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Finished an interrupted split/);
    const check = await run('sha256sum', ['-c', '--strict', 'SHA256SUMS'], { cwd: dir });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    const manifest = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as BundleManifest;
    assert.deepEqual(manifest.archive.parts.map((p) => p.size), [1.5 * MIB, 1.5 * MIB, base.manifest.archive.size - 3 * MIB]);
    assert.equal(manifest.archive.sha256, base.manifest.archive.sha256);
  });
});

describe('ferry repair proves bundle.json first and never reads through what a bundle plants', () => {
  for (const [what, plant] of [
    ['a FIFO', fifoAt],
    ['a link to /dev/zero', zeroAt],
  ] as const) {
    test(`bundle.json ${what}: exit 1 naming it, at once, nothing changed`, TEST, async () => {
      const dir = base.copy();
      plant(join(dir, 'bundle.json'));
      const before = snapshot(dir);
      assertRefused(await ferry(['repair', dir]), dir, before, join(dir, 'bundle.json'));
    });

    test(`SHA256SUMS ${what}: not read; the bundle is whole, and SHA256SUMS is written anew as a file`, TEST, async () => {
      const dir = base.copy();
      const sums = readFileSync(join(base.dir, 'SHA256SUMS'));
      plant(join(dir, 'SHA256SUMS'));
      const r = await ferry(['repair', dir]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /SHA256SUMS rewritten from bundle\.json/);
      assert.ok(lstatSync(join(dir, 'SHA256SUMS')).isFile());
      assert.deepEqual(readFileSync(join(dir, 'SHA256SUMS')), sums);
    });
  }

  test('parity.shardSize 2^52 (SHA256SUMS resealed): exit 1 naming bundle.json and the field, nothing changed', TEST, async () => {
    const dir = base.copy();
    flipByte(join(dir, 'bundle.tar.003'), 10);
    forge(dir, (doc) => void (doc.archive.parity!.shardSize = 2 ** 52));
    const before = snapshot(dir);
    assertRefused(await ferry(['repair', dir]), dir, before, join(dir, 'bundle.json'), /parity\.shardSize/);
  });

  test('a 200 000-deep JSON field: exit 1 naming bundle.json, nothing changed', TEST, async () => {
    const dir = base.copy();
    flipByte(join(dir, 'bundle.tar.001'), 10);
    forge(dir, () => undefined, (json) => json.replace(/^\{/, `{\n  "deep": ${'['.repeat(200_000)}${']'.repeat(200_000)},`));
    const before = snapshot(dir);
    assertRefused(await ferry(['repair', dir]), dir, before, join(dir, 'bundle.json'), /nests deeper/);
  });

  test('a part that is a link to a good copy outside: never read through; rebuilt in place from parity, the outside copy untouched', TEST, async () => {
    const dir = base.copy();
    const outside = join(base.work, `outside-${Date.now()}`);
    mkdirSync(outside);
    const good = readFileSync(join(dir, 'bundle.tar.002'));
    writeFileSync(join(outside, 'bundle.tar.002'), good);
    zeroAt(join(dir, 'bundle.tar.002'));
    rmSync(join(dir, 'bundle.tar.002'));
    symlinkSync(join(outside, 'bundle.tar.002'), join(dir, 'bundle.tar.002'));
    const r = await ferry(['repair', dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /bundle\.tar\.002 cannot be read \(a symbolic link[^\n]*\n\s+→ rebuilt from parity/);
    assert.ok(lstatSync(join(dir, 'bundle.tar.002')).isFile(), 'the link was replaced by the rebuilt part');
    assert.deepEqual(readFileSync(join(dir, 'bundle.tar.002')), good);
    assert.deepEqual(readFileSync(join(outside, 'bundle.tar.002')), good);
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.partial')), []);
  });
});

describe('ferry sign and approve on a hostile bundle', () => {
  test('signatures/ a link to a folder outside: both refuse naming it (exit 1); nothing written there', TEST, async () => {
    const dir = base.copy();
    const alice = await generateSigningKey(join(base.work, `alice-${Date.now()}`));
    const bob = await generateSigningKey(join(base.work, `bob-${Date.now()}`));
    await signBundle(dir, alice.privateKeyFile);
    const outside = join(base.work, `sigs-${Date.now()}`);
    mkdirSync(outside);
    execFileSync('cp', ['-a', `${join(dir, 'signatures')}/.`, outside]);
    rmSync(join(dir, 'signatures'), { recursive: true });
    symlinkSync(outside, join(dir, 'signatures'));
    const before = snapshot(outside);
    const folder = snapshot(dir);
    for (const args of [['approve', dir, '--key', bob.privateKeyFile], ['sign', dir, '--key', bob.privateKeyFile]]) {
      const r = await ferry(args);
      assertRefused(r, dir, folder, join(dir, 'signatures'), /symbolic link.*nothing was signed/);
      assert.deepEqual(snapshot(outside), before, `${args[0]}: nothing written through the link`);
    }
  });

  test('a damaged part: approve exits 1 saying nothing was signed, naming the part; no signature written', TEST, async () => {
    const dir = base.copy();
    const alice = await generateSigningKey(join(base.work, `alice2-${Date.now()}`));
    const bob = await generateSigningKey(join(base.work, `bob2-${Date.now()}`));
    await signBundle(dir, alice.privateKeyFile);
    flipByte(join(dir, 'bundle.tar.004'), 7);
    const before = snapshot(dir);
    assertRefused(await ferry(['approve', dir, '--key', bob.privateKeyFile]), dir, before, 'bundle.tar.004', /damaged.*nothing was signed/);
  });
});

describe('ferry write never reads a hostile bundle.json on a target', () => {
  test('a target holding bundle.json as a FIFO: refused at once naming it (exit 1), the target untouched', TEST, async () => {
    const target = join(base.work, `stick-${Date.now()}`);
    mkdirSync(target);
    execFileSync('mkfifo', [join(target, 'bundle.json')]);
    const before = snapshot(target);
    const r = await ferry(['write', base.dir, '--to', target]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(r.stderr.includes('bundle.json'), r.stderr);
    assert.deepEqual(snapshot(target), before);
  });
});
