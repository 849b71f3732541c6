// Entry point of the bundled `ferry` command (dist/ferry.mjs): run main and exit with its code.
// Only this file and the version lookup are in the entry: `ferry --version` answers without loading
// commander or any command definition; everything else imports main (a chunk of its own) first.
import { writeSync } from 'node:fs';
import { TOOL_VERSION } from '../engine/version.js';

/** Commands that verify the bundle folders given first (a guess made before the command line is parsed). */
const VERIFYING = new Set(['verify', 'import', 'sign', 'approve']);

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // exactly what commander's .version() prints, written straight to fd 1 (no stream set up)
  try {
    writeSync(1, `${TOOL_VERSION}\n`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN') process.stdout.write(`${TOOL_VERSION}\n`);
    else if (code !== 'EPIPE') throw error;
  }
} else {
  // `ferry inspect DIR | head`: the reader went away — stop quietly, as coreutils do, instead of crashing on EPIPE
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  // the commands that verify a bundle start their hashing thread before commander and the command definitions load,
  // on the folders named right after the command (the command's own action starts it on every folder it is given)
  if (VERIFYING.has(argv[0] ?? '')) {
    const end = argv.findIndex((arg, i) => i > 0 && arg.startsWith('-'));
    const dirs = argv.slice(1, end === -1 ? undefined : end);
    if (dirs.length > 0 && !argv.includes('--dry-run')) (await import('../engine/verify/verify-hasher.js')).prestartVerifyHasher(dirs);
  }
  const { main } = await import('./main.js');
  process.exitCode = await main(argv);
}
