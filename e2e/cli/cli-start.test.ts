// What the built `ferry verify` (and `ferry inspect`) load at start: their chunks and everything those import
// statically, never the registry client (undici), YAML, the policy or trust code, nor systeminformation — those
// are loaded only when a flag asks for them (--against, --policy, --trust, --cosign-key). Start-up is most of a
// small bundle's verify. Reads dist/ (npm test builds first), or FERRY_CLI_OUTDIR for a private build.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

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
  test(`ferry ${command} loads no registry client, YAML, policy, trust or system information code at start`, () => {
    const closure = staticClosure(runChunk(command));
    const text = [...closure.values()].join('\n');
    // esbuild heads each module's code with a comment naming its source path
    for (const unwanted of ['node_modules/undici/', 'node_modules/yaml/', 'node_modules/systeminformation/', 'electron/engine/registry/', 'electron/engine/policy/', 'electron/engine/trust/']) {
      assert.ok(!text.includes(`// ${unwanted}`), `${command} loads ${unwanted} (${closure.size} chunks)`);
    }
    // and it does read bundle.json with its schema: the closure is the real one
    assert.ok(text.includes('// shared/bundle-manifest.ts'), `${command}'s chunks hold the bundle-manifest schema`);
  });
}
