import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
// @ts-expect-error: a plain .mjs script without type declarations
import { pngSize, readIcns, readIco, writeIcns, writeIco } from './icon-containers.mjs';

const assets = new URL('../assets/', import.meta.url).pathname;
const png = (size: number): Buffer => readFileSync(join(assets, 'icons', `${size}x${size}.png`));

test('the committed PNG set has every size from 16 to 1024, rendered from the SVG', () => {
  for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) assert.deepEqual(pngSize(png(size)), { width: size, height: size });
  assert.match(readFileSync(join(assets, 'icon.svg'), 'utf8'), /<svg[^>]+viewBox="0 0 1024 1024"/);
});

test('icon.ico holds PNG entries 16…256 that parse back, and file(1) recognises it', () => {
  const ico = readFileSync(join(assets, 'icon.ico'));
  const entries = readIco(ico) as { size: number; png: Buffer }[];
  assert.deepEqual(entries.map((e) => e.size), [16, 24, 32, 48, 64, 128, 256]);
  for (const e of entries) assert.deepEqual(pngSize(e.png), { width: e.size, height: e.size });
  assert.ok(ico.equals(writeIco(entries.map((e) => e.png))), 'writer and committed file agree');
  assert.match(execFileSync('file', ['-b', join(assets, 'icon.ico')], { encoding: 'utf8' }), /MS Windows icon resource - 7 icons, 16x16 with PNG image data/);
  assert.throws(() => writeIco([png(512)]), /at most 256/);
});

test('icon.icns holds ic07–ic10 PNG elements (128…1024) that parse back, and file(1) recognises it', () => {
  const icns = readFileSync(join(assets, 'icon.icns'));
  const elements = readIcns(icns) as { type: string; data: Buffer }[];
  assert.deepEqual(elements.map((e) => e.type), ['ic07', 'ic08', 'ic09', 'ic10']);
  assert.deepEqual(elements.map((e) => pngSize(e.data).width), [128, 256, 512, 1024]);
  assert.ok(icns.equals(writeIcns(elements.map((e) => e.data))));
  assert.match(execFileSync('file', ['-b', join(assets, 'icon.icns')], { encoding: 'utf8' }), /Mac OS X icon, \d+ bytes, "ic07" type/);
  assert.throws(() => writeIcns([png(16)]), /no ICNS PNG element/);
});
