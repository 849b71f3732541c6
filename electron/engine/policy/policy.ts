import { z } from 'zod';
import { parseSize } from '../bundle/parse-size.js';
import { formatPlatform } from '../platform/format-platform.js';
import { parsePlatform } from '../platform/parse-platform.js';
import { isHostPattern } from './host-pattern.js';

/**
 * A bundle policy as read from its YAML file: every rule optional, unknown fields refused. Plain
 * data (strings, numbers, booleans), so it crosses IPC as is.
 */
export interface Policy {
  /** The policy file it was read from. */
  file: string;
  /** Registry host patterns images may come from (`registry.corp.example`, `*.corp.example`, `host:5000`). */
  allowedRegistries?: string[];
  /** Every image must have been named by digest (`…@sha256:…`), not only by tag. */
  requireDigest: boolean;
  /** Tags (or `*` globs) no image may carry, e.g. `latest`. */
  forbiddenTags: string[];
  /** Platforms every image must carry (`linux/amd64`), in canonical form. */
  requiredPlatforms: string[];
  /** The largest bundle allowed, in bytes: archive parts plus parity parts. */
  maxBundleSize?: number;
  /** Valid preparer signatures by distinct trusted keys required. */
  minSignatures: number;
  /** Valid approvals by distinct trusted keys, none a preparer's, required. */
  minApprovals: number;
  /** Every carried image must have a valid cosign signature by one of the keys given to verify (`--cosign-key`). */
  requireCosignSignature: boolean;
}

const patterns = z.array(
  z.string().refine(isHostPattern, {
    error: (issue) => `"${String(issue.input)}" is not a registry host pattern (write registry.corp.example, *.corp.example or host:5000, without https:// or a path)`,
  }),
);

const platform = z.string().transform((spec, ctx) => {
  try {
    return formatPlatform(parsePlatform(spec));
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
    return z.NEVER;
  }
});

const size = z.union([z.string(), z.number()], { error: 'expected a size such as 20GiB, 700MB or a byte count' }).transform((value, ctx) => {
  try {
    return parseSize(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${String(value)}" is not a size of at least 1 MiB (write e.g. 20GiB, 700MB or a byte count)` });
    return z.NEVER;
  }
});

const count = z.number({ error: 'expected a whole number' }).int('expected a whole number').min(0, 'expected 0 or more');

/** The policy file's schema: the fields a policy YAML file may hold. */
export const PolicyFileSchema = z.strictObject({
  /** The policy format; 1 today. */
  version: z.literal(1, { error: 'expected 1 (the only policy format this Ferry reads)' }).optional(),
  allowedRegistries: patterns.optional(),
  requireDigest: z.boolean({ error: 'expected true or false' }).optional(),
  forbiddenTags: z.array(z.string().regex(/^[\w.*-]+$/, 'expected a tag or a tag pattern with *')).optional(),
  requiredPlatforms: z.array(platform).optional(),
  maxBundleSize: size.optional(),
  minSignatures: count.optional(),
  minApprovals: count.optional(),
  requireCosignSignature: z.boolean({ error: 'expected true or false' }).optional(),
});

/** The fields a policy file may hold, in the order the schema lists them. */
export const POLICY_FIELDS = Object.keys(PolicyFileSchema.shape);
