// A Node child process standing in for Electron's utility process: the real engine entry, with
// `process.parentPort` made from Node's IPC channel (tests of the engine supervisor only). Messages
// that arrive before the entry listens are kept for it, as Electron's port does.
const listeners: ((event: { data: unknown }) => void)[] = [];
const early: unknown[] = [];
process.on('message', (data) => {
  if (listeners.length === 0) early.push(data);
  else listeners.forEach((l) => l({ data }));
});
(process as unknown as { parentPort: unknown }).parentPort = {
  on: (_event: string, listener: (event: { data: unknown }) => void) => {
    listeners.push(listener);
    for (const data of early.splice(0)) listener({ data });
  },
  postMessage: (message: unknown) => process.send?.(message),
};
await import('./engine-entry.js');
