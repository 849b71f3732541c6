import { readFile } from 'node:fs/promises';
import { parse, YAMLError } from 'yaml';
import type { z } from 'zod';
import { FerryError } from '../errors/ferry-error.js';
import { POLICY_FIELDS, PolicyFileSchema, type Policy } from './policy.js';

/** A policy file is a few lines; anything this large is not one. */
const MAX_POLICY_FILE = 1024 * 1024;

/** Reads and checks a policy YAML file; throws FerryError('bad-usage') naming the file and every bad field. */
export async function loadPolicy(file: string): Promise<Policy> {
  let text: string;
  try {
    const bytes = await readFile(file);
    if (bytes.length > MAX_POLICY_FILE) throw Object.assign(new Error('too large'), { code: 'EFBIG' });
    text = bytes.toString('utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FerryError('bad-usage', `Cannot read policy file ${file}: ${code ?? (error as Error).message}.`, { subject: file, cause: error });
  }
  return parsePolicy(text, file);
}

/** Parses and checks a policy's YAML text; `file` names it in errors. */
export function parsePolicy(text: string, file: string): Policy {
  let data: unknown;
  try {
    data = parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const message = error instanceof YAMLError ? error.message.split('\n')[0]!.replace(/:$/, '') : String(error);
    throw bad(file, `it is not valid YAML: ${message}`);
  }
  if (data === null || data === undefined) throw bad(file, `it is empty; a policy names at least one rule (${POLICY_FIELDS.join(', ')})`);
  if (typeof data !== 'object' || Array.isArray(data)) throw bad(file, `it must be a mapping of rules (${POLICY_FIELDS.join(', ')}), not a ${Array.isArray(data) ? 'list' : typeof data}`);
  const parsed = PolicyFileSchema.safeParse(data);
  if (!parsed.success) throw bad(file, parsed.error.issues.map(describeIssue).join('; '));
  const p = parsed.data;
  return {
    file,
    ...(p.allowedRegistries ? { allowedRegistries: p.allowedRegistries } : {}),
    requireDigest: p.requireDigest ?? false,
    forbiddenTags: p.forbiddenTags ?? [],
    requiredPlatforms: p.requiredPlatforms ?? [],
    ...(p.maxBundleSize !== undefined ? { maxBundleSize: p.maxBundleSize } : {}),
    minSignatures: p.minSignatures ?? 0,
    minApprovals: p.minApprovals ?? 0,
    requireCosignSignature: p.requireCosignSignature ?? false,
  };
}

/** One schema issue as `field[1]: what is wrong`, unknown fields named with the known ones. */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length > 0 ? ` in ${fieldPath(issue.path)}` : '';
    return `${issue.keys.map((k) => `unknown field "${k}"`).join(', ')}${where} (known fields: ${POLICY_FIELDS.join(', ')})`;
  }
  const message = issue.message.replace(/^Invalid input: /, '');
  return `${fieldPath(issue.path) || '(top level)'}: ${message}`;
}

function fieldPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('');
}

function bad(file: string, why: string): FerryError {
  return new FerryError('bad-usage', `Policy file ${file} is not valid: ${why}.`, { subject: file });
}
