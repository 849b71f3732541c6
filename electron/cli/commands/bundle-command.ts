import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { collect } from '../collect.js';
import type { BundleFlags } from './bundle-run.js';

/** `ferry bundle`: images from registries into one bundle folder. */
export function registerBundleCommand(program: Command, ctx: CommandContext): void {
  program
    .command('bundle')
    .description('fetch images from registries into one bundle folder (bundle.json, bundle.tar, SHA256SUMS)')
    .argument('[refs...]', 'image references (nginx:1.27, registry.local:5000/team/app@sha256:…)')
    .option('-f, --list <list>', 'read a list file: one reference per line (# comments), or YAML with images/charts/files (docs/bundle-list.example.yaml); repeatable', collect, [])
    .option('--chart <repo-url/name@version|oci://host/path/name:version>', 'also carry this Helm chart as an OCI artifact; repeatable', collect, [])
    .option('--chart-username <user>', 'Basic credentials for HTTP chart repositories')
    .option('--chart-password <password>', 'Basic credentials for HTTP chart repositories')
    .option('--file <path|url>', 'also carry this plain file (local path or http(s) URL) as files/<name>; repeatable', collect, [])
    .requiredOption('-o, --output <dir>', 'the bundle folder to write')
    .option('--platform <os/arch[/variant][:osversion]>', "keep only these platforms (repeatable): each image carries whichever of them it has (one lacking some is a warning, one with none an error); none: every platform, digests kept", collect, [])
    .option('--all-platforms-required', 'every image must have every --platform asked for (and every platform of its own list): one lacking any fails the bundle')
    .option('--insecure-registry <host[:port]>', 'plain HTTP / unverified TLS for this host (repeatable)', collect, [])
    .option('--ca-file <pem>', 'trust this CA in addition to the system CAs (repeatable)', collect, [])
    .option('--split <size|fat32>', 'split the archive into parts (700MB, 3MiB, 4GiB, fat32)')
    .option('--parity <n>', 'also write n Reed–Solomon parity parts (1–32): any n lost or damaged parts can be rebuilt with ferry repair')
    .option('--concurrency <n>', 'blobs fetched at once (default 8)')
    .option('--low-speed-limit <bytes-per-second>', 'cut and retry a download slower than this over --low-speed-time (512, 1KiB, 1MB; 0: never; default 1KiB)')
    .option('--low-speed-time <seconds>', 'the window --low-speed-limit is averaged over (default 30)')
    .option('--include-foreign-layers', 'fetch Windows foreign layers from their URLs and carry them')
    .option('--no-cache', 'do not use the local blob cache')
    .option('--cache-dir <dir>', 'blob cache folder (default $XDG_CACHE_HOME/ferry)')
    .option('--force', 'replace a bundle already in the output folder')
    .option('--sign-key <key>', 'sign the finished bundle as its preparer with this private key (ferry keygen); checked before fetching')
    .option('--referrers', 'also carry cosign signatures, attestations and SBOMs (sha256-<hex>.sig/.att/.sbom tags) and OCI 1.1 referrers')
    .option('--have <inventory|bundle-dir>', 'the offline side holds this (an inventory file from ferry inventory, or a bundle already carried across): make a delta that leaves out the blobs it holds (repeatable)', collect, [])
    .option('--trust <pub>', 'with --have: each inventory must be signed, each old bundle prepared, by one of these public keys (repeatable); checked before fetching', collect, [])
    .option('--json', 'machine-readable result on stdout, progress as JSON lines on stderr')
    .action(async (refs: string[], flags: BundleFlags) => {
      // the hashing threads (the archive's; a cached blob's) boot on the other core while the bundle modules load
      (await import('../../engine/bundle/archive/prestart-archive-hasher.js')).prestartArchiveHasher();
      if (flags.cache !== false) (await import('../../engine/cache/cache-hasher.js')).prestartCacheHasher();
      const { runBundle } = await import('./bundle-run.js');
      await runBundle(ctx, refs, flags);
    });
}
