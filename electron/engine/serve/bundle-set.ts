import type { BigIntStats } from 'node:fs';
import type { Readable } from 'node:stream';
import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import { formatBytes } from '../../../shared/format.js';
import type { ArchivedBlob, BundleArchive } from '../bundle/bundle-archive.js';
import { FerryError } from '../errors/ferry-error.js';
import { earlierBundles, imagesNeedingBlobs } from '../place/complete-archive.js';

/** What serving reads of bundle archives: one archive, or several served as one ({@link BundleSet}). */
export interface ArchiveView {
  /** Every folder read from. */
  readonly dirs: string[];
  has(digest: string): boolean;
  blob(digest: string): ArchivedBlob | undefined;
  readBlob(digest: string): Promise<Buffer>;
  openBlob(digest: string, range?: { start?: number; end?: number; signal?: AbortSignal }): Readable;
  /** Reads up to `length` bytes of a blob at `position` into `target` (see `BundleArchive.readBlobInto`). */
  readBlobInto(digest: string, target: Buffer, position: number, length: number): Promise<number>;
  /** The status (fstat, bigint times) of each file a blob's bytes lie in (see `BundleArchive.statBlobFiles`). */
  statBlobFiles(digest: string): Promise<BigIntStats[]>;
  /** The bundle a blob is read from, for messages (`the bundle at DIR (id …)`). */
  sourceOf?(digest: string): string;
}

/** One verified bundle of a served set, with its archive open. */
export interface BundleMember {
  manifest: BundleManifest;
  archive: BundleArchive;
  /** Its folders (a bundle folder, or every volume of a set). */
  dirs: string[];
}

/**
 * Several verified bundles served as one registry (`ferry serve DELTA BASE...`): a blob or manifest is looked up across
 * all of them by digest (content-addressed, so any holder will do: the first given that holds it), and every read is
 * checked against its digest by the serving code as for one bundle.
 */
export class BundleSet implements ArchiveView {
  readonly dirs: string[];

  constructor(readonly members: readonly BundleMember[]) {
    this.dirs = members.flatMap((m) => m.dirs);
  }

  has(digest: string): boolean {
    return this.#holder(digest) !== undefined;
  }

  blob(digest: string): ArchivedBlob | undefined {
    return this.#holder(digest)?.archive.blob(digest);
  }

  readBlob(digest: string): Promise<Buffer> {
    return this.#require(digest).archive.readBlob(digest);
  }

  openBlob(digest: string, range: { start?: number; end?: number; signal?: AbortSignal } = {}): Readable {
    return this.#require(digest).archive.openBlob(digest, range);
  }

  readBlobInto(digest: string, target: Buffer, position: number, length: number): Promise<number> {
    return this.#require(digest).archive.readBlobInto(digest, target, position, length);
  }

  statBlobFiles(digest: string): Promise<BigIntStats[]> {
    return this.#require(digest).archive.statBlobFiles(digest);
  }

  sourceOf(digest: string): string {
    const member = this.#holder(digest);
    return member ? describeMember(member) : `the bundles at ${this.dirs.join(', ')}`;
  }

  /** Closes every archive. */
  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.archive.close()));
  }

  #holder(digest: string): BundleMember | undefined {
    return this.members.find((m) => m.archive.has(digest));
  }

  #require(digest: string): BundleMember {
    const member = this.#holder(digest);
    if (!member) throw new FerryError('not-found', `No bundle served holds blob ${digest}.`, { subject: digest });
    return member;
  }
}

/** `the bundle at DIR (id …)`. */
export function describeMember(member: Pick<BundleMember, 'dirs' | 'manifest'>): string {
  return `the bundle at ${member.dirs.join(', ')} (id ${member.manifest.id})`;
}

/**
 * Refuses a set in which a delta relies on a blob no other bundle of the set holds (by digest, with the recorded size):
 * the error names each such blob with the images needing it, and which earlier bundles to add.
 */
export async function checkDeltasComplete(members: readonly BundleMember[]): Promise<void> {
  const problems: string[] = [];
  for (const member of members) {
    const omitted = member.manifest.delta?.omitted ?? [];
    const others = members.filter((m) => m !== member);
    const missing = omitted.filter((blob) => !others.some((m) => m.archive.blob(blob.digest)?.size === blob.size));
    if (missing.length === 0) continue;
    const owners = await imagesNeedingBlobs(member.archive, member.manifest);
    const bytes = missing.reduce((n, b) => n + b.size, 0);
    const lines = missing.map((b) => `  - blob ${b.digest} (${formatBytes(b.size)}) needed by ${owners.get(b.digest)?.join(', ') ?? 'a chart or referrer of the bundle'}`);
    problems.push(
      `${member.dirs.join(', ')} is a delta bundle (id ${member.manifest.id}) relying on ${missing.length} blob${missing.length === 1 ? '' : 's'} (${formatBytes(bytes)}) that ${others.length === 0 ? 'no other bundle was given to supply' : 'none of the other bundles given holds'}:\n${lines.join('\n')}\n` +
        `Serve it together with ${earlierBundles(member.manifest)}: ferry serve DELTA BASE...`,
    );
  }
  if (problems.length > 0) throw new FerryError('not-found', `Nothing is served: ${problems.join('\n')}`, { subject: members[0]?.dirs[0] ?? '' });
}
