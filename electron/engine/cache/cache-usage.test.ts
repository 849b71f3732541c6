import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { clearCache, measureCache } from './cache-usage.js';

test('measures the blob entries and staged files; Clear removes only what Ferry writes there', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-cache-usage-'));
  try {
    assert.deepEqual(await measureCache(join(dir, 'missing')), { dir: join(dir, 'missing'), bytes: 0, blobs: 0 });
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    mkdirSync(join(dir, 'staging'));
    writeFileSync(join(dir, 'blobs', 'sha256', 'a'.repeat(64)), Buffer.alloc(1000));
    writeFileSync(join(dir, 'blobs', 'sha256', 'b'.repeat(64)), Buffer.alloc(24));
    writeFileSync(join(dir, 'blobs', 'sha256', `${'c'.repeat(64)}.tmp-123`), Buffer.alloc(10));
    writeFileSync(join(dir, 'staging', 'notes.pdf'), Buffer.alloc(100));
    writeFileSync(join(dir, 'keep.txt'), 'not ours');
    assert.deepEqual(await measureCache(dir), { dir, bytes: 1134, blobs: 2 });
    assert.deepEqual(await clearCache(dir), { dir, bytes: 0, blobs: 0 });
    assert.ok(existsSync(join(dir, 'keep.txt')), 'other files stay');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
