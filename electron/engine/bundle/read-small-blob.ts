import { FerryError } from '../errors/ferry-error.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { ImageReference } from '../reference/image-reference.js';
import type { ImageSourceClient } from '../sources/image-source-client.js';

const LIMIT = 4 * 1024 * 1024;

/** Reads a small blob (an image config) into memory, verified by the client; refuses anything over 4 MiB. */
export async function readSmallBlob(client: ImageSourceClient, ref: ImageReference, desc: Descriptor, signal?: AbortSignal): Promise<Buffer> {
  if (desc.size > LIMIT) {
    throw new FerryError('manifest-too-large', `Config ${desc.digest} of ${ref.registry}/${ref.repository} is ${desc.size} bytes; at most ${LIMIT} are read into memory.`, {
      subject: desc.digest,
    });
  }
  const stream = await client.openBlob(ref.registry, ref.repository, desc, { signal });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
