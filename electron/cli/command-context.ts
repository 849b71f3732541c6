/** What every command gets from the CLI's entry point: its streams and the run's cancellation signal. */
export interface CommandContext {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  signal: AbortSignal;
}
