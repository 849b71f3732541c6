import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { collect } from '../collect.js';
import type { ImportFlags } from './import-run.js';
import { DEFAULT_CONTAINERD_NAMESPACE } from '../../engine/place/containerd-namespace.js';
import { DEFAULT_REPORT } from './import-report-file.js';

/** `ferry import`: push a verified bundle's images into a registry on the offline side. */
export function registerImportCommand(program: Command, ctx: CommandContext): void {
  program
    .command('import')
    .description('verify a bundle, then push its images into a registry (digests unchanged; reruns push only what is missing), or place it for k3s/k0s/containerd')
    .argument('<dirs...>', 'the bundle folder, or every volume of a multi-volume set')
    .option('--to <host[:port][/prefix]>', 'the target registry and an optional path prefix (registry.local:5000/mirror)')
    .option('--to-dir <dir>', 'instead: write the verified archive atomically as ferry-<id>.tar into this folder (k3s: /var/lib/rancher/k3s/agent/images, k0s: /var/lib/k0s/images)')
    .option('--to-containerd', 'instead: load every image into a running containerd through ctr (all platforms, not unpacked)')
    .option('--address <sock>', "--to-containerd: containerd's socket (default: ctr's; k3s uses /run/k3s/containerd/containerd.sock)")
    .option('--namespace <ns>', '--to-containerd: containerd namespace', DEFAULT_CONTAINERD_NAMESPACE)
    .option('--base <dir>', '--to-dir/--to-containerd of a delta: an earlier bundle supplying the blobs it relies on (repeatable; every volume of a set); a complete archive is written', collect, [])
    .option('--trust <pub>', 'require a valid preparer signature by this trusted public key (repeatable)', collect, [])
    .option('--require-approval', 'also require an approval by a second trusted key (two-person rule)')
    .option('--policy <file>', 'the bundle must satisfy this YAML policy')
    .option('--cosign-key <pub>', 'require a valid cosign signature by this public key on every carried image (repeatable)', collect, [])
    .option('--map <src=dst>', 'rewrite repositories: a source registry/path prefix and its target (docker.io/library=HOST/mirror/lib); repeatable', collect, [])
    .option('--dry-run', 'print where each image would go; verify, connect and push nothing')
    .option('--insecure-registry <host[:port]>', 'plain HTTP / unverified TLS for this host (repeatable)', collect, [])
    .option('--ca-file <pem>', 'trust this CA in addition to the system CAs (repeatable)', collect, [])
    .option('--concurrency <n>', 'blobs pushed at once (default 4)')
    .option('--report <file>', `write the JSON report here (default ./${DEFAULT_REPORT})`)
    .option('--mirror-config <dir>', 'also write containerd hosts.toml files (DIR/<source-host>/hosts.toml) and a k3s registries.yaml')
    .option('--files-to <dir>', "write the bundle's plain files (files/<name>) into this folder; alone or with a target")
    .option('--charts-to <dir>', "write the bundle's Helm charts as <name>-<version>.tgz (+ .prov) into this folder; alone or with a target")
    .option('--inventory <file>', 'after a successful import, write or update this inventory with what was put where (for ferry bundle --have)')
    .option('--json', 'machine-readable result on stdout, progress as JSON lines on stderr')
    .action(async (dirs: string[], flags: ImportFlags) => {
      // an import verifies the bundle first: its hashing thread boots on the other core while the import modules load
      if (!flags.dryRun) (await import('../../engine/verify/verify-hasher.js')).prestartVerifyHasher(dirs);
      const { runImport } = await import('./import-run.js');
      await runImport(ctx, dirs, flags);
    });
}
