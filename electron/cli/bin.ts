// Entry point of the bundled `ferry` command (dist/ferry.mjs): run main and exit with its code.
import { main } from './main.js';

// `ferry inspect DIR | head`: the reader went away — stop quietly, as coreutils do, instead of crashing on EPIPE
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await main(process.argv.slice(2));
