import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import type { JobControls } from '../bundle/create-bundle.js';
import { FerryError } from '../errors/ferry-error.js';
import { ProgressMeter } from '../progress/progress-meter.js';
import type { VerifiedBundle } from '../verify/open-verified-bundle.js';
import { openPlacedArchive } from './complete-archive.js';
import { DEFAULT_CONTAINERD_NAMESPACE } from './containerd-namespace.js';

/** Where to load a bundle: a running containerd, through its `ctr` client. */
export interface PlaceInContainerdOptions {
  /** The bundle, verified (`openVerifiedBundle`). */
  bundle: VerifiedBundle;
  /** A delta's earlier bundles, verified (`openVerifiedBases`): they supply the blobs it relies on, for a complete archive. */
  bases?: VerifiedBundle[];
  /** containerd's socket (`ctr --address`; default: ctr's own, `$CONTAINERD_ADDRESS` or `/run/containerd/containerd.sock`). */
  address?: string;
  /** containerd namespace (default `k8s.io`, the one Kubernetes' CRI uses). */
  namespace?: string;
  /** The `ctr` program (default: `ctr` on PATH). */
  ctr?: string;
}

/** One image as containerd now lists it. */
export interface PlacedImage {
  name: string;
  digest: string;
}

/** What {@link placeInContainerd} loaded. */
export interface PlaceInContainerdResult {
  namespace: string;
  images: PlacedImage[];
  bytes: number;
  manifest: BundleManifest;
}

export { DEFAULT_CONTAINERD_NAMESPACE };

/**
 * Loads a bundle into a running containerd: streams the reassembled archive (verified on the way,
 * its last MiB held back until the whole sha256 matches) into `ctr images import --all-platforms
 * --no-unpack -` on stdin, so no temporary copy is written; then checks that `ctr images ls`
 * lists every image with its digest. A damaged bundle kills ctr before it can finish the import. A delta is streamed as
 * the complete archive a full bundle of its images would hold, its missing blobs read from `bases`, or refused.
 */
export async function placeInContainerd(options: PlaceInContainerdOptions, controls: JobControls = {}): Promise<PlaceInContainerdResult> {
  const namespace = options.namespace ?? DEFAULT_CONTAINERD_NAMESPACE;
  const ctr = await findProgram(options.ctr ?? 'ctr');
  const base = [...(options.address ? ['--address', options.address] : []), '--namespace', namespace];
  const meter: { m?: ProgressMeter } = {};
  // a delta is made complete from its bases (refused without them); a complete bundle's archive is streamed as it is
  const archive = await openPlacedArchive(options.bundle, options.bases ?? [], { signal: controls.signal, onBytes: (n) => meter.m?.add(n) });
  const { manifest, size } = archive;
  controls.onProgress?.({ kind: 'phase-start', phase: 'write', totalBytes: size });
  meter.m = new ProgressMeter('write', size, controls.onProgress);

  const child = spawn(ctr, [...base, 'images', 'import', '--all-platforms', '--no-unpack', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const output = tail(child);
  const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('close', (code) => resolve({ code }));
  });
  let streamError: unknown;
  try {
    await pipeline(archive.stream, child.stdin, { signal: controls.signal });
  } catch (error) {
    streamError = error;
    // the tar's end was held back: ctr has not finished, so killing it leaves no image behind
    child.kill('SIGKILL');
  } finally {
    await archive.close();
  }
  const { code, error: spawnError } = await exited;
  if (streamError && (streamError instanceof FerryError || controls.signal?.aborted)) throw streamError;
  if (spawnError) throw new FerryError('io', `Cannot run ${ctr}: ${spawnError.message}.`, { subject: ctr, cause: spawnError });
  if (code !== 0) {
    throw new FerryError('io', `ctr images import failed (exit ${code}): ${output().trim() || 'no output'}`, { subject: options.address ?? 'containerd' });
  }
  if (streamError) throw streamError;
  meter.m.finish();
  controls.onProgress?.({ kind: 'phase-end', phase: 'write' });

  const listed = await runCapture(ctr, [...base, 'images', 'ls']);
  if (listed.code !== 0) throw new FerryError('io', `ctr images ls failed (exit ${listed.code}): ${listed.output.trim()}`, { subject: options.address ?? 'containerd' });
  const lines = listed.output.split('\n');
  const images: PlacedImage[] = [];
  for (const image of manifest.images) {
    const name = image.reference;
    const line = lines.find((l) => l.startsWith(`${name} `));
    if (!line || !line.includes(image.digest)) {
      throw new FerryError('io', `After the import, containerd (namespace ${namespace}) does not list ${name} with digest ${image.digest}.`, { subject: name });
    }
    images.push({ name, digest: image.digest });
  }
  return { namespace, images, bytes: size, manifest };
}

/** Resolves a program on PATH (or a path as given), or says clearly that it is missing. */
async function findProgram(program: string): Promise<string> {
  const candidates = program.includes('/') || isAbsolute(program) ? [program] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, program));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new FerryError('not-found', `${program} (containerd's command-line client) was not found${program.includes('/') ? '' : ' on PATH'}; install containerd's ctr, or write to the node's images folder instead (k3s, k0s).`, {
    subject: program,
    hint: 'images-folder',
  });
}

/** Keeps the last 16 KiB of a child's stdout and stderr. */
function tail(child: ReturnType<typeof spawn>): () => string {
  let text = '';
  const add = (chunk: Buffer): void => {
    text = (text + chunk.toString('utf8')).slice(-16384);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => text;
}

function runCapture(cmd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.once('error', (e) => resolve({ code: null, output: e.message }));
    child.once('close', (code) => resolve({ code, output }));
  });
}
