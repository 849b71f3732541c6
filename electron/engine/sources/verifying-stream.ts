import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { FerryError } from '../errors/ferry-error.js';

/**
 * Passes a local blob's bytes through while hashing them: the stream fails with `size-mismatch` or `digest-mismatch`
 * (naming the source and the blob) when they are not what the descriptor says, so a blob read from a local source
 * is verified exactly as one fetched from a registry.
 */
export function verifyingStream(input: Readable, expected: { digest: string; size: number }, label: string): Readable {
  const hash = createHash('sha256');
  let seen = 0;
  const check = new Transform({
    readableHighWaterMark: 1024 * 1024,
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > expected.size) {
        done(new FerryError('size-mismatch', `${label}: blob ${expected.digest} holds more than the ${expected.size} bytes its descriptor says.`, { subject: label }));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      if (seen !== expected.size) {
        done(new FerryError('size-mismatch', `${label}: blob ${expected.digest} holds ${seen} bytes, not the ${expected.size} its descriptor says.`, { subject: label }));
        return;
      }
      const got = `sha256:${hash.digest('hex')}`;
      if (got !== expected.digest) done(new FerryError('digest-mismatch', `${label}: blob ${expected.digest} does not match its digest (its bytes hash to ${got}).`, { subject: label }));
      else done();
    },
  });
  input.on('error', (error) => check.destroy(error));
  check.on('close', () => input.destroy());
  return input.pipe(check);
}
