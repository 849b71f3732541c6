import { isAbsolute, resolve } from 'node:path';
import { FerryError } from '../errors/ferry-error.js';

/** The local transports Ferry reads, named as skopeo and containers/image name them. */
export const LOCAL_TRANSPORTS = ['docker-archive', 'oci-archive', 'oci', 'docker-daemon'] as const;

/** One of {@link LOCAL_TRANSPORTS}. */
export type LocalTransport = (typeof LOCAL_TRANSPORTS)[number];

/** A local source as written: `docker-archive:PATH[:REF]`, `oci-archive:PATH[:TAG]`, `oci:DIR[:TAG]`, `docker-daemon:REF`. */
export interface LocalSourceName {
  transport: LocalTransport;
  /** The file or folder (archives and layouts); for `docker-daemon:` the image's name or ID. */
  path: string;
  /** The image asked for inside an archive or layout (a `RepoTags` name, an `@N` index, or an OCI `ref.name`). */
  ref?: string;
  /** The name exactly as given. */
  given: string;
}

/** True when `input` names a local source (starts with one of the transports and a colon). */
export function isLocalSourceName(input: string): boolean {
  return LOCAL_TRANSPORTS.some((t) => input.startsWith(`${t}:`));
}

/**
 * Parses a local source name as skopeo does: the transport, then the path up to the next colon, then the rest as the
 * image inside (a reference may hold colons of its own: `docker-archive:app.tar:registry.local:5000/team/app:1.0`).
 * A Windows drive letter (`docker-archive:C:\images\app.tar`) stays part of the path. Returns undefined for anything
 * that is not a local source (a registry reference); throws `bad-usage` for a local source with no path.
 */
export function parseSourceName(input: string): LocalSourceName | undefined {
  const transport = LOCAL_TRANSPORTS.find((t) => input.startsWith(`${t}:`));
  if (transport === undefined) return undefined;
  const rest = input.slice(transport.length + 1);
  if (transport === 'docker-daemon') {
    if (rest === '') throw new FerryError('bad-usage', `${input}: name the image the Docker Engine holds (docker-daemon:NAME[:TAG] or docker-daemon:IMAGE_ID).`, { subject: input });
    return { transport, path: rest, given: input };
  }
  let cut = rest.indexOf(':');
  // `C:\…` or `C:/…`: a drive letter, not the separator
  if (cut === 1 && /^[A-Za-z]:[\\/]/.test(rest)) cut = rest.indexOf(':', 2);
  const path = cut < 0 ? rest : rest.slice(0, cut);
  const ref = cut < 0 ? undefined : rest.slice(cut + 1);
  if (path === '') throw new FerryError('bad-usage', `${input}: name the ${transport === 'oci' ? 'folder' : 'file'} (${transport}:PATH[:${transport === 'docker-archive' ? 'REF' : 'TAG'}]).`, { subject: input });
  if (ref === '') throw new FerryError('bad-usage', `${input}: nothing follows the colon after the path; name the image or leave the colon out.`, { subject: input });
  return { transport, path, ...(ref !== undefined ? { ref } : {}), given: input };
}

/**
 * The image name a local source pins, when it pins one in full: `docker-archive:app.tar:registry.local/team/app:1.0`
 * and `docker-daemon:alpine:3.20` do (that image is bundled under that name); an archive with no REF, `@N`, or an OCI
 * layout's TAG do not. `bundle.json`'s consistency check holds an image's `reference` to it.
 */
export function pinnedName(name: LocalSourceName): string | undefined {
  const named = name.transport === 'docker-daemon' ? name.path : name.transport === 'docker-archive' ? name.ref : undefined;
  return named === undefined || named.startsWith('@') || (name.transport === 'docker-daemon' && isImageId(named)) ? undefined : named;
}

/** An image ID as the Docker Engine takes one: `sha256:<hex>`, or 12 to 64 hex digits. */
export function isImageId(text: string): boolean {
  return /^(sha256:)?[0-9a-f]{12,64}$/.test(text);
}

/** A local source whose relative path is taken against `baseDir` (a list file's folder); anything else as it is. */
export function sourceAgainst(input: string, baseDir: string): string {
  const name = isLocalSourceName(input) ? parseSourceName(input) : undefined;
  if (!name || name.transport === 'docker-daemon' || isAbsolute(name.path)) return input;
  return `${name.transport}:${resolve(baseDir, name.path)}${name.ref !== undefined ? `:${name.ref}` : ''}`;
}
