import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FerryError } from '../errors/ferry-error.js';
import { readListFile } from './read-list-file.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-list-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('readListFile', () => {
  it('keeps the one-reference-per-line form', async () => {
    const list = await readListFile(write('plain.txt', '# images\nnginx:1.27\n\nregistry.local:5000/app:1  # pinned\n'));
    assert.deepEqual(list, { images: ['nginx:1.27', 'registry.local:5000/app:1'], imagePlatforms: [], charts: [], files: [] });
    assert.deepEqual((await readListFile(write('one.txt', 'nginx:1.27\n'))).images, ['nginx:1.27']);
  });

  it('reads the YAML form: images with platforms, charts in every form, files relative to the list', async () => {
    const list = await readListFile(
      write('list.yaml', ['images:', '  - nginx:1.27', '  - ref: redis:7.4', '    platforms: [linux/amd64]', 'charts:', '  - { repo: "https://c.example/stable/", name: web, version: 1.0.0 }', '  - oci://r.example/charts/x:2.0.0', '  - { repo: "oci://r.example/charts", name: y, version: 3 }', 'files:', '  - notes.pdf', '  - https://dl.example/t.tgz', ''].join('\n')),
    );
    assert.deepEqual(list, {
      images: ['nginx:1.27', 'redis:7.4'],
      imagePlatforms: [{ image: 'redis:7.4', platforms: ['linux/amd64'] }],
      charts: ['https://c.example/stable/web@1.0.0', 'oci://r.example/charts/x:2.0.0', 'oci://r.example/charts/y:3'],
      files: [join(dir, 'notes.pdf'), 'https://dl.example/t.tgz'],
    });
  });

  it('refuses a YAML list with unknown keys or malformed entries, as usage errors', async () => {
    for (const [name, text] of [
      ['k.yaml', 'imagez: [nginx]\n'],
      ['p.yaml', 'images:\n  - ref: nginx\n    platforms: []\n'],
      ['c.yaml', 'charts:\n  - { name: web }\n'],
    ] as const) {
      await assert.rejects(readListFile(write(name, text)), (e: unknown) => e instanceof FerryError && e.code === 'bad-usage', name);
    }
  });
});
