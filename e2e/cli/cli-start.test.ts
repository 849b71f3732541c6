// What the built `ferry verify` (and `ferry inspect`) load at start: their chunks and everything those import
// statically, never the registry client (undici), YAML, the policy or trust code, nor systeminformation — those
// are loaded only when a flag asks for them (--against, --policy, --trust, --cosign-key) — and no zod classic:
// bundle.json's schema is on zod/mini, bundled with its own copy of zod's core cut to what mini uses (the shared
// copy holds classic's compiler and JSON Schema code). Start-up is most of a small bundle's verify. Reads dist/
// (npm test builds first), or FERRY_CLI_OUTDIR for a private build.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { makeTempDir, removeDir } from '../harness/temp-dir.js';
import { run } from '../harness/tools.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outdir = process.env.FERRY_CLI_OUTDIR ?? join(root, 'dist');
const chunkDir = join(outdir, 'ferry-chunks');

/** The text of a chunk and of every chunk it imports statically (`import … from "./x.mjs"`), not `import()`. */
function staticClosure(start: string): Map<string, string> {
  const seen = new Map<string, string>();
  const todo = [start];
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (seen.has(name)) continue;
    const text = readFileSync(join(chunkDir, name), 'utf8');
    seen.set(name, text);
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s*"\.\/([\w-]+\.mjs)"|^import\s*"\.\/([\w-]+\.mjs)"/gm)) todo.push((m[1] ?? m[2])!);
  }
  return seen;
}

const runChunk = (command: string): string => {
  const found = readdirSync(chunkDir).find((n) => new RegExp(`^${command}-run-[A-Z0-9]+\\.mjs$`).test(n));
  assert.ok(found, `no ${command}-run chunk in ${chunkDir}`);
  return found;
};

test('the built CLI is there (npm test builds before testing)', () => {
  assert.ok(existsSync(join(outdir, 'ferry.mjs')), `${outdir}/ferry.mjs is missing: run npm run build`);
});

for (const command of ['verify', 'inspect']) {
  test(`ferry ${command} loads no registry client, YAML, policy, trust, system information or zod classic code at start`, () => {
    const closure = staticClosure(runChunk(command));
    const text = [...closure.values()].join('\n');
    // esbuild heads each module's code with a comment naming its source path
    for (const unwanted of ['node_modules/undici/', 'node_modules/yaml/', 'node_modules/systeminformation/', 'electron/engine/registry/', 'electron/engine/policy/', 'electron/engine/trust/']) {
      assert.ok(!text.includes(`// ${unwanted}`), `${command} loads ${unwanted} (${closure.size} chunks)`);
    }
    // zod classic, or the copy of zod's core it shares (whole modules: compiler, JSON Schema), is ~300 KB to compile
    for (const unwanted of ['node_modules/zod/v4/classic/', 'node_modules/zod/v4/core/', 'node_modules/zod/v4/locales/']) {
      assert.ok(!text.includes(`// ${unwanted}`), `${command} loads ${unwanted} (zod classic's copy)`);
    }
    const zod = [...closure.values()].filter((t) => t.includes('// zod-mini:')).join('\n');
    assert.ok(zod.includes('zod/v4/mini/schemas.js') && !/^\/\/ zod-mini:.*(compile|json-schema|classic)/m.test(zod), `${command} loads zod/mini, cut to what it uses`);
    // and it does read bundle.json with its schema: the closure is the real one
    assert.ok(text.includes('// shared/bundle-manifest.ts'), `${command}'s chunks hold the bundle-manifest schema`);
  });
}

test('ferry bundle loads no YAML, chart, policy or zod classic code at start (charts and list files load theirs when given)', () => {
  const closure = staticClosure(runChunk('bundle'));
  const text = [...closure.values()].join('\n');
  for (const unwanted of ['node_modules/yaml/', 'electron/engine/charts/resolve-charts.ts', 'electron/engine/policy/', 'node_modules/zod/v4/classic/']) {
    assert.ok(!text.includes(`// ${unwanted}`), `bundle loads ${unwanted} (${closure.size} chunks)`);
  }
  // the closure is the real one: it holds the registry client and the signature schema (zod/mini) that bundling uses
  for (const wanted of ['node_modules/undici/', 'electron/engine/bundle/create-bundle.ts', 'shared/signature.ts']) {
    assert.ok(text.includes(`// ${wanted}`), `bundle's chunks hold ${wanted}`);
  }
});

test('the built CLI words a bad bundle.json field in English, as zod classic did (zod/mini loads no locale of its own)', async () => {
  const dir = await makeTempDir('cli-start-bad-field');
  try {
    const hex = 'b'.repeat(64);
    writeFileSync(join(dir, 'bundle.json'), JSON.stringify({
      schemaVersion: 1, mediaType: 'application/vnd.ferry.bundle.v1+json', id: '4e6b2b8e-3b7a-4c2e-9f0a-1b2c3d4e5f60', created: '2026-12-02T00:00:00Z',
      tool: { name: 'ferry', version: '0.1.0' }, images: [], blobs: [{ digest: `sha256:${'a'.repeat(64)}`, size: 1.5, mediaType: 'm' }],
      archive: { name: 'bundle.tar', format: 'oci-layout+docker-archive', size: 0, sha256: hex, parts: [{ name: 'bundle.tar', size: 0, sha256: hex }] },
    }));
    const r = await run(process.execPath, [join(outdir, 'ferry.mjs'), 'inspect', dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /bundle\.json is not a valid bundle manifest: blobs\.0\.size: Invalid input: expected int, received number\./);
  } finally {
    await removeDir(dir);
  }
});
