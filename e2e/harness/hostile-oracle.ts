// The oracle of the hostile corpus: runs every offline command on a fresh crafted copy of a case and judges what it
// did — refused (FerryError or negative report, not `internal`, not a usage code) with a message naming the fault;
// nothing written outside its targets (the run folder's tree compared before and after, links and FIFOs never
// followed or opened); the bundle unchanged; nothing pushed (a per-call repository prefix in the catalog) or placed;
// bounded in time and memory.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { request } from 'undici';
import { signatureFileName, SIGNATURES_DIR } from '../../shared/signature.js';
import { makeSignatureDocument } from '../../electron/engine/trust/sign-bundle.js';
import { generateSigningKey, loadSigningKey, type SigningKey } from '../../electron/engine/index.js';
import type { CommandEnv, Outcome } from './hostile-commands.js';
import {
  baseFacts,
  craftCase,
  expectationOf,
  OFFLINE_COMMANDS,
  READ_ONLY_COMMANDS,
  runFolders,
  type BaseFacts,
  type HostileCase,
  type OfflineCommand,
  type RunFolders,
} from './hostile-bundles.js';
import type { RegistryHandle } from './registry.js';
import { makeTestBundle, type TestBundle } from './test-bundle.js';
import { makeTempDir, removeDir } from './temp-dir.js';

/** The small valid bundle a hostile test file crafts from, its facts and two signing keys. */
export interface HostileBase {
  bundle: TestBundle;
  facts: BaseFacts;
  /** Key files: the preparer's (sign, and the signature every crafted copy carries) and an approver's. */
  preparerKey: string;
  approverKey: string;
  preparer: SigningKey;
}

/**
 * Makes the pristine bundle once per test file: a Docker-typed image (`test/single:1.0`), an OCI one (`test/shared:1`)
 * and one plain file, unsplit (one archive part), about 18 KB; plus a preparer and an approver key.
 */
export async function prepareHostileBase(): Promise<HostileBase> {
  const scratch = await makeTempDir('hostile-file');
  let bundle: TestBundle;
  try {
    const file = join(scratch, 'release-notes.txt');
    writeFileSync(file, 'Release notes: carried as a plain file.\n');
    bundle = await makeTestBundle({ images: ['test/single:1.0', 'test/shared:1'], files: [file] });
  } finally {
    await removeDir(scratch);
  }
  const keys = join(bundle.work, 'keys');
  mkdirSync(keys);
  const preparer = await generateSigningKey(join(keys, 'preparer'));
  const approver = await generateSigningKey(join(keys, 'approver'));
  return { bundle, facts: baseFacts(bundle.dir), preparerKey: preparer.privateKeyFile, approverKey: approver.privateKeyFile, preparer: await loadSigningKey(preparer.privateKeyFile) };
}

/** Error codes that must never answer a hostile bundle: a bug (`internal`), or blaming the user's typing (exit 2). */
export const WRONG_REFUSAL_CODES = new Set(['internal', 'bad-usage', 'bad-reference', 'bad-platform', 'cancelled']);

/** Every path under `root` with what it is: a regular file's sha256 (size and mtime past 1 MiB), a link's target. */
export function snapshotTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      const rel = relative(root, path);
      let info;
      try {
        info = lstatSync(path);
      } catch {
        continue;
      }
      if (info.isSymbolicLink()) out.set(rel, `link → ${readlinkSync(path)}`);
      else if (info.isDirectory()) {
        out.set(rel, 'folder');
        walk(path);
      } else if (info.isFile()) {
        out.set(rel, info.size <= 1024 * 1024 ? `file ${createHash('sha256').update(readFileSync(path)).digest('hex')}` : `file of ${info.size} bytes, mtime ${info.mtimeMs}`);
      } else out.set(rel, info.isFIFO() ? 'fifo' : 'special file');
    }
  };
  walk(root);
  return out;
}

/** What changed between two snapshots, a line per path. */
export function treeChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  const changes: string[] = [];
  for (const [path, what] of after) {
    const was = before.get(path);
    if (was === undefined) changes.push(`${path} appeared (${what})`);
    else if (was !== what) changes.push(`${path} changed (${was} → ${what})`);
  }
  for (const path of before.keys()) if (!after.has(path)) changes.push(`${path} disappeared`);
  return changes;
}

/** The repositories a registry holds. */
export async function registryCatalog(registry: RegistryHandle): Promise<string[]> {
  const res = await request(`${registry.url}/v2/_catalog?n=1000`, { dispatcher: registry.dispatcher });
  if (res.statusCode !== 200) throw new Error(`the registry's catalog answered ${res.statusCode}: ${await res.body.text()}`);
  const body = (await res.body.json()) as { repositories?: string[] };
  return body.repositories ?? [];
}

/** Writes a valid preparer signature over exactly these bundle.json bytes (what `ferry bundle --sign-key` leaves). */
export function presign(key: SigningKey): (dir: string, bundleJson: Buffer, id: string) => void {
  return (dir, bundleJson, id) => {
    const doc = makeSignatureDocument(key, 'preparer', typeof id === 'string' ? id : 'unknown', bundleJson);
    mkdirSync(join(dir, SIGNATURES_DIR), { recursive: true });
    writeFileSync(join(dir, SIGNATURES_DIR, signatureFileName('preparer', key.keyId)), `${JSON.stringify(doc, null, 2)}\n`);
  };
}

/** What one command did to one crafted copy, as observed from outside. */
export interface Observation {
  command: OfflineCommand;
  outcome: Outcome;
  /** Changes inside the bundle folder, its targets, and anywhere else in the run folder. */
  bundle: string[];
  targets: string[];
  outside: string[];
  /** Repositories that appeared in the registry (imports only). */
  pushed: string[];
}

/** The failures in one observation (empty when the command behaved). */
export function judge(c: HostileCase, facts: BaseFacts, o: Observation): string[] {
  const problems: string[] = [];
  const { command, outcome } = o;
  const say = (s: string): void => void problems.push(`${command}: ${s}`);
  const expected = expectationOf(c, command, facts);
  const shown = (text: string): string => JSON.stringify(text.length > 700 ? `${text.slice(0, 700)}…` : text);
  if (outcome.verdict === 'timeout') say(`hung (${outcome.message})`);
  if (outcome.verdict === 'memory') say(`ran out of bounds (${outcome.message})`);
  if (outcome.verdict === 'crashed') say(`crashed instead of refusing: ${outcome.message}${outcome.error ? ` [${outcome.error}]` : ''}`);
  if (outcome.verdict === 'refused' && outcome.code && WRONG_REFUSAL_CODES.has(outcome.code)) say(`refused with code ${outcome.code} (a bug or a usage error, not a refusal of the bundle): ${shown(outcome.message)}`);
  if (expected === 'accept' && outcome.verdict !== 'accepted') say(`refused the pristine bundle: ${shown(outcome.message)}`);
  if (typeof expected === 'object') {
    if (outcome.verdict === 'accepted') say(`accepted it (${outcome.message}); it must refuse: ${c.about}`);
    else if (outcome.verdict === 'refused') {
      for (const re of expected.refuse) if (!re.test(outcome.message)) say(`refused, but the message does not name the fault (${re}): ${shown(outcome.message)}`);
    }
  }
  const failed = outcome.verdict !== 'accepted';
  if (o.outside.length > 0) say(`wrote outside its targets: ${o.outside.join('; ')}`);
  if (o.bundle.length > 0 && (failed || READ_ONLY_COMMANDS.includes(command))) say(`changed the bundle folder${failed ? ' although it did not succeed' : ''}: ${o.bundle.join('; ')}`);
  if (o.targets.length > 0 && failed) say(`wrote into its target although it did not succeed: ${o.targets.join('; ')}`);
  if (o.pushed.length > 0 && failed) say(`pushed ${o.pushed.join(', ')} although it did not succeed`);
  for (const leak of outcome.leaks ?? []) say(leak);
  for (const s of c.check?.(command, outcome) ?? []) say(s);
  return problems;
}

/** What the corpus runs with, set up once per test file. */
export interface CorpusContext {
  /** The pristine bundle folder every case is crafted from. */
  base: string;
  facts: BaseFacts;
  /** Where each run's folder is made (`<work>/<case>/<command>`). */
  work: string;
  env: Omit<CommandEnv, 'importPrefix'>;
  /** Runs a command: in this process (runOffline) or in a HostileSandbox. */
  run(command: OfflineCommand, folders: RunFolders, env: CommandEnv): Promise<Outcome>;
  /** The registry imports go to; its catalog proves nothing was pushed. */
  registry?: RegistryHandle;
  /** Signs every crafted bundle as its preparer (so approve has something to countersign). */
  preparer?: SigningKey;
  /** Keep each run's folder (FERRY_KEEP_TMP=1 keeps them anyway). */
  keep?: boolean;
}

let importCount = 0;

/** Runs every command of a case, each on its own freshly crafted copy, and judges each. */
export async function runCorpusCase(c: HostileCase, ctx: CorpusContext): Promise<{ problems: string[]; observations: Observation[] }> {
  const problems: string[] = [];
  const observations: Observation[] = [];
  // run folders are named by a hash of the case: a folder named after it would put its words (`registry`,
  // `signatures`, `link`) into every message that quotes a path, and a regex would match the path, not the fault
  const caseDir = join(ctx.work, createHash('sha256').update(c.name).digest('hex').slice(0, 10));
  for (const command of c.commands ?? OFFLINE_COMMANDS) {
    const folders = runFolders(join(caseDir, command));
    rmSync(folders.root, { recursive: true, force: true });
    craftCase(ctx.base, c, folders, ctx.facts, ctx.preparer ? presign(ctx.preparer) : undefined);
    const before = snapshotTree(folders.root);
    const catalogBefore = command === 'import' && ctx.registry ? await registryCatalog(ctx.registry) : [];
    const ran = await ctx.run(command, folders, { ...ctx.env, importPrefix: `hostile${++importCount}` });
    // paths in messages are judged as placeholders: only what the message says about the bundle may match a fault
    const outcome = { ...ran, message: redactPaths(ran.message, [folders.root, ctx.env.preparerKey, ctx.env.approverKey, ctx.base]) };
    const after = snapshotTree(folders.root);
    const catalogAfter = command === 'import' && ctx.registry ? await registryCatalog(ctx.registry) : [];
    const changes = treeChanges(before, after);
    const under = (prefix: string): string[] => changes.filter((line) => line.startsWith(`${prefix}${sep}`) || line.startsWith(`${prefix} `));
    const observation: Observation = {
      command,
      outcome,
      bundle: under('bundle'),
      targets: under('targets'),
      outside: changes.filter((line) => !line.startsWith(`bundle${sep}`) && !line.startsWith('bundle ') && !line.startsWith(`targets${sep}`) && !line.startsWith('targets ')),
      pushed: catalogAfter.filter((r) => !catalogBefore.includes(r)),
    };
    observations.push(observation);
    problems.push(...judge(c, ctx.facts, observation));
    if (!ctx.keep && process.env.FERRY_KEEP_TMP !== '1') rmSync(folders.root, { recursive: true, force: true });
  }
  return { problems, observations };
}

/** A message with the given paths (and anything below them) replaced by `<path>`. */
export function redactPaths(message: string, paths: readonly string[]): string {
  let out = message;
  for (const path of [...paths].sort((a, b) => b.length - a.length)) out = out.split(path).join('<path>');
  return out;
}

/** One line per command: verdict, time, RSS growth, for a test's diagnostics. */
export function describeObservations(observations: readonly Observation[]): string {
  return observations
    .map((o) => `${o.command} ${o.outcome.verdict}${o.outcome.code ? `(${o.outcome.code})` : ''} ${Math.round(o.outcome.ms)}ms${o.outcome.rssGrowthMb !== undefined ? ` +${o.outcome.rssGrowthMb}MB` : ''}`)
    .join(', ');
}
