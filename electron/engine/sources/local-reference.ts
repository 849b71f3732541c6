import { basename } from 'node:path';
import { formatReference } from '../reference/format-reference.js';
import type { ImageReference } from '../reference/image-reference.js';
import { parseReference } from '../reference/parse-reference.js';

/**
 * The registry Ferry names an image under when its source gives it no full name (an unnamed docker-save image, an OCI
 * layout entry named by a tag only): `.invalid` is reserved (RFC 2606) and never resolves, so such a name can only be
 * pushed where `ferry import --to` (or `--map`) puts it.
 */
export const LOCAL_REGISTRY = 'local.invalid';

/** A name the source gives, in full: undefined when it is not a reference (a bare tag, or garbage). */
export function fullName(name: string): ImageReference | undefined {
  // a bare OCI ref.name (`3.20`, `latest`) is a tag, not a repository
  if (!name.includes('/') && !name.includes(':')) return undefined;
  try {
    const ref = parseReference(name);
    return ref.digest !== undefined && ref.tag === undefined ? undefined : ref;
  } catch {
    return undefined;
  }
}

/** `local.invalid/<file or folder name>:<tag>`: the name of an image whose source names it by a tag or not at all. */
export function localReference(path: string, tag = 'latest'): ImageReference {
  const base = basename(path.replace(/[\\/]+$/, ''))
    .toLowerCase()
    .replace(/\.(tar|tgz|tar\.gz|oci|docker)$/, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100);
  const cleanTag = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(tag) ? tag : 'latest';
  return parseReference(`${LOCAL_REGISTRY}/${base || 'image'}:${cleanTag}`);
}

/** The same name in its full form (`alpine:3.20` → `docker.io/library/alpine:3.20`), or the text as given. */
export function normalName(name: string): string {
  const ref = fullName(name);
  return ref ? formatReference(ref) : name;
}
