import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { collect } from '../collect.js';

/** `ferry inspect`: what a bundle holds, from its bundle.json. */
export function registerInspectCommand(program: Command, ctx: CommandContext): void {
  program
    .command('inspect')
    .description('show what a bundle holds: images, digests, sources, platforms, sizes, archive parts')
    .argument('<dir>', 'the bundle folder (or its bundle.json)')
    .option('--json', 'print bundle.json and the warnings as JSON')
    .option('--html <report>', 'also write a self-contained HTML review report (prints well)')
    .option('--trust <pub>', 'report: check signatures against this trusted public key (repeatable)', collect, [])
    .option('--require-approval', 'report: require an approval by a second trusted key')
    .option('--policy <file>', 'report: check the bundle against this YAML policy')
    .option('--verify', 'report: also check integrity (reads every part)')
    .option('--cosign-key <pub>', 'report: check the carried images\' cosign signatures against this public key (repeatable)', collect, [])
    .option('--against <old>', 'report: add "What changed" against an older bundle folder (or its bundle.json) or an inventory file (as ferry diff OLD DIR)')
    .action(async (dir: string, flags: { json?: boolean; html?: string; trust: string[]; requireApproval?: boolean; policy?: string; verify?: boolean; cosignKey: string[]; against?: string }) => {
      const { runInspect } = await import('./inspect-run.js');
      await runInspect(ctx, dir, flags);
    });
}
