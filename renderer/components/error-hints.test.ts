// The app's words for the engine's hints: one entry per hint (a compile-time Record), worded for every surface in
// the app's own language (never a command-line flag or command), and every "Show me" target a real field's id.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ERROR_HINTS } from '../../shared/errors.js';
import { APP_HINTS, appHint, HINT_SURFACES, SETTINGS_TARGETS } from './error-hints.js';

/** Every `id="…"` written in the renderer's components. */
function idsInRenderer(dir = join(import.meta.dirname, '..')): Map<string, string> {
  const ids = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) for (const [id, file] of idsInRenderer(path)) ids.set(id, file);
    else if (entry.name.endsWith('.tsx')) for (const m of readFileSync(path, 'utf8').matchAll(/\bid="([\w-]+)"/g)) ids.set(m[1]!, path);
  }
  return ids;
}

describe('app hints', () => {
  test('every hint has words for every surface, and none is command-line language', () => {
    assert.deepEqual(Object.keys(APP_HINTS).sort(), [...ERROR_HINTS].sort());
    for (const hint of ERROR_HINTS) {
      for (const surface of HINT_SURFACES) {
        const words = appHint(hint, surface);
        assert.ok(words && words.text.length > 10, `${hint} on ${surface}`);
        assert.doesNotMatch(words.text, /--[a-z]|\bferry [a-z]|docker login|\bKEY\b|\bDIR\b/, `${hint} on ${surface}: ${words.text}`);
        assert.match(words.text, /[.!]$/, `${hint} on ${surface}`);
      }
    }
    assert.equal(appHint(undefined, 'prepare'), undefined);
  });

  test('a hint names each wizard’s own field', () => {
    assert.equal(appHint('private-ca', 'import')?.target, 'import-ca');
    assert.equal(appHint('private-ca', 'prepare')?.target, 'reg-ca');
    assert.match(appHint('tls-trust', 'prepare')!.text, /Settings → Registries.*Insecure registries/);
    assert.match(appHint('insecure-registry', 'import')!.text, /tick “Insecure” under Target/);
    assert.equal(appHint('insecure-registry', 'prepare')?.target, 'insecure');
  });

  test('every "Show me" target is the id of a field the app renders', () => {
    const ids = idsInRenderer();
    for (const target of SETTINGS_TARGETS) assert.match(ids.get(target) ?? '', /settings-dialog\.tsx$/, target);
    for (const hint of ERROR_HINTS) {
      for (const surface of HINT_SURFACES) {
        const target = appHint(hint, surface)?.target;
        if (target !== undefined) assert.ok(ids.has(target), `${hint} on ${surface}: no element with id "${target}"`);
      }
    }
  });
});
