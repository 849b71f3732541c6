#!/usr/bin/env node
// Renders assets/icon.svg into the icons packaging needs and writes them into assets/ (committed, so
// packaging needs no tools): assets/icons/<n>x<n>.png (16…1024, electron-builder's Linux icon set),
// assets/icon.png (1024), assets/icon.ico (16…256, PNG entries) and assets/icon.icns (ic07–ic10).
// Needs rsvg-convert (Debian: apt-get install librsvg2-bin). Usage: node scripts/make-icons.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeIcns, writeIco } from './icon-containers.mjs';

const assets = new URL('../assets/', import.meta.url).pathname;
const svg = join(assets, 'icon.svg');
const SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];

mkdirSync(join(assets, 'icons'), { recursive: true });
const png = {};
for (const size of SIZES) {
  const out = join(assets, 'icons', `${size}x${size}.png`);
  execFileSync('rsvg-convert', ['--width', String(size), '--height', String(size), '--format', 'png', '--output', out, svg], { stdio: 'inherit' });
  png[size] = readFileSync(out);
}
writeFileSync(join(assets, 'icon.png'), png[1024]);
writeFileSync(join(assets, 'icon.ico'), writeIco([16, 24, 32, 48, 64, 128, 256].map((s) => png[s])));
writeFileSync(join(assets, 'icon.icns'), writeIcns([128, 256, 512, 1024].map((s) => png[s])));
console.log(`icons written to ${assets}`);
