import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SIGNATURE_MEDIA_TYPE, SIGNATURE_SCHEMA_VERSION, SIGNATURES_DIR, SignatureDocumentSchema, signaturePayload } from '../../../shared/signature.js';
import type { SignatureCheck } from '../../../shared/verify-report.js';
import { FerryError } from '../errors/ferry-error.js';
import { parseStrictJson } from '../util/parse-strict-json.js';
import { readRegularFile } from '../util/read-regular-file.js';
import { keyIdOf, shortKeyId } from './key-id.js';
import { MAX_SIGNATURE_FILE_BYTES, MAX_SIGNATURE_FILES, signaturesFolderState } from './signatures-folder.js';
/** The length of an Ed25519 signature. */
const ED25519_SIGNATURE_BYTES = 64;

/**
 * Checks every file in `<dir>/signatures/` against the exact bytes of `bundle.json`: each must be a
 * Ferry signature document whose Ed25519 signature verifies against the key it carries, whose key
 * id is that key's, and which binds this bundle's id and this `bundle.json`'s sha256. Files whose
 * names start with `.` (unfinished writes) are skipped; a missing folder means no signatures.
 * `signatures` itself is never followed: a link (or anything but a folder) is one invalid entry naming it,
 * and nothing it points to is listed or read. Each file is read only when it is a regular file (not a
 * link, FIFO or device) of at most 64 KiB; anything else is an invalid entry saying why, never a hang.
 * `trusted` maps full key ids to the trusted key file each came from.
 */
export async function checkSignatureFiles(dir: string, bundleJson: Buffer, trusted: ReadonlyMap<string, string> = new Map()): Promise<SignatureCheck[]> {
  return (await checkSignatureFolder(dir, bundleJson, trusted)).map((f) => f.check);
}

/** One signature file as checked, with the sha256 of its bytes (absent when it could not be read). */
export interface CheckedSignatureFile {
  check: SignatureCheck;
  /** sha256 (hex) of the file's bytes: two files with the same name and digest are the same signature. */
  sha256?: string;
}

/** `checkSignatureFiles`, also giving each file's digest (to tell identical copies on several volumes apart from different ones). */
export async function checkSignatureFolder(dir: string, bundleJson: Buffer, trusted: ReadonlyMap<string, string> = new Map()): Promise<CheckedSignatureFile[]> {
  const folder = join(dir, SIGNATURES_DIR);
  const refused = (problem: string): CheckedSignatureFile[] => [{ check: { file: SIGNATURES_DIR, role: 'unknown', keyId: '', valid: false, trusted: false, problem } }];
  const state = await signaturesFolderState(dir);
  if (state.kind === 'absent') return [];
  if (state.kind === 'refused') return refused(`${state.problem} No signature in it was read.`);
  let names: string[];
  try {
    names = (await readdir(folder)).filter((n) => !n.startsWith('.')).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    throw new FerryError('io', `Cannot read ${folder}: ${code ?? (error as Error).message}.`, { subject: folder, cause: error });
  }
  if (names.length > MAX_SIGNATURE_FILES) {
    return refused(`${folder} holds ${names.length} files, more than the ${MAX_SIGNATURE_FILES} a bundle may carry; none of them was read.`);
  }
  const bundle = { id: bundleIdOf(bundleJson), sha256: createHash('sha256').update(bundleJson).digest('hex') };
  const checks: CheckedSignatureFile[] = [];
  for (const name of names) {
    const path = join(folder, name);
    const file = `${SIGNATURES_DIR}/${name}`;
    const read = await readSmall(path, file);
    if (typeof read === 'string') checks.push({ check: { file, role: 'unknown', keyId: '', valid: false, trusted: false, problem: read } });
    else checks.push({ check: checkOne(read, file, bundle, trusted), sha256: createHash('sha256').update(read).digest('hex') });
  }
  return checks;
}

function checkOne(read: Buffer, file: string, bundle: { id: string | undefined; sha256: string }, trusted: ReadonlyMap<string, string>): SignatureCheck {
  const check: SignatureCheck = { file, role: 'unknown', keyId: '', valid: false, trusted: false };
  const fail = (problem: string): SignatureCheck => ({ ...check, problem });

  let json: unknown;
  try {
    json = parseStrictJson(read, { maxDepth: 8 });
  } catch (error) {
    const why = (error as Error).message;
    return fail(why.startsWith('it is not valid JSON') ? 'It is not valid JSON, so it is not a Ferry signature document.' : `It is not a Ferry signature document: ${why}.`);
  }
  // what the document claims, shown even when the rest is wrong
  const claimed = (json ?? {}) as Record<string, unknown>;
  if (claimed.role === 'preparer' || claimed.role === 'approver') check.role = claimed.role;
  if (typeof claimed.keyId === 'string' && /^[a-f0-9]{64}$/.test(claimed.keyId)) {
    check.keyId = claimed.keyId;
    const trustedFile = trusted.get(claimed.keyId);
    if (trustedFile !== undefined) Object.assign(check, { trusted: true, trustedKey: trustedFile });
  }
  if (typeof claimed.created === 'string') check.created = claimed.created;
  if (typeof claimed.schemaVersion === 'number' && claimed.schemaVersion > SIGNATURE_SCHEMA_VERSION) {
    return fail(`It uses signature schema ${claimed.schemaVersion}; this Ferry reads schema ${SIGNATURE_SCHEMA_VERSION}, so use a newer Ferry.`);
  }
  if (claimed.mediaType !== SIGNATURE_MEDIA_TYPE) return fail(`It is not a Ferry signature document (its mediaType is not ${SIGNATURE_MEDIA_TYPE}).`);
  const parsed = SignatureDocumentSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(`It is not a valid Ferry signature document (${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}).`);
  }
  const doc = parsed.data;

  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: doc.publicKey, format: 'pem' });
  } catch {
    return fail('Its publicKey cannot be read as a PEM public key.');
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') return fail(`Its publicKey is a ${publicKey.asymmetricKeyType ?? 'unknown'} key, not Ed25519.`);
  if (keyIdOf(publicKey) !== doc.keyId) return fail(`Its keyId ${shortKeyId(doc.keyId)}… is not the id of the public key it carries (${shortKeyId(keyIdOf(publicKey))}…).`);
  const signature = Buffer.from(doc.signature, 'base64');
  if (signature.length !== ED25519_SIGNATURE_BYTES) return fail(`Its signature is ${signature.length} bytes, not an Ed25519 signature.`);
  const payload = Buffer.from(signaturePayload(doc), 'utf8');
  if (!verify(null, payload, publicKey, signature)) {
    return fail(`Its signature does not verify against key ${shortKeyId(doc.keyId)}…: the document was altered after signing, or forged.`);
  }
  if (bundle.id === undefined) return fail('bundle.json has no readable id, so no signature can be bound to it.');
  if (doc.bundleId !== bundle.id) return fail(`It signs bundle ${doc.bundleId}, not this bundle (${bundle.id}).`);
  if (doc.bundleSha256 !== bundle.sha256) {
    return fail(
      `It signs a bundle.json with sha256 ${shortKeyId(doc.bundleSha256)}…, but this bundle.json has sha256 ${shortKeyId(bundle.sha256)}…: bundle.json was changed after it was signed.`,
    );
  }
  return { ...check, valid: true };
}

/**
 * The file's bytes, or why they are not read, as a sentence naming the file: only a regular file (opened without
 * following a link and without blocking on a FIFO) of at most {@link MAX_SIGNATURE_FILE_BYTES} is read.
 */
async function readSmall(path: string, file: string): Promise<Buffer | string> {
  try {
    return await readRegularFile(path, { maxBytes: MAX_SIGNATURE_FILE_BYTES, what: file });
  } catch (error) {
    return `It is not read: ${error instanceof FerryError ? error.message : `${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`}`;
  }
}

function bundleIdOf(bundleJson: Buffer): string | undefined {
  try {
    const id = (parseStrictJson(bundleJson) as { id?: unknown } | null)?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
