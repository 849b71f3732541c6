/** What every command gets from the CLI's entry point: its streams and the run's cancellation signal. */
export interface CommandContext {
  /** Results; guarded (output/guarded-stream.ts): control characters written to it arrive escaped. */
  stdout: NodeJS.WritableStream;
  /** Progress and messages; guarded like stdout (the progress printer unwraps it for its own cursor sequences). */
  stderr: NodeJS.WriteStream;
  signal: AbortSignal;
}
