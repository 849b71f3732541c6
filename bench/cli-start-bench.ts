// How fast the built `ferry` command starts: `ferry --version`, `--help`, `ferry inspect` and `ferry verify` on a
// small bundle, each the best of FERRY_BENCH_RUNS (default 10) runs, against a bare `node -e 0`.
// Field engineers run `ferry verify` / `ferry inspect` in scripts, so start-up time is the figure.
//
//   npm run build && node dist/bench/cli-start-bench.js [BUNDLE_DIR]
//
// Without a folder it makes a small bundle (one image, 1 MiB parts). FERRY_BENCH_CLI: another built
// entry to time (default dist/ferry.mjs).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTestBundle } from '../e2e/harness/index.js';

const root = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../..' : '..', import.meta.url));

/** Runs a command to its end; its wall time in milliseconds. */
async function timed(args: string[]): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited ${code}`);
  return performance.now() - started;
}

const runs = Number(process.env.FERRY_BENCH_RUNS ?? 10);
const cli = process.env.FERRY_BENCH_CLI ?? join(root, 'dist', 'ferry.mjs'); // `npm run build` first
let dir = process.argv[2];
let cleanup = async (): Promise<void> => {};
if (!dir) {
  const made = await makeTestBundle({ split: '1MiB', bigLayers: 1 });
  dir = made.dir;
  cleanup = made.cleanup;
}
try {
  const cases: [string, string[]][] = [
    ['node -e 0 (floor)', ['-e', '0']],
    ['ferry --version', [cli, '--version']],
    ['ferry --help', [cli, '--help']],
    ['ferry inspect', [cli, 'inspect', dir]],
    ['ferry inspect --json', [cli, 'inspect', '--json', dir]],
    ['ferry verify', [cli, 'verify', dir]],
  ];
  const best = new Map(cases.map(([name]) => [name, Infinity]));
  await timed([cli, '--version']); // warm the page cache
  // interleaved, so a busy moment of the machine does not land on one case only
  for (let i = 0; i < runs; i++) {
    for (const [name, args] of cases) best.set(name, Math.min(best.get(name)!, await timed(args)));
  }
  console.log(`ferry CLI start-up (${cli}), best of ${runs}:`);
  const floor = best.get('node -e 0 (floor)')!;
  for (const [name, ms] of best) console.log(`  ${name.padEnd(22)} ${ms.toFixed(0).padStart(5)} ms  ${(ms / floor).toFixed(2)}×`);
  console.log(`  target: ferry --version ≤ 1.30× bare node (${(best.get('ferry --version')! / floor).toFixed(2)}×)`);
} finally {
  await cleanup();
}
