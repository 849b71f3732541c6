// Entry point of the bundled `ferry` command (dist/ferry.mjs): run main and exit with its code.
// Only this file and the version lookup are in the entry: `ferry --version` answers without loading
// commander or any command definition; everything else imports main (a chunk of its own) first.
import { writeSync } from 'node:fs';
import { TOOL_VERSION } from '../engine/version.js';

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
  const { main } = await import('./main.js');
  process.exitCode = await main(argv);
}
