// Runs the ferry CLI from source (through tsx) so tests need no build; see ferry-cli.ts.
import { main } from '../../electron/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
