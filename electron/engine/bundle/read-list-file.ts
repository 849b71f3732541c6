import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { parseImageList } from '../../../shared/image-list.js';
import { chartSourceOf } from '../charts/parse-chart-source.js';
import { FerryError } from '../errors/ferry-error.js';
import { isFileUrl } from '../files/plan-files.js';
import { sourceAgainst } from '../sources/source-name.js';

/** What a list file asks to bundle. */
export interface BundleList {
  images: string[];
  /** Images given with their own platforms (`{ ref, platforms }`). */
  imagePlatforms: { image: string; platforms: string[] }[];
  charts: string[];
  /** Local paths (relative ones resolved against the list file's folder) and URLs. */
  files: string[];
}

/**
 * Reads a LIST file in one of two forms: one image reference per line (`#` starts a comment,
 * blank lines skipped), or YAML: `images: ["ref" | { ref, platforms: [...] }]`,
 * `charts: [{ repo, name, version } | "oci://…" | "REPO_URL/NAME@VERSION"]`, `files: ["path-or-url"]`.
 */
export async function readListFile(path: string): Promise<BundleList> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new FerryError('bad-usage', `Cannot read list file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}.`, { subject: path });
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    doc = undefined;
  }
  // a local source's relative path (docker-archive:app.tar) is the list file's neighbour, as files: paths are
  const near = (image: string): string => sourceAgainst(image, dirname(path));
  if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
    const list = fromYaml(doc as Record<string, unknown>, path);
    return { ...list, images: list.images.map(near), imagePlatforms: list.imagePlatforms.map((p) => ({ ...p, image: near(p.image) })) };
  }
  return {
    images: parseImageList(text).map(near),
    imagePlatforms: [],
    charts: [],
    files: [],
  };
}

function fromYaml(doc: Record<string, unknown>, path: string): BundleList {
  const bad = (what: string): FerryError => new FerryError('bad-usage', `List file ${path}: ${what}.`, { subject: path });
  const unknown = Object.keys(doc).filter((k) => !['images', 'charts', 'files'].includes(k));
  if (unknown.length > 0) throw bad(`unknown key(s) ${unknown.join(', ')} (a YAML list file has images, charts and files)`);
  const list = (key: string): unknown[] => {
    const value = doc[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw bad(`"${key}" must be a list`);
    return value;
  };
  const out: BundleList = { images: [], imagePlatforms: [], charts: [], files: [] };
  list('images').forEach((item, i) => {
    if (typeof item === 'string') out.images.push(item);
    else if (item && typeof item === 'object' && typeof (item as { ref?: unknown }).ref === 'string') {
      const { ref, platforms } = item as { ref: string; platforms?: unknown };
      out.images.push(ref);
      if (platforms !== undefined) {
        if (!Array.isArray(platforms) || platforms.length === 0 || !platforms.every((p) => typeof p === 'string')) throw bad(`images[${i}] (${ref}): platforms must be a non-empty list of os/arch strings`);
        out.imagePlatforms.push({ image: ref, platforms: platforms as string[] });
      }
    } else throw bad(`images[${i}] must be a reference or { ref, platforms }`);
  });
  list('charts').forEach((item, i) => {
    if (typeof item === 'string') out.charts.push(item);
    else if (item && typeof item === 'object') {
      const { repo, name, version } = item as { repo?: unknown; name?: unknown; version?: unknown };
      if (typeof repo !== 'string' || typeof name !== 'string' || (typeof version !== 'string' && typeof version !== 'number')) throw bad(`charts[${i}] needs repo, name and version`);
      out.charts.push(repo.startsWith('oci://') ? `${repo.replace(/\/+$/, '')}/${name}:${String(version)}` : chartSourceOf(repo, name, String(version)));
    } else throw bad(`charts[${i}] must be "oci://…", "REPO_URL/NAME@VERSION" or { repo, name, version }`);
  });
  list('files').forEach((item, i) => {
    if (typeof item !== 'string') throw bad(`files[${i}] must be a path or an http(s) URL`);
    out.files.push(isFileUrl(item) || isAbsolute(item) ? item : resolve(dirname(path), item));
  });
  return out;
}
