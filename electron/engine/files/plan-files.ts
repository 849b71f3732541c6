import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { request } from '../registry/undici-lite.js';
import { FILE_NAME_PATTERN } from '../../../shared/bundle-manifest.js';
import { FerryError } from '../errors/ferry-error.js';
import { newRunId, partialName } from '../bundle/partial-name.js';

/** A plain file to carry: its bytes lie in a local file of known size (a URL is staged first). */
export interface PlannedFile {
  kind: 'file';
  /** Its name in the bundle (`files/<name>`). */
  name: string;
  /** The path or URL as the user gave it. */
  source: string;
  size: number;
  /** The local file holding the bytes. */
  path: string;
  /** Known already for staged downloads; computed while copying otherwise. */
  sha256?: string;
  /** A staged download, removed by {@link discardStagedFiles}. */
  staged: boolean;
}

/** Options for {@link planFiles}. */
export interface PlanFilesOptions {
  /** Where URL downloads are staged (the blob cache folder, or a temp folder). */
  stageDir: string;
  signal?: AbortSignal;
}

/** Whether a `--file` argument is a URL (http or https). */
export function isFileUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** The bundle name of a file source: the last path segment of a path or URL; refused when it is not a safe name. */
export function fileNameOf(source: string): string {
  const raw = isFileUrl(source) ? decodeURIComponent(new URL(source).pathname.split('/').filter(Boolean).at(-1) ?? '') : basename(source);
  if (!FILE_NAME_PATTERN.test(raw)) {
    throw new FerryError('bad-usage', `File ${source} would be carried as "${raw}", which is not a safe file name (letters, digits and . _ + @ = , - only, at most 90 characters).`, { subject: source });
  }
  return raw;
}

/** Checks every `--file` source's name (safe, and no two alike) before any work; returns name → source. */
export function checkFileNames(sources: string[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const source of sources) {
    const name = fileNameOf(source);
    const other = names.get(name);
    if (other !== undefined) throw new FerryError('bad-usage', `Files ${other} and ${source} would both be carried as "${name}"; rename one.`, { subject: name });
    names.set(name, source);
  }
  return names;
}

/**
 * Resolves every `--file` source to a local file of known size: local files are stat'ed, URLs
 * are streamed into `stageDir` (size and sha256 computed on the way) so the archive can be laid
 * out before it is written. Two sources with the same name are refused.
 */
export async function planFiles(sources: string[], options: PlanFilesOptions): Promise<PlannedFile[]> {
  const names = checkFileNames(sources);
  const planned: PlannedFile[] = [];
  try {
    for (const [name, source] of names) {
      options.signal?.throwIfAborted();
      planned.push(isFileUrl(source) ? await stageUrl(name, source, options) : await statLocal(name, source));
    }
  } catch (error) {
    await discardStagedFiles(planned);
    throw error;
  }
  return planned;
}

/** Removes the staged downloads of a plan. */
export async function discardStagedFiles(files: PlannedFile[]): Promise<void> {
  await Promise.all(files.filter((f) => f.staged).map((f) => rm(f.path, { force: true })));
}

async function statLocal(name: string, source: string): Promise<PlannedFile> {
  const path = resolve(source);
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new FerryError('not-found', `Cannot read file ${source}: ${error.code ?? 'unreadable'}.`, { subject: source });
  });
  if (!info.isFile()) throw new FerryError('bad-usage', `${source} is not a regular file.`, { subject: source });
  return { kind: 'file', name, source, size: info.size, path, staged: false };
}

async function stageUrl(name: string, source: string, options: PlanFilesOptions): Promise<PlannedFile> {
  await mkdir(options.stageDir, { recursive: true });
  const path = join(options.stageDir, partialName(newRunId(), `file-${name}`));
  let response;
  let url = source;
  for (let hop = 0; ; hop++) {
    try {
      response = await request(url, { method: 'GET', ...(options.signal ? { signal: options.signal } : {}) });
    } catch (error) {
      throw new FerryError('network', `Cannot fetch file ${source}: ${(error as Error).message}.`, { subject: source, cause: error });
    }
    const location = response.headers.location;
    if (response.statusCode < 300 || response.statusCode >= 400 || typeof location !== 'string' || hop >= 5) break;
    await response.body.dump();
    url = new URL(location, url).toString();
  }
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new FerryError('not-found', `Fetching file ${source} answered HTTP ${response.statusCode}.`, { subject: source });
  }
  const hash = createHash('sha256');
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(response.body, counter, createWriteStream(path, { flags: 'wx' }), ...(options.signal ? [{ signal: options.signal }] : []) as []);
  } catch (error) {
    await rm(path, { force: true });
    if (error instanceof FerryError) throw error;
    throw new FerryError('network', `Fetching file ${source} failed: ${(error as Error).message}.`, { subject: source, cause: error });
  }
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared !== size) {
    await rm(path, { force: true });
    throw new FerryError('size-mismatch', `File ${source} arrived with ${size} of ${declared} bytes.`, { subject: source });
  }
  return { kind: 'file', name, source, size, path, sha256: hash.digest('hex'), staged: true };
}
