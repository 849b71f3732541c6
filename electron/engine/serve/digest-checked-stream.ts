import { Transform, type TransformCallback } from 'node:stream';
import { FerryError } from '../errors/ferry-error.js';
import { hashFor, parseDigest } from '../oci/digest.js';

/** Bytes buffered on each side of the check (four 1 MiB reads). */
const BUFFERED = 4 * 1024 * 1024;

/** What a {@link createDigestCheckedStream} checks the bytes against. */
export interface DigestCheckedStreamOptions {
  /** `sha256:<hex>` (or `sha512:<hex>`): what the whole must hash to. */
  digest: string;
  /** How many bytes the whole has. */
  size: number;
  /** Where the bytes are read from, for the error: `the bundle at /media/stick`. */
  source: string;
}

/**
 * A pass-through that hashes every byte and holds the last chunk back until the whole has been seen: only when the
 * size and digest match is that chunk released and the stream ended. More bytes than `size` fail at once; too few, or
 * a wrong hash, fail at the end with a `damaged` error naming the digest and `source` — so a reader (an HTTP
 * response with a Content-Length) never receives a complete, wrong body.
 */
export function createDigestCheckedStream(options: DigestCheckedStreamOptions): Transform {
  const parsed = parseDigest(options.digest);
  if (!parsed) throw new FerryError('bad-usage', `${options.digest} is not a sha256 or sha512 digest.`, { subject: options.digest });
  const hash = hashFor(parsed);
  let received = 0;
  let held: Buffer | undefined;
  const damaged = (why: string): FerryError => blobChangedError(options.digest, options.source, why);
  return new Transform({
    // a few chunks in flight each way, so reading the media, hashing and writing to the socket overlap
    highWaterMark: BUFFERED,
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
      if (received + chunk.length > options.size) {
        callback(damaged(`has more than the ${options.size} bytes recorded`));
        return;
      }
      hash.update(chunk);
      received += chunk.length;
      const out = held;
      held = chunk;
      callback(null, out);
    },
    flush(callback: TransformCallback): void {
      if (received !== options.size) {
        callback(damaged(`ends after ${received} of its ${options.size} bytes`));
        return;
      }
      const actual = hash.digest('hex');
      if (actual !== parsed.hex) {
        callback(damaged(`no longer matches its digest (it hashes to ${parsed.algorithm}:${actual})`));
        return;
      }
      callback(null, held);
    },
  });
}

/** The `damaged` error of a served blob whose bytes changed on the media: `why` says how (`ends after …`, `no longer matches …`). */
export function blobChangedError(digest: string, source: string, why: string): FerryError {
  return new FerryError('damaged', `Blob ${digest} in ${source} ${why}: the media changed after verification; it was not served whole.`, { subject: digest });
}
