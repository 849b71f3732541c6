#!/usr/bin/env node
// The long hostile-bundle fuzz (`npm run fuzz`): e2e/hostile/fuzz.test.ts with FERRY_FUZZ_COUNT mutations (default
// 50 000; `npm test` runs 2 000). The seed is printed; give it back to replay the run, and FERRY_FUZZ_ONLY=i to replay
// one iteration through every command.
// Usage: npm run fuzz [-- COUNT [SEED]]   (or FERRY_FUZZ_COUNT, FERRY_FUZZ_SEED, FERRY_FUZZ_DEEP, FERRY_FUZZ_ONLY)
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const [count, seed] = process.argv.slice(2);
for (const [name, value] of [['COUNT', count], ['SEED', seed]]) {
  if (value !== undefined && !/^(\d+|0x[0-9a-f]+)$/i.test(value)) {
    console.error(`hostile-fuzz: ${name} must be a number, not "${value}"`);
    process.exit(2);
  }
}
const env = {
  ...process.env,
  FERRY_FUZZ_COUNT: count ?? process.env.FERRY_FUZZ_COUNT ?? '50000',
  ...(seed !== undefined ? { FERRY_FUZZ_SEED: seed } : {}),
};
console.log(`hostile-fuzz: ${env.FERRY_FUZZ_COUNT} mutations${env.FERRY_FUZZ_SEED ? `, seed ${env.FERRY_FUZZ_SEED}` : ''}`);
const child = spawn(process.execPath, ['scripts/run-tests.mjs', 'e2e/hostile/fuzz.test.ts'], { cwd: root, env, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
