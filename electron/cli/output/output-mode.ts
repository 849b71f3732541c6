/** How the CLI talks: bars on a terminal, plain lines when piped, JSON lines with --json. */
export type OutputMode = 'tty' | 'plain' | 'json';

/** Picks the output mode from the flags and the terminal. */
export function outputMode(json: boolean | undefined, stream: NodeJS.WriteStream = process.stderr): OutputMode {
  if (json) return 'json';
  return stream.isTTY && process.env.TERM !== 'dumb' ? 'tty' : 'plain';
}
