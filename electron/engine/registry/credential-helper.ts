import { spawn } from 'node:child_process';
import { FerryError } from '../errors/ferry-error.js';
import type { Credential } from './credentials.js';

/** How long a credential helper may take (it may show a keychain prompt). */
const HELPER_TIMEOUT_MS = 60_000;

/** Where a helper was configured, for error messages. */
export interface HelperOrigin {
  /** The helper's suffix: `desktop` for `docker-credential-desktop`. */
  helper: string;
  /** The registry host asked about (error subject). */
  registry: string;
  /** The config file that named the helper. */
  configFile: string;
}

/**
 * Runs `docker-credential-<helper> get` with the server URL on stdin and parses `{Username, Secret}`.
 * Returns undefined when the helper has nothing for that server. Never puts the helper's output in an error.
 */
export async function runCredentialHelper(
  origin: HelperOrigin,
  serverUrl: string,
  env: NodeJS.ProcessEnv,
): Promise<Credential | undefined> {
  const program = `docker-credential-${origin.helper}`;
  const { code, stdout, spawnError, timedOut } = await runProgram(program, serverUrl, env);
  const where = `configured in ${origin.configFile} for ${origin.registry}`;
  if (spawnError) {
    const missing = (spawnError as NodeJS.ErrnoException).code === 'ENOENT';
    throw new FerryError(
      'credentials',
      missing
        ? `The credential helper "${program}" ${where} is not installed or not on PATH; install it or remove it from that file.`
        : `The credential helper "${program}" ${where} could not be started; check that it is executable.`,
      { subject: origin.registry },
    );
  }
  if (timedOut) {
    throw new FerryError(
      'credentials',
      `The credential helper "${program}" ${where} did not answer within ${HELPER_TIMEOUT_MS / 1000} s; run "${program} get" yourself to see why.`,
      { subject: origin.registry },
    );
  }
  if (code !== 0) {
    // Helpers report a missing entry with this sentence and a non-zero exit (docker treats it as "no credentials").
    if (/credentials not found/i.test(stdout)) return undefined;
    throw new FerryError(
      'credentials',
      `The credential helper "${program}" ${where} failed (exit code ${code}); run "${program} get" yourself to see why.`,
      { subject: origin.registry },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new FerryError('credentials', `The credential helper "${program}" ${where} printed something that is not JSON.`, {
      subject: origin.registry,
    });
  }
  const record = (parsed ?? {}) as { Username?: unknown; Secret?: unknown };
  const username = typeof record.Username === 'string' ? record.Username : '';
  const secret = typeof record.Secret === 'string' ? record.Secret : '';
  if (secret === '') return undefined;
  if (username === '<token>') return { identityToken: secret };
  return { username, password: secret };
}

interface ProgramResult {
  code: number | null;
  stdout: string;
  spawnError?: Error;
  timedOut: boolean;
}

/** Runs a program with input on stdin; stdout is kept (helpers print their errors there), stderr is dropped. */
function runProgram(program: string, input: string, env: NodeJS.ProcessEnv): Promise<ProgramResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let timedOut = false;
    let settled = false;
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'ignore'] });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, HELPER_TIMEOUT_MS);
    const finish = (result: ProgramResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (stdout.length < 1024 * 1024) stdout += chunk;
    });
    child.on('error', (error) => finish({ code: null, stdout: '', spawnError: error, timedOut: false }));
    child.on('close', (code) => finish({ code, stdout, timedOut }));
    child.stdin.on('error', () => undefined); // a helper that exits without reading stdin
    child.stdin.end(input);
  });
}
