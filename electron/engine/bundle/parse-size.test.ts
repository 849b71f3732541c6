import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAT32_MAX_FILE, parseSize } from './parse-size.js';

test('sizes in decimal and binary units, and fat32', () => {
  const cases: [string | number, number][] = [
    ['700MB', 700_000_000],
    ['700mb', 700_000_000],
    ['3MiB', 3 * 1024 ** 2],
    ['4GiB', 4 * 1024 ** 3],
    ['1.5GB', 1_500_000_000],
    ['2 GB', 2_000_000_000],
    ['fat32', 4 * 1024 ** 3 - 1],
    ['FAT32', FAT32_MAX_FILE],
    ['1048576', 1048576],
    [5_000_000, 5_000_000],
  ];
  for (const [input, bytes] of cases) assert.equal(parseSize(input), bytes, String(input));
});

test('nonsense and tiny sizes are refused with the input named', () => {
  for (const bad of ['', 'big', '12XB', '-3MB', 'MB', '1KB', 10]) {
    assert.throws(() => parseSize(bad), (e: Error & { code?: string }) => e.code === 'bad-usage' && e.message.includes(String(bad)), String(bad));
  }
});
