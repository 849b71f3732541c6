import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { collect } from '../collect.js';
import type { InventoryFlags } from './inventory-run.js';
import { DEFAULT_CONTAINERD_NAMESPACE } from '../../engine/place/containerd-namespace.js';

/** `ferry inventory`: list what the offline side holds (registries, bundles carried across, containerd) into one small file. */
export function registerInventoryCommand(program: Command, ctx: CommandContext): void {
  program
    .command('inventory')
    .description('list what the offline side holds (every repository, tag, manifest and blob, no blob bytes) into a small, deterministic inventory file for the connected side (ferry bundle --have)')
    .requiredOption('-o, --output <file>', 'the inventory file to write (atomically)')
    .option('--from <host[:port][/prefix]>', 'a registry: its whole catalog, or only the repositories under PREFIX (repeatable)', collect, [])
    .option('--from-bundle <dir>', 'a bundle already carried across: its folder or its bundle.json (repeatable)', collect, [])
    .option('--from-containerd', "a running containerd, through ctr: its images and content store")
    .option('--address <sock>', "--from-containerd: containerd's socket (default: ctr's; k3s uses /run/k3s/containerd/containerd.sock)")
    .option('--namespace <ns>', '--from-containerd: containerd namespace', DEFAULT_CONTAINERD_NAMESPACE)
    .option('--sign-key <key>', 'sign the inventory with this Ferry key: a detached OUTPUT.sig the connected side checks with --trust')
    .option('--insecure-registry <host[:port]>', 'plain HTTP / unverified TLS for this host (repeatable)', collect, [])
    .option('--ca-file <pem>', 'trust this CA in addition to the system CAs (repeatable)', collect, [])
    .option('--concurrency <n>', 'repositories listed at once, and requests per registry at once (default 8)')
    .option('--page-size <n>', 'names asked for per catalog or tag-list page (default 1000; the registry may send fewer)')
    .option('--json', 'machine-readable result on stdout, progress as JSON lines on stderr')
    .action(async (flags: InventoryFlags) => {
      const { runInventory } = await import('./inventory-run.js');
      await runInventory(ctx, flags);
    });
}
