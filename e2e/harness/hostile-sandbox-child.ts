// The child process of HostileSandbox (hostile-commands.ts): runs one offline command per message, in-process, and
// answers with its Outcome. Its parent bounds each call's time and memory from outside and kills it when either runs out.
import { runOffline, type SandboxReply, type SandboxRequest } from './hostile-commands.js';

process.on('message', (message: unknown) => {
  const request = message as SandboxRequest;
  void runOffline(request.command, request.folders, request.env).then((outcome) => {
    process.send!({ id: request.id, outcome } satisfies SandboxReply);
  });
});
// a hostile bundle must not end the sandbox with an unhandled rejection left behind by an abandoned call
process.on('unhandledRejection', (reason) => process.stderr.write(`sandbox: unhandled rejection: ${String(reason)}\n`));
process.send!({ ready: true });
