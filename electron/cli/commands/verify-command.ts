import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { collect } from '../collect.js';
import type { VerifyFlags } from './verify-run.js';

/**
 * `ferry verify DIR...`: a bundle's integrity, every fault at once. Exit 0 intact, 1 damaged
 * (a folder without bundle.json is damaged too), 2 bad usage (no folder, or one that does not exist).
 */
export function registerVerifyCommand(program: Command, ctx: CommandContext): void {
  program
    .command('verify')
    .description('check a bundle (or every volume of a multi-volume set): bundle.json, SHA256SUMS, every part, every blob, the archive structure and, when asked, signatures and policy (exit 0: intact and trusted, 1: damaged, untrusted or against policy)')
    .argument('<dirs...>', 'the bundle folder, or every volume of a multi-volume set')
    .option('--trust <pub>', 'a trusted public key (.pub); repeatable: a valid preparer signature by one is required', collect, [])
    .option('--require-approval', 'also require an approval by a trusted key other than the preparer\'s (two-person rule)')
    .option('--policy <file>', 'a YAML policy the bundle must satisfy (allowed registries, digests, tags, platforms, size, signatures)')
    .option('--cosign-key <pub>', 'a cosign public key (PEM: ECDSA P-256, Ed25519, RSA); repeatable: every carried image needs a valid cosign signature by one (bundle with --referrers)', collect, [])
    .option('--against <host[:port][/prefix]>', 'a delta: also check that this registry holds every blob it relies on (HEAD, in the repositories ferry import --to would use)')
    .option('--map <src=dst>', 'with --against: map a source registry/path prefix to a target path, as ferry import does (repeatable)', collect, [])
    .option('--insecure-registry <host[:port]>', 'with --against: plain HTTP / unverified TLS for this host (repeatable)', collect, [])
    .option('--ca-file <pem>', 'with --against: trust this CA in addition to the system CAs (repeatable)', collect, [])
    .option('--json', 'the report as JSON on stdout, progress as JSON lines on stderr')
    .action(async (dirs: string[], flags: VerifyFlags) => {
      // the hashing thread boots on the other core while the verify modules load
      (await import('../../engine/verify/verify-hasher.js')).prestartVerifyHasher(dirs);
      const { runVerify } = await import('./verify-run.js');
      await runVerify(ctx, dirs, flags);
    });
}
