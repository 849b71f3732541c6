import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FIT_MAX_PART, fitSplit, registryOf } from './prepare-store.js';

describe('fitSplit', () => {
  test('a FAT-family volume among the chosen ones means fat32 parts', () => {
    assert.equal(fitSplit([{ free: 64e9, fsType: 'ext4' }, { free: 30e9, fsType: 'vfat' }]), 'fat32');
    assert.equal(fitSplit([{ free: 8e9, fsType: 'msdos' }]), 'fat32');
  });
  test('otherwise the smallest free space less room for the small files, capped', () => {
    const part = fitSplit([{ free: 8e9, fsType: 'exfat' }, { free: 2 * 1024 * 1024 }]);
    assert.ok(typeof part === 'number' && part > 1024 * 1024 && part <= 2 * 1024 * 1024, String(part));
    assert.equal(fitSplit([{ free: 4e12, fsType: 'ext4' }]), FIT_MAX_PART);
  });
  test('nothing chosen, or no room, gives no size', () => {
    assert.equal(fitSplit([]), undefined);
    assert.equal(fitSplit([{ free: 1000 }]), undefined);
  });
});

describe('registryOf', () => {
  test('names the registry host of a reference', () => {
    assert.equal(registryOf('127.0.0.1:5000/team/app:1'), '127.0.0.1:5000');
    assert.equal(registryOf('localhost/app'), 'localhost');
    assert.equal(registryOf('library/nginx:1.27'), 'docker.io');
    assert.equal(registryOf('nginx'), 'docker.io');
  });
});
