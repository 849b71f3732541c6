// A bundle is hostile input: this module crafts hostile copies of a small valid bundle (made once per test file with
// makeTestBundle). Named cases are what the red team found (and their relatives); seeded random mutations change each
// field of bundle.json and each tar header field. `writeDraft` reseals what a forger can recompute (every part's
// sha256, archive.sha256 and size, SHA256SUMS), so only checks of meaning can catch what is left.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { decodeTarHeader } from '../../electron/engine/bundle/archive/tar-reader.js';
import { encodeTarHeader, paddedSize, TAR_BLOCK } from '../../electron/engine/bundle/archive/tar-header.js';
import { formatSha256Sums, readSha256Sums } from '../../electron/engine/bundle/sha256sums.js';

// ---------------------------------------------------------------------------------------------------------------------
// Seeds: every random choice comes from one 32-bit seed, printed, so a failure replays.

/** A small seeded PRNG (mulberry32): the same seed gives the same choices on every machine. */
export interface Rng {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return { seed: seed >>> 0, next, int, pick: (items) => items[int(items.length)]!, chance: (p) => next() < p };
}

/** The fuzz seed: `FERRY_FUZZ_SEED` when set (decimal or 0x hex), else a fresh one (print it: `console.log('hostile fuzz seed', seed)`). */
export function fuzzSeed(): number {
  const given = process.env.FERRY_FUZZ_SEED;
  if (given !== undefined && given !== '' && !Number.isFinite(Number(given))) throw new Error(`FERRY_FUZZ_SEED=${given} is not a number`);
  return given !== undefined && given !== '' ? Number(given) >>> 0 : (Date.now() ^ Math.floor(Math.random() * 2 ** 32)) >>> 0;
}

/** The seed of one iteration: independent of every other, so iteration i replays alone (FERRY_FUZZ_ONLY=i). */
export function iterationSeed(seed: number, iteration: number): number {
  let h = (seed ^ Math.imul(iteration + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------------------
// bundle.json as a document a craft edits.

export interface PartDoc {
  name: string;
  size: number;
  sha256: string;
  [key: string]: unknown;
}
export interface DescriptorDoc {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}
export interface ImageDoc {
  source: string;
  reference: string;
  registry: string;
  repository: string;
  tag?: string;
  originalDigest: string;
  digest: string;
  mediaType: string;
  manifests: DescriptorDoc[];
  size: number;
  [key: string]: unknown;
}
export interface BundleDoc {
  id: string;
  created: string;
  tool: { name: string; version: string };
  images: ImageDoc[];
  blobs: DescriptorDoc[];
  files: { name: string; source: string; size: number; sha256: string }[];
  archive: { name: string; size: number; sha256: string; parts: PartDoc[]; parity?: unknown; [key: string]: unknown };
  [key: string]: unknown;
}

// ---------------------------------------------------------------------------------------------------------------------
// The archive as entries a craft edits: raw 512-byte headers (so every field can lie) and their data.

/** One tar entry: its raw header block and its data as written (the header's size field may say otherwise). */
export interface TarItem {
  header: Buffer;
  data: Buffer;
  /** Write the header's checksum field as it is (a checksum mutation); otherwise it is recomputed. */
  keepChecksum?: boolean;
}

/** ustar header fields: offset and width. */
export const HEADER_FIELDS = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  checksum: [148, 8],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 6],
  version: [263, 2],
  uname: [265, 32],
  prefix: [345, 155],
} as const;
export type HeaderField = keyof typeof HEADER_FIELDS;

/** Overwrites a header field (zero-filled first, the value truncated to the field's width). */
export function setHeaderField(header: Buffer, field: HeaderField, value: string | Buffer): void {
  const [offset, width] = HEADER_FIELDS[field];
  header.fill(0, offset, offset + width);
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  bytes.copy(header, offset, 0, Math.min(width, bytes.length));
}

/** An octal numeric field as tar writes it: zero-padded, NUL-terminated. */
export function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\u0000`;
}

/** Recomputes a header's checksum (what any forger does after editing a field). */
export function fixChecksum(header: Buffer): void {
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
}

/** The entry's name as the header says (ustar prefix applied), read without judging any other field. */
export function itemName(item: TarItem): string {
  const text = (field: HeaderField): string => {
    const [offset, width] = HEADER_FIELDS[field];
    const end = item.header.indexOf(0, offset);
    return item.header.toString('utf8', offset, end === -1 || end > offset + width ? offset + width : end);
  };
  const name = text('name');
  const prefix = item.header.toString('latin1', 257, 263) === 'ustar\u0000' ? text('prefix') : '';
  return prefix ? `${prefix}/${name}` : name;
}

/** A regular-file entry (or a directory) as Ferry's writer makes it. */
export function fileItem(name: string, data: Buffer | string, type: 'file' | 'directory' = 'file'): TarItem {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return { header: encodeTarHeader({ name, size: bytes.length, type, mtime: 1_704_067_200 }), data: type === 'file' ? bytes : Buffer.alloc(0) };
}

/** A link entry (`2` symbolic, `1` hard) pointing at `target`. */
export function linkItem(name: string, target: string, typeflag: '1' | '2' = '2'): TarItem {
  const header = encodeTarHeader({ name, size: 0, type: 'file', mtime: 1_704_067_200 });
  setHeaderField(header, 'typeflag', typeflag);
  setHeaderField(header, 'linkname', target);
  return { header, data: Buffer.alloc(0) };
}

/** A pax extended header (`x`) carrying `records` (path, size, linkpath…) for the entry after it. */
export function paxItem(records: Record<string, string>): TarItem {
  let text = '';
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`;
    let length = body.length + 1;
    while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
    text += `${length}${body}`;
  }
  const data = Buffer.from(text);
  const header = encodeTarHeader({ name: 'PaxHeaders/x', size: data.length, type: 'file', mtime: 1_704_067_200 });
  setHeaderField(header, 'typeflag', 'x');
  return { header, data };
}

/** Sets an entry's data and makes its header's size say so. */
export function setItemData(item: TarItem, data: Buffer | string): void {
  item.data = typeof data === 'string' ? Buffer.from(data) : data;
  setHeaderField(item.header, 'size', octal(item.data.length, 12));
}

/** Splits a (well-formed, Ferry-written) tar into entries and the bytes after the last one. */
export function splitTar(archive: Buffer): { entries: TarItem[]; tail: Buffer } {
  const entries: TarItem[] = [];
  let at = 0;
  while (at + TAR_BLOCK <= archive.length) {
    const block = archive.subarray(at, at + TAR_BLOCK);
    if (block.every((b) => b === 0)) break;
    const h = decodeTarHeader(block, at);
    const size = '123456'.includes(h.typeflag) ? 0 : h.size;
    entries.push({ header: Buffer.from(block), data: Buffer.from(archive.subarray(at + TAR_BLOCK, at + TAR_BLOCK + size)) });
    at += TAR_BLOCK + paddedSize(size);
  }
  return { entries, tail: Buffer.from(archive.subarray(at)) };
}

/** Joins entries back into a tar: each header (checksum recomputed unless kept), its data, zero padding; then the tail. */
export function joinTar(entries: readonly TarItem[], tail: Buffer): Buffer {
  const chunks: Buffer[] = [];
  for (const item of entries) {
    const header = Buffer.from(item.header);
    if (!item.keepChecksum) fixChecksum(header);
    chunks.push(header, item.data, Buffer.alloc(paddedSize(item.data.length) - item.data.length));
  }
  chunks.push(tail);
  return Buffer.concat(chunks);
}

// ---------------------------------------------------------------------------------------------------------------------
// A draft: a bundle folder's bundle.json and archive, edited in memory, then written and resealed.

/** A bundle being crafted. */
export interface BundleDraft {
  /** bundle.json as a document (written as `JSON.stringify(json, null, 2)` unless `jsonText` is set). */
  json: BundleDoc;
  /** The exact bytes of bundle.json instead (duplicate keys, deep nesting, not JSON at all). */
  jsonText?: string | Buffer;
  entries: TarItem[];
  /** Whatever follows the last entry: the end-of-archive marker and padding. */
  tail: Buffer;
  /** The archive as it was read. */
  readonly original: Buffer;
}

/** The single archive file of the test bundles (Ferry's name for an unsplit archive). */
export const ARCHIVE = 'bundle.tar';

/** Reads a bundle folder (one archive part, as the test bundles are) into a draft. */
export function readDraft(dir: string): BundleDraft {
  const json = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as BundleDoc;
  const original = readFileSync(join(dir, ARCHIVE));
  const { entries, tail } = splitTar(original);
  return { json, entries, tail, original };
}

/** What a forger recomputes after a change (default: everything). */
export interface ResealOptions {
  /** archive.size, archive.sha256 and the part's size and sha256 in bundle.json, from the archive as written. */
  archive?: boolean;
  /** Every line of SHA256SUMS, from the files as they are now (files that are not regular files keep their line). */
  sums?: boolean;
  /** Write the archive even when the draft left it as read (a scratch folder reused across drafts). */
  alwaysWriteArchive?: boolean;
}

/** The exact bytes bundle.json gets for a draft. */
export function draftJsonBytes(draft: BundleDraft): Buffer {
  if (draft.jsonText !== undefined) return Buffer.from(draft.jsonText);
  return Buffer.from(`${JSON.stringify(draft.json, null, 2)}\n`);
}

/** Writes a draft into its folder and reseals what a forger can: the archive's checksums and size, SHA256SUMS. */
export function writeDraft(dir: string, draft: BundleDraft, reseal: ResealOptions = {}): void {
  const archive = joinTar(draft.entries, draft.tail);
  const changed = !archive.equals(draft.original);
  if (changed || reseal.alwaysWriteArchive) writeFileSync(join(dir, ARCHIVE), archive);
  if (changed) {
    if (reseal.archive !== false) {
      const sha256 = sha256Hex(archive);
      draft.json.archive.size = archive.length;
      draft.json.archive.sha256 = sha256;
      draft.json.archive.parts = [{ ...draft.json.archive.parts[0], name: ARCHIVE, size: archive.length, sha256 }];
    }
  }
  writeFileSync(join(dir, 'bundle.json'), draftJsonBytes(draft));
  if (reseal.sums !== false) resealSums(dir);
}

/** Rewrites every SHA256SUMS line from the file it names, as `sha256sum` would (lines of non-regular files kept). */
export function resealSums(dir: string): void {
  const path = join(dir, 'SHA256SUMS');
  if (!isRegular(path)) return;
  const listing = readSha256Sums(readFileSync(path, 'utf8'));
  const lines = listing.lines.map(({ name, sha256 }) => {
    const file = join(dir, name);
    return { name, sha256: isRegular(file) && lstatSync(file).size <= 256 * 1024 * 1024 ? sha256Hex(readFileSync(file)) : sha256 };
  });
  writeFileSync(path, formatSha256Sums(lines));
}

export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function isRegular(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/** The entry named `name` (throws when absent: a craft that misses its target is a bug in the corpus). */
export function entry(draft: BundleDraft, name: string): TarItem {
  const found = draft.entries.find((e) => itemName(e) === name);
  if (!found) throw new Error(`hostile-bundles: the archive has no entry ${name}`);
  return found;
}

/** The entry of a blob. */
export function blobItem(draft: BundleDraft, digest: string): TarItem {
  return entry(draft, `blobs/sha256/${digest.slice('sha256:'.length)}`);
}

/** A JSON entry of the archive (index.json, manifest.json, a manifest blob) parsed. */
export function jsonEntry<T = unknown>(draft: BundleDraft, name: string): T {
  return JSON.parse(entry(draft, name).data.toString('utf8')) as T;
}

/** Replaces a JSON entry's content (a value, or exact text), its header's size following. */
export function setJsonEntry(draft: BundleDraft, name: string, value: unknown): void {
  setItemData(entry(draft, name), typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}

/** Inserts an entry after the entry named `after` (default: last, before the end marker). */
export function insertItem(draft: BundleDraft, item: TarItem, after?: string): void {
  const at = after === undefined ? draft.entries.length : draft.entries.findIndex((e) => itemName(e) === after) + 1;
  draft.entries.splice(at, 0, item);
}

// ---------------------------------------------------------------------------------------------------------------------
// What the pristine test bundle holds, for crafts that need names and digests.

/** Facts of the pristine bundle a craft may use. */
export interface BaseFacts {
  json: BundleDoc;
  /** Layer digests (gzip'd tars), in bundle.json order. */
  layers: string[];
  /** Image manifest digests (not indexes). */
  manifests: string[];
  /** The first plain file's name, if the bundle carries one. */
  file?: string;
}

export function baseFacts(dir: string): BaseFacts {
  const json = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as BundleDoc;
  return {
    json,
    layers: json.blobs.filter((b) => /layer|rootfs/.test(b.mediaType)).map((b) => b.digest),
    manifests: json.blobs.filter((b) => /manifest\.v|image\.manifest/.test(b.mediaType)).map((b) => b.digest),
    ...(json.files?.[0] ? { file: json.files[0].name } : {}),
  };
}

export const hexOf = (digest: string): string => digest.slice('sha256:'.length);
export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---------------------------------------------------------------------------------------------------------------------
// Named cases.

/** The offline commands every crafted bundle goes through. */
export const OFFLINE_COMMANDS = ['verify', 'inspect', 'review', 'import', 'place', 'files-to', 'serve', 'split', 'repair', 'sign', 'approve'] as const;
export type OfflineCommand = (typeof OFFLINE_COMMANDS)[number];
/** Commands that must never change the bundle folder, whatever they decide. */
export const READ_ONLY_COMMANDS: readonly OfflineCommand[] = ['verify', 'inspect', 'review', 'import', 'place', 'files-to', 'serve'];

/**
 * What a command must do with a crafted bundle: `refuse` (a FerryError, or a negative report, whose message matches
 * every regex: the case's `fault` unless given), `any` (accept or refuse cleanly; never crash, hang, grow memory,
 * write outside its targets, or push/place/change anything when it refuses), or `accept` (the pristine control).
 */
export type Expectation = 'refuse' | 'any' | 'accept' | { refuse: RegExp[] };

/**
 * How deep the lie sits, which sets the default expectation of every command:
 * - `bundle-json`: bundle.json itself is hostile: every command reads it, every command refuses.
 * - `archive`: bundle.json is honest, the archive lies (resealed): everything that verifies refuses (verify, review,
 *   import, place, files-to, serve, and split, which must not re-seal what verify refuses); inspect, repair, sign and
 *   approve judge only bundle.json and the parts, so they may go on.
 * - `folder`: something else in the folder (signatures/, SHA256SUMS, a journal): the verifying commands refuse.
 */
export type CaseLevel = 'bundle-json' | 'archive' | 'folder';

/** The folders of one run of one command on one crafted bundle. */
export interface RunFolders {
  /** Everything of this run lives here; nothing outside `bundle` and `targets` may change. */
  root: string;
  /** The crafted bundle folder. */
  bundle: string;
  /** Where the command may write: `targets/place`, `targets/files`, `targets/mirror`, `targets/report`. */
  targets: string;
  place: string;
  files: string;
  mirror: string;
  report: string;
  /** A folder beside the bundle that links may point into (it must never change). */
  elsewhere: string;
}

export function runFolders(root: string): RunFolders {
  const targets = join(root, 'targets');
  return {
    root,
    bundle: join(root, 'bundle'),
    targets,
    place: join(targets, 'place'),
    files: join(targets, 'files'),
    mirror: join(targets, 'mirror'),
    report: join(targets, 'report'),
    elsewhere: join(root, 'elsewhere'),
  };
}

/** One crafted bundle the corpus holds. */
export interface HostileCase {
  /** `group/what`, unique. */
  name: string;
  /** Which finding of the red team it is, or a relative of. */
  group: 'names' | 'paths' | 'archive' | 'special' | 'controls';
  about: string;
  level: CaseLevel;
  /** Every refusal's message must match each of these: it names the thing at fault (digests come from the facts). */
  fault: RegExp[] | ((facts: BaseFacts) => RegExp[]);
  /** Per-command expectations overriding the level's defaults. */
  expect?: Partial<Record<OfflineCommand, Expectation>>;
  /** Which commands to run (default: every one; relatives of the red team's cases run those most at risk). */
  commands?: readonly OfflineCommand[];
  /** A memory case: reported with its peak RSS growth (every call is bounded anyway). */
  memory?: boolean;
  /** Edits the draft before it is written and resealed. */
  craft?(draft: BundleDraft, facts: BaseFacts): void;
  /** What the forger recomputes (default: everything). */
  reseal?: ResealOptions;
  /** Folder-level changes after the draft is written (links, FIFOs, sparse files, signatures). */
  after?(folders: RunFolders, facts: BaseFacts): void;
  /** Extra checks of one command's outcome; each returned sentence is a failure. */
  check?(command: OfflineCommand, outcome: { verdict: string; message: string; listed?: string[] }): string[];
}

/** The expectation of a command for a case. */
export function expectationOf(c: HostileCase, command: OfflineCommand, facts: BaseFacts): { refuse: RegExp[] } | 'any' | 'accept' {
  const given = c.expect?.[command];
  const level: Record<CaseLevel, readonly OfflineCommand[]> = {
    'bundle-json': OFFLINE_COMMANDS,
    archive: ['verify', 'review', 'import', 'place', 'files-to', 'serve', 'split'],
    folder: ['verify', 'review', 'import', 'place', 'files-to', 'serve'],
  };
  const e: Expectation = given ?? (level[c.level].includes(command) ? 'refuse' : 'any');
  if (e === 'any' || e === 'accept') return e;
  return e === 'refuse' ? { refuse: typeof c.fault === 'function' ? c.fault(facts) : c.fault } : e;
}

/** Crafts a case into `folders.bundle` from the pristine bundle folder `base`. */
export function craftCase(base: string, c: HostileCase, folders: RunFolders, facts: BaseFacts, preSign?: (dir: string, bundleJson: Buffer, id: string) => void): void {
  mkdirSync(folders.root, { recursive: true });
  cpSync(base, folders.bundle, { recursive: true });
  for (const dir of [folders.place, folders.files, folders.mirror, folders.report, folders.elsewhere]) mkdirSync(dir, { recursive: true });
  const draft = readDraft(folders.bundle);
  c.craft?.(draft, facts);
  writeDraft(folders.bundle, draft, c.reseal ?? {});
  // a realistic bundle is signed by its preparer: approve then has something to countersign
  preSign?.(folders.bundle, draftJsonBytes(draft), draft.json.id);
  c.after?.(folders, facts);
}

/** Replaces a file of the bundle by a symbolic link. */
function linkInstead(path: string, target: string): void {
  rmSync(path, { force: true, recursive: true });
  symlinkSync(target, path);
}

/** Replaces a file of the bundle by a FIFO (nobody ever writes to it: a reader that opens it blocking hangs). */
function fifoInstead(path: string): void {
  rmSync(path, { force: true, recursive: true });
  execFileSync('mkfifo', [path]);
}

/** What a relative of a red-team case runs: the commands most at risk (the red team's own cases run every command). */
const RELATIVE: readonly OfflineCommand[] = ['verify', 'inspect', 'place', 'split', 'approve'];
const IMAGE_NAME = 'io.containerd.image.name';
const REF_NAME = 'org.opencontainers.image.ref.name';
/** Raw control characters that must never reach a terminal: ESC, BEL, a one-byte CSI (C1), a bidi override. */
export const CONTROLS = { esc: '\x1b', bel: '\x07', csi: '\x9b', rlo: '\u202e' } as const;
const SPLIT_JOURNAL = '.ferry-split-journal.json';

/** The index.json entry naming an image (by its carried digest). */
function indexEntryOf(draft: BundleDraft, digest: string): { doc: { manifests: DescriptorDoc[]; [k: string]: unknown }; at: number } {
  const doc = jsonEntry<{ manifests: DescriptorDoc[] }>(draft, 'index.json');
  const at = doc.manifests.findIndex((d) => d.digest === digest);
  if (at < 0) throw new Error(`hostile-bundles: index.json does not list ${digest}`);
  return { doc, at };
}

/** Flips one byte in the middle of a buffer. */
function flipMiddle(data: Buffer): Buffer {
  const copy = Buffer.from(data);
  copy[copy.length >> 1] = copy[copy.length >> 1]! ^ 0xff;
  return copy;
}

/** bundle.json text with `"key": evil,` injected before the real member in the object at `path` (a key twice). */
export function withDuplicateKey(doc: unknown, path: readonly (string | number)[], key: string, evil: unknown): string {
  return stringifyWithDuplicate(doc, [], path, key, evil);
}

function stringifyWithDuplicate(value: unknown, at: (string | number)[], path: readonly (string | number)[], key: string, evil: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v, i) => stringifyWithDuplicate(v, [...at, i], path, key, evil)).join(',')}]`;
  if (value && typeof value === 'object') {
    const members = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${stringifyWithDuplicate(v, [...at, k], path, key, evil)}`);
    if (at.length === path.length && at.every((p, i) => p === path[i])) members.unshift(`${JSON.stringify(key)}:${JSON.stringify(evil)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A JSON value nested `depth` arrays deep, as text (no recursion: 200 000 levels build fine). */
export function deepArrayText(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/**
 * The named corpus: every case the red team found, and relatives. `images[0]` of the test bundle is a Docker-typed
 * single-platform image (`test/single:1.0`), `images[1]` an OCI one (`test/shared:1`); the bundle carries one plain file.
 */
export const NAMED_CASES: readonly HostileCase[] = [
  // 1. Names nobody reviewed ------------------------------------------------------------------------------------------
  {
    name: 'names/index-extra-nginx',
    group: 'names',
    about: 'an extra index.json entry reuses a carried digest under docker.io/library/nginx:latest',
    level: 'archive',
    fault: [/docker\.io\/library\/nginx:latest/],
    craft(d) {
      const { doc, at } = indexEntryOf(d, d.json.images[0]!.digest);
      doc.manifests.push({ ...doc.manifests[at]!, annotations: { [IMAGE_NAME]: 'docker.io/library/nginx:latest', [REF_NAME]: 'latest' } });
      setJsonEntry(d, 'index.json', doc);
    },
  },
  {
    name: 'names/index-entry-renamed',
    group: 'names',
    about: "the image's own index.json entry renamed to docker.io/library/nginx:latest",
    level: 'archive',
    commands: ['verify', 'place', 'serve', 'split'],
    fault: [/docker\.io\/library\/nginx:latest/],
    craft(d) {
      const { doc, at } = indexEntryOf(d, d.json.images[0]!.digest);
      doc.manifests[at]!.annotations = { [IMAGE_NAME]: 'docker.io/library/nginx:latest', [REF_NAME]: 'latest' };
      setJsonEntry(d, 'index.json', doc);
    },
  },
  {
    name: 'names/docker-save-extra-tag',
    group: 'names',
    about: 'manifest.json (docker load) tags an image nginx:latest as well',
    level: 'archive',
    commands: ['verify', 'place', 'split'],
    fault: [/nginx:latest/],
    craft(d) {
      const doc = jsonEntry<{ RepoTags: string[] }[]>(d, 'manifest.json');
      doc[0]!.RepoTags.push('nginx:latest');
      setJsonEntry(d, 'manifest.json', doc);
    },
  },
  {
    name: 'names/reference-evil-miner',
    group: 'names',
    about: 'reference says docker.io/evil/miner:latest while registry, repository and source say registry.corp.example/team/app@sha256 (index.json agrees with the reference)',
    level: 'bundle-json',
    fault: [/docker\.io\/evil\/miner:latest/],
    craft(d) {
      const image = d.json.images[0]!;
      const { doc, at } = indexEntryOf(d, image.digest);
      image.reference = 'docker.io/evil/miner:latest';
      image.registry = 'registry.corp.example';
      image.repository = 'team/app';
      delete image.tag;
      image.source = `registry.corp.example/team/app@${image.originalDigest}`;
      doc.manifests[at]!.annotations = { [IMAGE_NAME]: 'docker.io/evil/miner:latest', [REF_NAME]: 'latest' };
      setJsonEntry(d, 'index.json', doc);
    },
  },
  {
    name: 'names/repository-differs',
    group: 'names',
    about: 'repository library/nginx differs from the reference',
    level: 'bundle-json',
    fault: [/repository/, /library\/nginx/],
    craft: (d) => void (d.json.images[0]!.repository = 'library/nginx'),
  },
  {
    name: 'names/tag-differs',
    group: 'names',
    about: 'tag latest differs from the reference',
    level: 'bundle-json',
    commands: RELATIVE,
    fault: [/\btag\b/],
    craft: (d) => void (d.json.images[0]!.tag = 'latest'),
  },
  {
    name: 'names/source-differs',
    group: 'names',
    about: 'source names docker.io/library/nginx:latest, not the image',
    level: 'bundle-json',
    commands: RELATIVE,
    fault: [/source/, /nginx/],
    craft: (d) => void (d.json.images[0]!.source = 'docker.io/library/nginx:latest'),
  },
  {
    name: 'names/registry-differs',
    group: 'names',
    about: 'registry docker.io differs from the reference',
    level: 'bundle-json',
    commands: RELATIVE,
    fault: [/registry/],
    craft: (d) => void (d.json.images[0]!.registry = 'docker.io'),
  },
  {
    name: 'names/missing-platform-carried',
    group: 'names',
    about: 'missingPlatforms lists linux/amd64, which the image carries, and leaves out linux/arm64, asked for and not carried',
    level: 'bundle-json',
    commands: RELATIVE,
    fault: [/missingPlatforms/],
    craft(d) {
      d.json.platforms = ['linux/amd64', 'linux/arm64'];
      d.json.images[0]!.missingPlatforms = ['linux/amd64'];
    },
  },
  {
    name: 'names/missing-platform-not-asked',
    group: 'names',
    about: 'missingPlatforms lists windows/amd64, which was never asked for (the bundle asked linux/amd64 and linux/arm64)',
    level: 'bundle-json',
    commands: RELATIVE,
    fault: [/missingPlatforms/, /windows\/amd64/],
    craft(d) {
      d.json.platforms = ['linux/amd64', 'linux/arm64'];
      d.json.images[0]!.missingPlatforms = ['linux/arm64', 'windows/amd64'];
    },
  },
  // 2. Paths and links ------------------------------------------------------------------------------------------------
  {
    name: 'paths/registry-dotdot',
    group: 'paths',
    about: 'images[].registry = ../../outside (import --mirror-config writes <dir>/<registry>/hosts.toml)',
    level: 'bundle-json',
    fault: [/\.\.\/\.\.\/outside/],
    craft: (d) => void (d.json.images[0]!.registry = '../../outside'),
  },
  {
    name: 'paths/registry-newline-toml',
    group: 'paths',
    about: 'a registry value with a newline and [host."http://evil"] (a second hosts.toml table)',
    level: 'bundle-json',
    fault: [/registry/],
    craft: (d) => void (d.json.images[0]!.registry += '\n[host."http://evil"]\n  capabilities = ["pull", "resolve"]'),
  },
  {
    name: 'paths/repository-dotdot',
    group: 'paths',
    about: 'repository ../../../outside/x',
    level: 'bundle-json',
    commands: ['verify', 'inspect', 'import', 'serve'],
    fault: [/repository/],
    craft: (d) => void (d.json.images[0]!.repository = '../../../outside/x'),
  },
  {
    name: 'paths/file-name-dotdot',
    group: 'paths',
    about: 'a plain file named ../escaped.txt (import --files-to)',
    level: 'bundle-json',
    commands: ['verify', 'inspect', 'files-to'],
    fault: [/files/],
    craft: (d) => void (d.json.files[0]!.name = '../escaped.txt'),
  },
  {
    name: 'paths/part-name-dotdot',
    group: 'paths',
    about: 'the archive part named ..',
    level: 'bundle-json',
    commands: ['verify', 'inspect', 'split', 'repair'],
    fault: [/\.\./],
    craft(d) {
      d.json.archive.parts[0]!.name = '..';
    },
    reseal: { archive: false },
  },
  {
    name: 'paths/signatures-symlink',
    group: 'paths',
    about: 'signatures/ is a symbolic link to another folder holding a valid preparer signature',
    level: 'folder',
    fault: [/signatures/, /link/i],
    expect: { approve: 'refuse', sign: 'any', inspect: 'any' },
    after(f) {
      const sigs = join(f.bundle, 'signatures');
      const away = join(f.elsewhere, 'signatures');
      if (existsSync(sigs)) renameSync(sigs, away);
      else mkdirSync(away);
      symlinkSync(away, sigs);
    },
    check(command, outcome) {
      // a signature file listed from inside signatures/ was read through the link
      const through = (outcome.listed ?? []).filter((file) => file.startsWith('signatures/'));
      if (command === 'verify' && through.length > 0) return [`listed signatures read through the link: ${through.join(', ')}`];
      return [];
    },
  },
  // 3. Archive faults a forger re-seals -------------------------------------------------------------------------------
  {
    name: 'archive/entry-dotdot',
    group: 'archive',
    about: 'a tar entry ../x',
    level: 'archive',
    fault: [/\.\.\/x/],
    craft: (d) => insertItem(d, fileItem('../x', 'escaped\n')),
  },
  {
    name: 'archive/entry-absolute',
    group: 'archive',
    about: 'a tar entry /tmp/ferry-hostile-abs',
    level: 'archive',
    commands: ['verify', 'place', 'split'],
    fault: [/ferry-hostile-abs/],
    craft: (d) => insertItem(d, fileItem('/tmp/ferry-hostile-abs', 'escaped\n')),
  },
  {
    name: 'archive/entry-prefix-dotdot',
    group: 'archive',
    about: 'a tar entry whose ustar prefix field is ../.. (name ferry-prefix-x)',
    level: 'archive',
    commands: ['verify', 'place', 'split'],
    fault: [/ferry-prefix-x/],
    craft(d) {
      const item = fileItem('ferry-prefix-x', 'escaped\n');
      setHeaderField(item.header, 'prefix', '../..');
      insertItem(d, item);
    },
  },
  {
    name: 'archive/pax-path-dotdot',
    group: 'archive',
    about: 'a pax header whose path record is ../pax-escape',
    level: 'archive',
    commands: ['verify', 'place', 'split'],
    fault: [/pax-escape/],
    craft(d) {
      insertItem(d, paxItem({ path: '../pax-escape' }));
      insertItem(d, fileItem('innocent.txt', 'escaped\n'));
    },
  },
  {
    name: 'archive/blob-symlink',
    group: 'archive',
    about: "a layer's entry is a symbolic link to /etc/passwd",
    level: 'archive',
    commands: ['verify', 'import', 'place', 'serve'],
    fault: (f) => [new RegExp(hexOf(f.layers[0]!)), /link/i],
    craft(d, f) {
      const at = d.entries.indexOf(blobItem(d, f.layers[0]!));
      d.entries[at] = linkItem(itemName(d.entries[at]!), '/etc/passwd');
    },
  },
  {
    name: 'archive/blob-bytes-differ',
    group: 'archive',
    about: "a layer's bytes differ from its digest",
    level: 'archive',
    fault: (f) => [new RegExp(hexOf(f.layers[0]!))],
    craft(d, f) {
      const item = blobItem(d, f.layers[0]!);
      item.data = flipMiddle(item.data);
    },
  },
  {
    name: 'archive/blob-duplicate',
    group: 'archive',
    about: 'a layer stored twice, the second copy with other bytes (one reader takes the first, another the last)',
    level: 'archive',
    fault: (f) => [new RegExp(hexOf(f.layers[0]!)), /twice|duplicate|more than once/i],
    craft(d, f) {
      const item = blobItem(d, f.layers[0]!);
      insertItem(d, { header: Buffer.from(item.header), data: flipMiddle(item.data) }, itemName(item));
    },
  },
  {
    name: 'archive/blob-duplicate-same-bytes',
    group: 'archive',
    about: 'a layer stored twice with the same bytes',
    level: 'archive',
    commands: ['verify', 'place', 'split'],
    fault: (f) => [new RegExp(hexOf(f.layers[1]!)), /twice|duplicate|more than once/i],
    craft(d, f) {
      const item = blobItem(d, f.layers[1]!);
      insertItem(d, { header: Buffer.from(item.header), data: Buffer.from(item.data) });
    },
  },
  {
    name: 'archive/index-duplicate-entry',
    group: 'archive',
    about: 'index.json lists the same image twice',
    level: 'archive',
    fault: [/index\.json/],
    craft(d) {
      const { doc, at } = indexEntryOf(d, d.json.images[0]!.digest);
      doc.manifests.push({ ...doc.manifests[at]! });
      setJsonEntry(d, 'index.json', doc);
    },
  },
  {
    name: 'archive/index-duplicate-keys',
    group: 'archive',
    about: 'index.json with "manifests" twice: a first-wins reader sees nginx:latest, JSON.parse the real list',
    level: 'archive',
    commands: ['verify', 'place', 'split'],
    fault: [/index\.json/],
    craft(d) {
      const { doc, at } = indexEntryOf(d, d.json.images[0]!.digest);
      const evil = [{ ...doc.manifests[at]!, annotations: { [IMAGE_NAME]: 'docker.io/library/nginx:latest', [REF_NAME]: 'latest' } }];
      setJsonEntry(d, 'index.json', withDuplicateKey(doc, [], 'manifests', evil));
    },
  },
  {
    name: 'archive/docker-save-duplicate-keys',
    group: 'archive',
    about: 'manifest.json with RepoTags twice in one entry',
    level: 'archive',
    commands: ['verify', 'place'],
    fault: [/manifest\.json/],
    craft(d) {
      const doc = jsonEntry<unknown[]>(d, 'manifest.json');
      setJsonEntry(d, 'manifest.json', withDuplicateKey(doc, [0], 'RepoTags', ['nginx:latest']));
    },
  },
  {
    name: 'archive/bundle-json-duplicate-keys',
    group: 'archive',
    about: 'bundle.json with "reference" twice in images[0]: the first says docker.io/evil/miner:latest',
    level: 'bundle-json',
    fault: [/reference/, /twice|duplicate/i],
    craft(d) {
      d.jsonText = withDuplicateKey(d.json, ['images', 0], 'reference', 'docker.io/evil/miner:latest');
    },
  },
  {
    name: 'archive/manifest-altered',
    group: 'archive',
    about: "an image manifest's bytes altered (same size): its digest no longer matches",
    level: 'archive',
    fault: (f) => [new RegExp(hexOf(f.json.images[0]!.digest))],
    craft(d, f) {
      const item = blobItem(d, d.json.images[0]!.digest);
      const text = item.data.toString('latin1');
      const layer = hexOf(f.layers[0]!);
      // point the manifest at another hex of the same length
      item.data = Buffer.from(text.includes(layer) ? text.replace(layer, layer.replace(/^./, (c) => (c === '0' ? '1' : '0'))) : text.replace('"', "'"), 'latin1');
    },
  },
  {
    name: 'archive/manifest-altered-size',
    group: 'archive',
    about: 'an image manifest grown by whitespace, every recorded size updated (bundle.json, index.json): only the digest tells',
    level: 'archive',
    commands: ['verify', 'import', 'serve'],
    fault: (f) => [new RegExp(hexOf(f.json.images[0]!.digest))],
    craft(d) {
      const image = d.json.images[0]!;
      const item = blobItem(d, image.digest);
      setItemData(item, Buffer.concat([item.data, Buffer.from('\n   ')]));
      const size = item.data.length;
      for (const b of d.json.blobs) if (b.digest === image.digest) b.size = size;
      for (const m of image.manifests) if (m.digest === image.digest) m.size = size;
      const { doc, at } = indexEntryOf(d, image.digest);
      doc.manifests[at]!.size = size;
      setJsonEntry(d, 'index.json', doc);
    },
  },
  {
    name: 'archive/docker-save-layers-swapped',
    group: 'archive',
    about: "manifest.json lists an image's layers in another order",
    level: 'archive',
    commands: ['verify', 'place'],
    fault: [/manifest\.json/],
    craft(d) {
      const doc = jsonEntry<{ Layers: string[] }[]>(d, 'manifest.json');
      doc[0]!.Layers.reverse();
      setJsonEntry(d, 'manifest.json', doc);
    },
  },
  {
    name: 'archive/oci-layout-wrong',
    group: 'archive',
    about: 'oci-layout is not an OCI layout file',
    level: 'archive',
    commands: ['verify', 'place'],
    fault: [/oci-layout/],
    craft: (d) => setJsonEntry(d, 'oci-layout', { imageLayoutVersion: 2 }),
  },
  {
    name: 'archive/file-bytes-differ',
    group: 'archive',
    about: "a plain file's bytes differ from its sha256",
    level: 'archive',
    commands: ['verify', 'files-to'],
    fault: (f) => [new RegExp(escapeRegExp(f.file ?? 'files/'))],
    craft(d, f) {
      const item = entry(d, `files/${f.file}`);
      item.data = flipMiddle(item.data);
    },
  },
  {
    name: 'archive/header-zeroed',
    group: 'archive',
    about: "a layer's header zeroed: an end-of-archive marker in the middle",
    level: 'archive',
    commands: ['verify', 'import', 'serve', 'split'],
    fault: [/end-of-archive|zero block|marker/i],
    craft(d, f) {
      const item = blobItem(d, f.layers[1]!);
      item.header = Buffer.alloc(TAR_BLOCK);
      item.keepChecksum = true;
    },
  },
  {
    name: 'archive/entry-name-control',
    group: 'archive',
    about: 'a tar entry whose name holds ESC, a C1 CSI and a bidi override',
    level: 'archive',
    commands: ['verify', 'review', 'place'],
    fault: [/ferry-ctl-/],
    craft: (d) => insertItem(d, fileItem(`ferry-ctl-${CONTROLS.esc}[2J${CONTROLS.csi}31m${CONTROLS.rlo}txt`, 'x\n')),
  },
  // 4. Special files and absurd numbers -------------------------------------------------------------------------------
  {
    name: 'special/bundle-json-dev-zero',
    group: 'special',
    about: 'bundle.json is a link to /dev/zero',
    level: 'bundle-json',
    fault: [/bundle\.json/],
    memory: true,
    after: (f) => linkInstead(join(f.bundle, 'bundle.json'), '/dev/zero'),
  },
  {
    name: 'special/bundle-json-fifo',
    group: 'special',
    about: 'bundle.json is a FIFO nobody writes to',
    level: 'bundle-json',
    fault: [/bundle\.json/],
    after: (f) => fifoInstead(join(f.bundle, 'bundle.json')),
  },
  {
    name: 'special/sums-dev-zero',
    group: 'special',
    about: 'SHA256SUMS is a link to /dev/zero',
    level: 'folder',
    fault: [/SHA256SUMS/],
    memory: true,
    after: (f) => linkInstead(join(f.bundle, 'SHA256SUMS'), '/dev/zero'),
  },
  {
    name: 'special/sums-fifo',
    group: 'special',
    about: 'SHA256SUMS is a FIFO',
    level: 'folder',
    fault: [/SHA256SUMS/],
    after: (f) => fifoInstead(join(f.bundle, 'SHA256SUMS')),
  },
  {
    name: 'special/journal-dev-zero',
    group: 'special',
    about: 'the split journal (.ferry-split-journal.json) is a link to /dev/zero',
    level: 'folder',
    fault: [/journal|\.ferry-split-journal/],
    memory: true,
    expect: { verify: 'any', review: 'any', import: 'any', place: 'any', 'files-to': 'any', serve: 'any', split: 'refuse', repair: 'refuse' },
    after: (f) => linkInstead(join(f.bundle, SPLIT_JOURNAL), '/dev/zero'),
  },
  {
    name: 'special/journal-fifo',
    group: 'special',
    about: 'the split journal is a FIFO',
    level: 'folder',
    fault: [/journal|\.ferry-split-journal/],
    expect: { verify: 'any', review: 'any', import: 'any', place: 'any', 'files-to': 'any', serve: 'any', split: 'refuse', repair: 'refuse' },
    after: (f) => fifoInstead(join(f.bundle, SPLIT_JOURNAL)),
  },
  {
    name: 'special/part-dev-zero',
    group: 'special',
    about: 'the archive part bundle.tar is a link to /dev/zero',
    level: 'folder',
    fault: [/bundle\.tar/],
    memory: true,
    expect: { split: 'refuse', repair: 'refuse' },
    after: (f) => linkInstead(join(f.bundle, ARCHIVE), '/dev/zero'),
  },
  {
    name: 'special/part-fifo',
    group: 'special',
    about: 'the archive part bundle.tar is a FIFO',
    level: 'folder',
    fault: [/bundle\.tar/],
    expect: { split: 'refuse', repair: 'refuse' },
    after: (f) => fifoInstead(join(f.bundle, ARCHIVE)),
  },
  {
    name: 'special/bundle-json-1gib',
    group: 'special',
    about: 'bundle.json is 1 GiB (sparse)',
    level: 'bundle-json',
    fault: [/bundle\.json/],
    memory: true,
    after: (f) => truncateSync(join(f.bundle, 'bundle.json'), 1024 ** 3),
  },
  {
    name: 'special/archive-size-max',
    group: 'special',
    about: 'archive.size = 2^53 − 1',
    level: 'bundle-json',
    fault: [/archive\.size|archive/],
    memory: true,
    craft: (d) => void (d.json.archive.size = Number.MAX_SAFE_INTEGER),
  },
  {
    name: 'special/part-size-max',
    group: 'special',
    about: 'the part and the archive both 2^53 − 1 bytes',
    level: 'bundle-json',
    commands: [...RELATIVE, 'repair'],
    fault: [/archive|bundle\.tar|part/],
    memory: true,
    craft(d) {
      d.json.archive.size = Number.MAX_SAFE_INTEGER;
      d.json.archive.parts[0]!.size = Number.MAX_SAFE_INTEGER;
    },
    reseal: { archive: false },
  },
  {
    name: 'special/blob-size-max',
    group: 'special',
    about: 'a blob of 2^53 − 1 bytes',
    level: 'bundle-json',
    commands: [...RELATIVE, 'repair'],
    fault: [/blobs/],
    memory: true,
    craft: (d) => void (d.json.blobs[0]!.size = Number.MAX_SAFE_INTEGER),
  },
  {
    name: 'special/deep-json-200k',
    group: 'special',
    about: 'a field nested 200 000 arrays deep',
    level: 'bundle-json',
    fault: [/deep|nest/i],
    memory: true,
    craft(d) {
      const text = JSON.stringify(d.json, null, 2);
      d.jsonText = `{"x": ${deepArrayText(200_000)},${text.slice(1)}`;
    },
  },
  {
    name: 'special/parity-shard-2e52',
    group: 'special',
    about: 'parity.shardSize = 2^52 (one parity part of that size, missing)',
    level: 'bundle-json',
    fault: [/shardSize|parity/],
    memory: true,
    craft(d) {
      d.json.archive.parity = {
        scheme: 'reed-solomon-gf256-cauchy-v1',
        dataParts: 1,
        shardSize: 2 ** 52,
        parts: [{ name: 'bundle.tar.p01', size: 2 ** 52, sha256: '0'.repeat(64) }],
      };
    },
  },
  {
    name: 'special/part-listed-twice',
    group: 'special',
    about: 'archive.parts lists bundle.tar twice (archive.size the sum)',
    level: 'bundle-json',
    fault: [/twice|duplicate|more than once/i],
    craft(d) {
      const part = d.json.archive.parts[0]!;
      d.json.archive.parts = [part, { ...part }];
      d.json.archive.size = part.size * 2;
    },
    reseal: { archive: false },
  },
  {
    name: 'special/files-listed-twice',
    group: 'special',
    about: 'files lists the same plain file twice',
    level: 'bundle-json',
    commands: ['verify', 'inspect', 'files-to'],
    fault: [/twice|duplicate|more than once/i],
    craft: (d) => void d.json.files.push({ ...d.json.files[0]! }),
  },
  {
    name: 'special/blobs-listed-twice',
    group: 'special',
    about: 'blobs lists the same blob twice',
    level: 'bundle-json',
    commands: RELATIVE,
    fault: [/twice|duplicate|more than once/i],
    craft: (d) => void d.json.blobs.push({ ...d.json.blobs[0]! }),
  },
  {
    name: 'special/sums-listed-twice',
    group: 'special',
    about: 'SHA256SUMS lists bundle.tar twice, the second line with another sha256',
    level: 'folder',
    commands: ['verify', 'import', 'place'],
    fault: [/SHA256SUMS/],
    after(f) {
      const path = join(f.bundle, 'SHA256SUMS');
      writeFileSync(path, `${readFileSync(path, 'utf8')}${'0'.repeat(64)}  ${ARCHIVE}\n`);
    },
  },
  // 5. Control characters ---------------------------------------------------------------------------------------------
  {
    name: 'controls/bundle-fields',
    group: 'controls',
    about: 'ESC and BEL in tool.name, a C1 CSI in tool.version, CR, ESC and a bidi override in images[0].source',
    level: 'bundle-json',
    fault: [/tool\.name|tool\.version|source|control/],
    craft(d) {
      d.json.tool.name = `ferry${CONTROLS.esc}]0;pwned${CONTROLS.bel}`;
      d.json.tool.version = `1.0${CONTROLS.csi}2J`;
      d.json.images[0]!.source += `\r${CONTROLS.esc}[32mIntact${CONTROLS.esc}[0m ${CONTROLS.rlo}gnp.exe`;
    },
  },
  {
    name: 'controls/created-esc',
    group: 'controls',
    about: 'ESC in created',
    level: 'bundle-json',
    commands: ['verify', 'inspect', 'review', 'sign'],
    fault: [/created/],
    craft: (d) => void (d.json.created += `${CONTROLS.esc}[2J`),
  },
  {
    name: 'controls/blob-media-type-csi',
    group: 'controls',
    about: "a C1 CSI in a blob's mediaType",
    level: 'bundle-json',
    commands: ['verify', 'inspect', 'review', 'sign'],
    fault: [/mediaType/],
    craft: (d) => void (d.json.blobs[0]!.mediaType += `${CONTROLS.csi}31m`),
  },
  {
    name: 'controls/key-esc',
    group: 'controls',
    about: 'an unknown key of bundle.json holding ESC',
    level: 'bundle-json',
    commands: ['verify', 'inspect', 'review', 'sign'],
    fault: [/key/],
    craft: (d) => void (d.json[`${CONTROLS.esc}[2Jnote`] = 'x'),
  },
  {
    name: 'controls/file-source-bidi',
    group: 'controls',
    about: "a bidi override in a plain file's source",
    level: 'bundle-json',
    commands: ['verify', 'inspect', 'review', 'sign'],
    fault: [/files|source/],
    craft: (d) => void (d.json.files[0]!.source = `${CONTROLS.rlo}txt.exe`),
  },
  {
    name: 'controls/missing-platform-esc',
    group: 'controls',
    about: 'ESC and a bidi override in an image\'s missingPlatforms',
    level: 'bundle-json',
    commands: ['verify', 'inspect', 'review', 'sign'],
    fault: [/missingPlatforms/],
    craft(d) {
      d.json.platforms = ['linux/amd64', 'linux/arm64'];
      d.json.images[0]!.missingPlatforms = [`linux/arm64${CONTROLS.esc}[2J${CONTROLS.rlo}`];
    },
  },
  {
    name: 'controls/signature-file-name',
    group: 'controls',
    about: 'a file in signatures/ whose name holds ESC, BEL, a C1 CSI and a bidi override',
    level: 'folder',
    fault: [/signatures\//],
    after(f) {
      mkdirSync(join(f.bundle, 'signatures'), { recursive: true });
      writeFileSync(join(f.bundle, 'signatures', `x${CONTROLS.esc}[2J${CONTROLS.bel}${CONTROLS.csi}${CONTROLS.rlo}.json`), 'not a signature');
    },
  },
];

// ---------------------------------------------------------------------------------------------------------------------
// Random mutations.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** Numbers a forger tries: huge, negative, fractional, at and past the safe-integer edge. */
const NUMBERS = [0, -1, 1, 0.5, -0.5, 511, 513, 2 ** 31, 2 ** 32, 2 ** 52, Number.MAX_SAFE_INTEGER, 2 ** 53, 2 ** 60, 1e21, 1e308, -1e308, 5e-324, 17920];
/** Strings a forger tries: controls, traversal, separators, lookalike names, huge. */
const STRINGS = [
  '',
  '..',
  '.',
  '/',
  '../../outside',
  '/etc/passwd',
  'a/../../b',
  'C:\\Windows\\x',
  '%2e%2e%2f',
  'x'.repeat(5000),
  `${CONTROLS.esc}[2J`,
  CONTROLS.bel,
  `${CONTROLS.csi}31m`,
  `${CONTROLS.rlo}gnp.exe`,
  '\u0000',
  '\n[host."http://evil"]\n',
  '\r\n',
  `sha256:${'0'.repeat(64)}`,
  `sha256:${'g'.repeat(64)}`,
  `sha256:${'A'.repeat(64)}`,
  'docker.io/library/nginx:latest',
  'docker.io/evil/miner:latest',
  'registry.corp.example',
  'bundle.json',
  'SHA256SUMS',
  'signatures',
  'bundle.tar.p01',
  'reed-solomon-gf256-cauchy-v1',
  'application/vnd.oci.image.index.v1+json',
  '\ud800',
  '😀',
];
const SHAPES: Json[] = [null, true, false, {}, [], [null], { a: 1 }, '1', 1];

function corpusValue(rng: Rng): Json {
  const r = rng.int(10);
  if (r < 4) return rng.pick(NUMBERS);
  if (r < 8) return rng.pick(STRINGS);
  return structuredClone(rng.pick(SHAPES));
}

/** Every path of a JSON document (the root excluded), objects' members and arrays' items. */
function pathsOf(value: Json, at: Path = [], out: Path[] = []): Path[] {
  const members: [string | number, Json][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : value && typeof value === 'object' ? Object.entries(value) : [];
  for (const [key, v] of members) {
    out.push([...at, key]);
    pathsOf(v, [...at, key], out);
  }
  return out;
}

function getAt(root: Json, path: Path): Json {
  let v: Json = root;
  for (const p of path) v = (v as Record<string | number, Json>)[p]!;
  return v;
}

function parentOf(root: Json, path: Path): { parent: Json[] | Record<string, Json>; key: string | number } {
  return { parent: getAt(root, path.slice(0, -1)) as Json[] | Record<string, Json>, key: path[path.length - 1]! };
}

function setAt(root: Json, path: Path, value: Json): void {
  const { parent, key } = parentOf(root, path);
  (parent as Record<string | number, Json>)[key] = value;
}

const show = (path: Path): string => path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '') || '(root)';
const brief = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
};

function tweakNumber(n: number, rng: Rng): number {
  return rng.pick([n + 1, n - 1, -n, n * 2, n + 0.5, n * 512, Math.floor(n / 2), Number.MAX_SAFE_INTEGER - n, 2 ** 53 + n, -1]);
}

function tweakString(s: string, rng: Rng): string {
  const extra = rng.pick(STRINGS.filter((x) => x.length < 100));
  switch (rng.int(6)) {
    case 0:
      return s + extra;
    case 1:
      return extra + s;
    case 2: {
      const at = rng.int(s.length + 1);
      return s.slice(0, at) + rng.pick(Object.values(CONTROLS)) + s.slice(at);
    }
    case 3:
      return s.slice(0, rng.int(s.length + 1));
    case 4:
      return s.toUpperCase();
    default:
      return s.replace(/[0-9a-f]/, (c) => (c === 'f' ? '0' : String.fromCharCode(c.charCodeAt(0) + 1)));
  }
}

/** A random edit of a JSON document, in place; returns its description, or a duplicate key to inject when written. */
function mutateDoc(doc: Json, rng: Rng, extraEntry?: (rng: Rng) => Json): { op: string; duplicate?: { path: Path; key: string; value: Json } } {
  const paths = pathsOf(doc);
  if (paths.length === 0) return { op: 'nothing to mutate' };
  const path = rng.pick(paths);
  const value = getAt(doc, path);
  const leaves = paths.filter((p) => {
    const v = getAt(doc, p);
    return v === null || typeof v !== 'object';
  });
  const arrays = paths.filter((p) => Array.isArray(getAt(doc, p)));
  const objects: Path[] = [[], ...paths.filter((p) => { const v = getAt(doc, p); return !!v && typeof v === 'object' && !Array.isArray(v); })];
  switch (rng.int(11)) {
    case 0: {
      const v = corpusValue(rng);
      setAt(doc, path, v);
      return { op: `set ${show(path)} = ${brief(v)}` };
    }
    case 1: {
      const swapped: Json = typeof value === 'number' ? String(value) : typeof value === 'string' ? (Number(value) || value.length) : Array.isArray(value) ? { ...value } : value && typeof value === 'object' ? Object.values(value) : [value];
      setAt(doc, path, swapped);
      return { op: `type swap ${show(path)} = ${brief(swapped)}` };
    }
    case 2: {
      const numbers = leaves.filter((p) => typeof getAt(doc, p) === 'number');
      if (numbers.length === 0) break;
      const p = rng.pick(numbers);
      const v = tweakNumber(getAt(doc, p) as number, rng);
      setAt(doc, p, v);
      return { op: `number ${show(p)} = ${v}` };
    }
    case 3: {
      const strings = leaves.filter((p) => typeof getAt(doc, p) === 'string');
      if (strings.length === 0) break;
      const p = rng.pick(strings);
      const v = tweakString(getAt(doc, p) as string, rng);
      setAt(doc, p, v);
      return { op: `string ${show(p)} = ${brief(v)}` };
    }
    case 4: {
      const { parent, key } = parentOf(doc, path);
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
      return { op: `delete ${show(path)}` };
    }
    case 5: {
      if (arrays.length === 0) break;
      const p = rng.pick(arrays);
      const list = getAt(doc, p) as Json[];
      if (list.length === 0 && !extraEntry) break;
      const item = extraEntry && rng.chance(0.5) ? extraEntry(rng) : structuredClone(list[rng.int(list.length)]!);
      list.splice(rng.int(list.length + 1), 0, item);
      return { op: `add item to ${show(p)}: ${brief(item)}` };
    }
    case 6: {
      if (arrays.length === 0) break;
      const p = rng.pick(arrays);
      const list = getAt(doc, p) as Json[];
      if (list.length < 2) break;
      const [i, j] = [rng.int(list.length), rng.int(list.length)];
      [list[i], list[j]] = [list[j]!, list[i]!];
      return { op: `swap ${show(p)}[${i}] and [${j}]` };
    }
    case 7: {
      const p = rng.pick(objects);
      const key = rng.pick(['extra', 'schemaVersion', '__proto__', 'constructor', `${CONTROLS.esc}k`, '', 'x'.repeat(300)]);
      const v = corpusValue(rng);
      (getAt(doc, p) as Record<string, Json>)[key] = v;
      return { op: `extra key ${show(p)}[${JSON.stringify(key)}] = ${brief(v)}` };
    }
    case 8: {
      // a realistic forger move: a value from elsewhere in the document (another digest, size, name)
      const same = leaves.filter((p) => typeof getAt(doc, p) === typeof value && p !== path);
      if (same.length === 0 || value === null || typeof value === 'object') break;
      const from = rng.pick(same);
      setAt(doc, path, structuredClone(getAt(doc, from)));
      return { op: `copy ${show(from)} to ${show(path)}` };
    }
    case 9: {
      const p = rng.pick(objects);
      const keys = Object.keys(getAt(doc, p) as object);
      if (keys.length === 0) break;
      const key = rng.pick(keys);
      const v = corpusValue(rng);
      return { op: `duplicate key ${show(p)}.${key} (first = ${brief(v)})`, duplicate: { path: p, key, value: v } };
    }
    default: {
      if (value === null || typeof value !== 'object') {
        const v = corpusValue(rng);
        setAt(doc, path, v);
        return { op: `set ${show(path)} = ${brief(v)}` };
      }
      setAt(doc, path, Array.isArray(value) ? [] : {});
      return { op: `empty ${show(path)}` };
    }
  }
  const v = corpusValue(rng);
  setAt(doc, path, v);
  return { op: `set ${show(path)} = ${brief(v)}` };
}

/** Serializes a mutated document, injecting a duplicate key when one was asked for. */
function serialize(doc: Json, duplicate?: { path: Path; key: string; value: Json }): string {
  return duplicate ? withDuplicateKey(doc, duplicate.path, duplicate.key, duplicate.value) : JSON.stringify(doc, null, 2);
}

/** A seeded mutation of bundle.json: the bytes to write and what was done (1 to 3 edits). */
export function mutateBundleJson(pristine: BundleDoc, rng: Rng): { text: string; ops: string[] } {
  const doc = structuredClone(pristine) as unknown as Json;
  const ops: string[] = [];
  let duplicate: { path: Path; key: string; value: Json } | undefined;
  const count = 1 + rng.int(3);
  for (let i = 0; i < count; i++) {
    const m = mutateDoc(doc, rng);
    ops.push(m.op);
    if (m.duplicate) duplicate = m.duplicate;
  }
  let text = serialize(doc, duplicate);
  if (rng.chance(0.03)) {
    const cut = rng.int(text.length);
    text = text.slice(0, cut);
    ops.push(`truncated at ${cut}`);
  }
  return { text: `${text}\n`, ops };
}

/** Names a forger gives tar entries. */
function hostileNames(draft: BundleDraft): string[] {
  const blobs = draft.json.blobs.map((b) => hexOf(b.digest));
  return [
    '../x',
    '/etc/ferry-abs',
    'blobs/sha256/../../x',
    `blobs/sha256/${blobs[0] ?? ''}`,
    `blobs/sha256/${'f'.repeat(64)}`,
    `blobs/sha256/${(blobs[1] ?? '').toUpperCase()}`,
    'index.json',
    'manifest.json',
    './index.json',
    'oci-layout/',
    'files/../../x',
    'files/bundle.json',
    '',
    'a'.repeat(100),
    `x${CONTROLS.esc}[2J${CONTROLS.rlo}`,
    'blobs',
    'blobs/sha256/',
  ];
}

/** Values a header field may be set to (raw bytes: octal, base-256, garbage, unterminated). */
function headerValue(field: HeaderField, item: TarItem, rng: Rng, names: string[]): string | Buffer {
  const size = item.data.length;
  switch (field) {
    case 'name':
    case 'linkname':
      return rng.pick([...names, '/etc/passwd', '../../../etc/shadow']);
    case 'prefix':
      return rng.pick(['..', '../..', '/', 'blobs/sha256', `${CONTROLS.esc}`, 'x'.repeat(155)]);
    case 'size':
      return rng.pick<string | Buffer>([
        octal(size + 1, 12),
        octal(Math.max(0, size - 1), 12),
        octal(size + 512, 12),
        octal(0, 12),
        octal(size * 2 + 7, 12),
        '77777777777\u0000',
        Buffer.from([0x80, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0]),
        Buffer.from([0x80, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        Buffer.alloc(12, 0xff),
        'zzzzzzzzzzz\u0000',
        '           \u0000',
        '000000001000',
        '-0000000001\u0000',
      ]);
    case 'typeflag':
      return rng.pick(['0', '1', '2', '3', '4', '5', '6', '7', 'x', 'g', 'L', 'K', 'S', 'V', 'Z', '\u0000']);
    case 'checksum':
      return rng.pick(['000000\u0000 ', '       \u0000', 'zzzzzz\u0000 ', Buffer.alloc(8, 0xff)]);
    case 'mode':
      return rng.pick(['7777777\u0000', 'zzzzzzz\u0000', '0004755\u0000', '', Buffer.alloc(8, 0xff)]);
    case 'mtime':
      return rng.pick(['77777777777\u0000', 'garbage\u0000', Buffer.from([0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]);
    case 'magic':
      return rng.pick(['ustar ', 'gnu\u0000\u0000\u0000', 'xxxxxx', '']);
    default:
      return rng.pick(['0', 'x'.repeat(32), '']);
  }
}

/** Metadata documents of the archive a forger rewrites (extra entries included). */
const DOCUMENTS = ['index.json', 'manifest.json', 'oci-layout'] as const;

/** A seeded mutation of the archive (header fields, entries, data, metadata documents), in the draft; returns what was done. */
export function mutateArchive(draft: BundleDraft, rng: Rng): string[] {
  const ops: string[] = [];
  const names = hostileNames(draft);
  const count = 1 + rng.int(2);
  for (let n = 0; n < count; n++) {
    const i = rng.int(draft.entries.length);
    const item = draft.entries[i]!;
    const name = itemName(item);
    const kind = rng.int(10);
    if (kind < 4) {
      const field = rng.pick<HeaderField>(['name', 'size', 'size', 'typeflag', 'checksum', 'linkname', 'mode', 'mtime', 'magic', 'prefix', 'uname']);
      const value = headerValue(field, item, rng, names);
      setHeaderField(item.header, field, value);
      if (field === 'checksum') item.keepChecksum = true;
      if (field === 'linkname' && rng.chance(0.5)) setHeaderField(item.header, 'typeflag', rng.pick(['1', '2']));
      ops.push(`header ${field} of ${name} = ${brief(typeof value === 'string' ? value : `0x${value.toString('hex')}`)}`);
    } else if (kind === 4) {
      const copy = { header: Buffer.from(item.header), data: rng.chance(0.5) ? flipMiddle(item.data) : Buffer.from(item.data) };
      const at = rng.int(draft.entries.length + 1);
      draft.entries.splice(at, 0, copy);
      ops.push(`duplicate entry ${name} at ${at}`);
    } else if (kind === 5) {
      draft.entries.splice(i, 1);
      ops.push(`drop entry ${name}`);
    } else if (kind === 6) {
      const extra = rng.chance(0.7) ? fileItem(rng.pick(names) || 'empty-name', 'forged\n') : linkItem(rng.pick(names) || 'x', rng.pick(['/etc/passwd', '../x', 'index.json']), rng.pick(['1', '2']));
      if (rng.chance(0.3)) {
        const records = rng.pick<Record<string, string>>([{ path: rng.pick(names) }, { size: rng.pick(['9007199254740993', '-1', '1e3', '99999999999999999999']) }, { linkpath: '/etc/passwd' }]);
        draft.entries.splice(i, 0, paxItem(records));
        ops.push(`pax header ${brief(records)} before ${name}`);
      } else {
        draft.entries.splice(i, 0, extra);
        ops.push(`insert entry ${brief(itemName(extra))} before ${name}`);
      }
    } else if (kind === 7) {
      if (item.data.length === 0) {
        const j = rng.int(draft.entries.length);
        const [moved] = draft.entries.splice(i, 1);
        draft.entries.splice(j, 0, moved!);
        ops.push(`move entry ${name} to ${j}`);
      } else {
        const cut = rng.int(item.data.length);
        item.data = rng.chance(0.5) ? item.data.subarray(0, cut) : flipAt(item.data, cut);
        ops.push(`${item.data.length === cut ? 'truncate' : 'flip a byte of'} ${name} at ${cut}`);
      }
    } else if (kind === 8) {
      const doc = rng.pick(DOCUMENTS);
      const target = draft.entries.find((e) => itemName(e) === doc);
      if (!target) continue;
      let parsed: Json;
      try {
        parsed = JSON.parse(target.data.toString('utf8')) as Json;
      } catch {
        continue;
      }
      const extra = (r: Rng): Json => (doc === 'index.json' ? indexExtra(draft, r) : doc === 'manifest.json' ? { Config: `blobs/sha256/${hexOf(r.pick(draft.json.blobs).digest)}`, RepoTags: [r.pick(['nginx:latest', 'evil/miner:latest'])], Layers: [] } : r.pick(SHAPES));
      const m = mutateDoc(parsed, rng, extra);
      setItemData(target, serialize(parsed, m.duplicate));
      ops.push(`${doc}: ${m.op}`);
    } else {
      const tail = rng.int(3);
      draft.tail = tail === 0 ? Buffer.alloc(0) : tail === 1 ? Buffer.concat([draft.tail, Buffer.from('trailing garbage')]) : Buffer.alloc(TAR_BLOCK);
      ops.push(tail === 0 ? 'no end-of-archive marker' : tail === 1 ? 'garbage after the end marker' : 'one zero block as the end');
    }
  }
  return ops;
}

function flipAt(data: Buffer, at: number): Buffer {
  const copy = Buffer.from(data);
  copy[at] = copy[at]! ^ 0xff;
  return copy;
}

/** An extra index.json descriptor: a carried digest under another name (what a forger adds). */
function indexExtra(draft: BundleDraft, rng: Rng): Json {
  const image = rng.pick(draft.json.images);
  return {
    mediaType: image.mediaType,
    digest: rng.chance(0.8) ? image.digest : rng.pick(draft.json.blobs).digest,
    size: rng.chance(0.8) ? (draft.json.blobs.find((b) => b.digest === image.digest)?.size ?? 1) : rng.pick(NUMBERS),
    annotations: { [IMAGE_NAME]: rng.pick(['docker.io/library/nginx:latest', image.reference, `${image.reference}${CONTROLS.esc}`]), [REF_NAME]: 'latest' },
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Sweeps: every field, each mutated a few fixed ways. The random fuzz samples; the sweeps leave no field out.

/** Every field (and every array and object) of bundle.json, each deleted, swapped to another type, given hostile values of
 * its own type, and given twice (a duplicate key whose first value lies). */
export function bundleJsonSweep(pristine: BundleDoc): { text: string; ops: string[] }[] {
  const out: { text: string; ops: string[] }[] = [];
  const root = pristine as unknown as Json;
  for (const path of pathsOf(root)) {
    const value = getAt(root, path);
    const variants: [string, Json | typeof DELETE][] = [['delete', DELETE]];
    if (typeof value === 'number') variants.push(['type swap', String(value)], ['2^53 − 1', Number.MAX_SAFE_INTEGER], ['-1', -1], ['0.5', 0.5]);
    else if (typeof value === 'string') variants.push(['type swap', value.length], ['ESC', `${value}${CONTROLS.esc}[2J`], ['bidi', `${CONTROLS.rlo}${value}`], ['traversal', '../../outside'], ['empty', '']);
    else if (typeof value === 'boolean') variants.push(['type swap', String(value)], ['flipped', !value]);
    else if (Array.isArray(value)) variants.push(['type swap', {}], ['empty', []], ...(value.length > 0 ? [['first item twice', [...value, structuredClone(value[0]!)]] as [string, Json]] : []));
    else if (value && typeof value === 'object') variants.push(['type swap', []], ['empty', {}]);
    for (const [what, replacement] of variants) {
      const doc = structuredClone(root);
      if (replacement === DELETE) {
        const { parent, key } = parentOf(doc, path);
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key as string];
      } else setAt(doc, path, replacement);
      out.push({ text: `${JSON.stringify(doc, null, 2)}\n`, ops: [`${what} ${show(path)}`] });
    }
    const last = path[path.length - 1];
    if (typeof last === 'string') {
      const evil: Json = typeof value === 'string' ? 'docker.io/evil/miner:latest' : typeof value === 'number' ? 0 : null;
      out.push({ text: `${withDuplicateKey(root, path.slice(0, -1), last, evil)}\n`, ops: [`duplicate key ${show(path)} (first = ${brief(evil)})`] });
    }
  }
  return out;
}

const DELETE = Symbol('delete');

/** Hostile values for each tar header field (a function of the entry where the value depends on it). */
const HEADER_SWEEP: [HeaderField, string | Buffer | ((item: TarItem) => string | Buffer), string][] = [
  ['name', '../x', 'traversal'],
  ['name', '/etc/ferry-abs', 'absolute'],
  ['name', `blobs/sha256/${'f'.repeat(64)}`, 'a blob nobody listed'],
  ['name', `x${CONTROLS.esc}[2J${CONTROLS.rlo}`, 'control characters'],
  ['prefix', '../..', 'ustar prefix traversal'],
  ['size', (item) => octal(item.data.length + 1, 12), 'one byte more'],
  ['size', (item) => octal(Math.max(0, item.data.length - 1), 12), 'one byte less'],
  ['size', Buffer.from([0x80, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 'base-256 2^77'],
  ['size', Buffer.alloc(12, 0xff), 'negative base-256'],
  ['size', 'zzzzzzzzzzz\u0000', 'not octal'],
  ['typeflag', '2', 'a symbolic link'],
  ['typeflag', '1', 'a hard link'],
  ['typeflag', '5', 'a directory'],
  ['typeflag', '6', 'a FIFO'],
  ['typeflag', 'x', 'a pax header'],
  ['typeflag', 'L', 'a GNU long name'],
  ['checksum', '000000\u0000 ', 'a wrong checksum'],
  ['linkname', '/etc/passwd', 'a link target'],
  ['mode', 'zzzzzzz\u0000', 'not octal'],
  ['mode', '7777777\u0000', 'every bit'],
  ['mtime', Buffer.from([0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 'base-256 huge'],
  ['magic', 'gnu\u0000\u0000\u0000', 'not ustar'],
  ['uname', `${CONTROLS.esc}]0;x${CONTROLS.bel}`, 'control characters'],
];

/** Every tar header field of every entry, each set to a few hostile values (the checksum recomputed but for its own case). */
export function headerSweep(entries: readonly TarItem[]): { op: string; apply(draft: BundleDraft): void }[] {
  const out: { op: string; apply(draft: BundleDraft): void }[] = [];
  entries.forEach((item, i) => {
    const name = itemName(item);
    for (const [field, value, what] of HEADER_SWEEP) {
      out.push({
        op: `header ${field} of ${name} = ${what}`,
        apply(draft) {
          const target = draft.entries[i]!;
          setHeaderField(target.header, field, typeof value === 'function' ? value(target) : value);
          if (field === 'checksum') target.keepChecksum = true;
        },
      });
    }
  });
  return out;
}
