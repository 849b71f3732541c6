import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnService } from './service-process.js';
import { makeTempDir, removeDir } from './temp-dir.js';
import { run, type RunResult } from './tools.js';
import { waitUntil } from './wait-until.js';

/** A throwaway containerd with its own root, state and socket. */
export interface ContainerdHandle {
  /** The unix socket (`ctr --address`). */
  address: string;
  /** Root directory (content store, metadata). */
  root: string;
  /** Runs `ctr --address SOCK ARGS` (namespace `default` unless ARGS say otherwise); never throws. */
  ctr(args: string[]): Promise<RunResult>;
  /** Recent output of the containerd process. */
  output(): string;
  /** Stops containerd and removes its directories. Idempotent. */
  stop(): Promise<void>;
}

/** Plugins a pure image store does not need (and that fail or slow down startup in a sandbox without cgroups). */
const DISABLED_PLUGINS = [
  'io.containerd.grpc.v1.cri',
  'io.containerd.internal.v1.opt',
  'io.containerd.internal.v1.restart',
  'io.containerd.internal.v1.tracing',
  'io.containerd.tracing.processor.v1.otlp',
  'io.containerd.monitor.v1.cgroups',
  'io.containerd.runtime.v1.linux',
  'io.containerd.runtime.v2.task',
  'io.containerd.service.v1.tasks-service',
  'io.containerd.grpc.v1.tasks',
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.zfs',
];

/** A TOML string literal. */
function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** A directory short enough for a unix socket path (< 108 bytes): under os.tmpdir() if that is short, else /tmp. */
async function shortTempDir(): Promise<string> {
  return makeTempDir('ctd', tmpdir().length <= 60 ? tmpdir() : '/tmp');
}

/**
 * Starts `containerd --config CONFIG` (1.6) as an image store only: no CRI, no runtimes/tasks; native and
 * overlayfs snapshotters (overlayfs works here as root). Waits until `ctr version` answers (~0.1 s).
 *
 * ctr 1.6.20 `images import` — findings on this linux/amd64 host, with OCI archives from
 * `skopeo copy --all docker://HOST/test/multi:1 oci-archive:X.tar:test/multi:1` (index of amd64, arm64/v8, arm/v7):
 * - No flags: only the HOST platform's content is imported (index + amd64 manifest/config/layers) and unpacked.
 *   The image record still points at the index, `ctr images ls` lists all three platforms, and
 *   `ctr images check` says "complete (3/3)" (it only checks the host platform) although the arm blobs are absent.
 * - `--all-platforms` is REQUIRED to import every platform's blobs (here 11: index, 3 manifests, 3 configs,
 *   4 distinct layers). With it, an archive missing any platform's blobs fails, exit 1:
 *   "ctr: content digest sha256:…: not found" (same for `--platform linux/arm64` when that platform is absent).
 *   Without it, a platform-filtered archive (index lists platforms whose blobs are absent) imports fine.
 * - `--no-unpack` skips creating snapshots (pure content import; fastest for checks). Unpacking a foreign
 *   platform (`--platform linux/arm64/v8`) also works: it is only file extraction.
 * - Naming: annotation `io.containerd.image.name` on the index.json entry wins and is used verbatim (even when
 *   `--base-name` does not match it). Otherwise `org.opencontainers.image.ref.name`: if it contains any of
 *   `/:@` it is used verbatim (skopeo's "test/multi:1" becomes image "test/multi:1", no docker.io
 *   normalisation); a bare tag ("latest") becomes `import-YYYY-MM-DD:latest`, or `BASE:latest` with `--base-name BASE`.
 * - `--base-name BASE` also FILTERS: full ref.names not starting with `BASE:` / `BASE@` are skipped SILENTLY
 *   (exit 0, nothing imported) — e.g. `--base-name 127.0.0.1:5000/test/multi` with ref.name "test/multi:1".
 * - `--digests` additionally creates `PREFIX@sha256:<index digest>` (PREFIX = base name or import-DATE).
 * - `--index-name NAME` additionally creates image NAME for a NEW index wrapping the archive's index.json
 *   (a different digest), not for the image's own index.
 * So: `ctr images import --all-platforms [--no-unpack] ARCHIVE`, with archives whose index.json entries carry
 * `io.containerd.image.name` = the full reference, is what round-trips multi-platform images exactly.
 */
export async function startContainerd(): Promise<ContainerdHandle> {
  const dir = await shortTempDir();
  const root = join(dir, 'root');
  const state = join(dir, 'state');
  const address = join(dir, 'c.sock');
  await mkdir(root);
  await mkdir(state);
  const config = [
    'version = 2',
    `root = ${tomlString(root)}`,
    `state = ${tomlString(state)}`,
    `disabled_plugins = [${DISABLED_PLUGINS.map(tomlString).join(', ')}]`,
    '',
    '[grpc]',
    `  address = ${tomlString(address)}`,
    '',
    '[ttrpc]',
    `  address = ${tomlString(`${address}.ttrpc`)}`,
    '',
    '[debug]',
    '  level = "warn"',
    '',
  ].join('\n');
  const configFile = join(dir, 'config.toml');
  await writeFile(configFile, config);
  const service = spawnService('containerd', ['--config', configFile]);
  const ctr = (args: string[]): Promise<RunResult> => run('ctr', ['--address', address, ...args], { timeoutMs: 60_000 });
  try {
    await waitUntil(async () => (await run('ctr', ['--address', address, '--timeout', '2s', 'version'], { timeoutMs: 5_000 })).code === 0, {
      what: `containerd on ${address}`,
      process: service,
      intervalMs: 100,
    });
  } catch (err) {
    await service.stop(1_000);
    await removeDir(dir);
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    address,
    root,
    ctr,
    output: () => service.output(),
    stop() {
      stopped ??= (async () => {
        await service.stop();
        await removeDir(dir);
      })();
      return stopped;
    },
  };
}
